//! The parts of the lifecycle simulation, one job each: [`script`] draws events from a
//! seed, [`driver`] plays them against the engine and a fake [`service`] and keeps the
//! [`history`], [`oracle`] judges it, [`report`] runs seeds, shrinks failures and prints.

pub mod driver;
pub mod history;
pub mod oracle;
pub mod report;
pub mod script;
pub mod service;
