//! Integration tests against a real Prometheus Alertmanager (Debian's
//! `prometheus-alertmanager`, 0.25 in bookworm). Each test starts its own server on a
//! free loopback port with its own storage, so tests run in parallel and share nothing.
//! `hostile.rs` instead plays a broken or hostile server with raw HTTP on loopback.

mod actions;
mod auth;
mod hostile;
mod polling;
mod secrets;
mod tls;
mod util;
