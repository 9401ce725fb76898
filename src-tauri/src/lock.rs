//! Taking a std mutex that a panicking holder poisoned. What the shell's mutexes guard
//! stays usable after a panic (at worst a tray mirror or settings copy a step behind,
//! or a log line cut short), and the panic itself is logged, so the app goes on with
//! the state rather than panicking again: a tray that stops paging is worse than one
//! whose icon is a refresh late.

use std::sync::{Mutex, MutexGuard};

/// `mutex`'s guard, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
