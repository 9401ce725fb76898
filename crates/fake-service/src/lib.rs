//! What every fake service shares, so that `oncall-fake-pagerduty` and
//! `oncall-fake-opsgenie` keep only their vendor's routes, state and JSON.
//!
//! - [`serve`]: the loopback HTTP server, which can drop one connection without
//!   answering and shuts down gracefully ([`RunningFake`]);
//! - [`FakeCore`]: the clock, the request log ([`RecordedRequest`]) and the queue of
//!   injected faults ([`Fault`]), generic over each fake's route and fault types;
//! - [`front`]: the pieces of a fake's front middleware (read and log the request, then
//!   let a fault answer, delay or drop it);
//! - [`cli`]: the fakes' binaries (`--listen`, the `listening on` line, shutdown on a
//!   signal).
//!
//! Nothing here knows a vendor's wire format: error bodies, authentication and which
//! request is which route are the fakes' own.

pub mod cli;
mod faults;
pub mod front;
mod requests;
mod server;
pub mod turns;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

pub use faults::{Fault, FaultQueue, FaultRoute};
pub use requests::{RecordedRequest, RequestLog};
pub use server::{serve, RunningFake};

/// A fake's source of "now".
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Locks `mutex`, recovering it when poisoned: a test helper that panicked leaves the
/// fakes' state consistent, since every update is made whole under the lock.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The parts of a fake that are not about its vendor: where "now" comes from, every
/// request received, and the faults waiting for matching requests. `R` is the fake's
/// route enum, `K` its kind of fault.
///
/// Each part has its own lock because each is touched independently (logging a request
/// need not wait for a fault to be queued). They are `std::sync::Mutex`es on purpose:
/// every critical section is a short synchronous read or update and none is held across
/// an `.await`.
pub struct FakeCore<R, K> {
    /// Read (and the guard dropped) before any other lock is taken, so a clock closure may
    /// itself take locks without ordering concerns.
    clock: Mutex<Clock>,
    log: Mutex<RequestLog>,
    faults: Mutex<FaultQueue<R, K>>,
}

impl<R, K> Default for FakeCore<R, K> {
    fn default() -> Self {
        let clock: Clock = Arc::new(Utc::now);
        FakeCore {
            clock: Mutex::new(clock),
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(FaultQueue::default()),
        }
    }
}

impl<R: FaultRoute, K: Clone> FakeCore<R, K> {
    /// Replaces the clock (default `Utc::now`).
    pub fn set_clock(&self, clock: Clock) {
        *lock(&self.clock) = clock;
    }

    pub fn now(&self) -> DateTime<Utc> {
        let clock = lock(&self.clock).clone();
        clock()
    }

    /// Appends a request to the log and returns its sequence number, for [`Self::set_status`].
    pub fn record(&self, request: RecordedRequest) -> u64 {
        lock(&self.log).push(request)
    }

    /// Fills in what the request logged as `seq` was answered.
    pub fn set_status(&self, seq: u64, status: u16) {
        lock(&self.log).set_status(seq, status);
    }

    /// Notes that an injected fault answered the request logged as `seq`.
    pub fn set_faulted(&self, seq: u64) {
        lock(&self.log).set_faulted(seq);
    }

    /// Every request logged, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).all()
    }

    /// How many requests are in the log: a position in it, without copying it.
    pub fn request_count(&self) -> usize {
        lock(&self.log).len()
    }

    /// The requests from position `start` of the log on.
    pub fn requests_from(&self, start: usize) -> Vec<RecordedRequest> {
        lock(&self.log).from(start)
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    /// Keeps no request from now on: for a fake that runs all day and whose requests
    /// nobody reads (the app's `--demo`), so that its log does not grow without end.
    pub fn stop_recording_requests(&self) {
        lock(&self.log).turn_off();
    }

    /// Queues a fault; queued faults are consumed in order by the requests they match.
    pub fn inject(&self, fault: Fault<R, K>) {
        lock(&self.faults).push(fault);
    }

    /// Drops every queued fault, used up or not.
    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// The first queued fault for a request on `route` (`None`: a request no specific
    /// route names), using up one of its `times`.
    pub fn take_fault(&self, route: Option<R>) -> Option<K> {
        lock(&self.faults).take(route)
    }
}
