//! Integration tests against a real Prometheus Alertmanager (Debian's
//! `prometheus-alertmanager`, 0.25 in bookworm). Each test starts its own server on a
//! free loopback port with its own storage, so tests run in parallel and share nothing.

mod actions;
mod auth;
mod lasting;
mod polling;
mod tls;
