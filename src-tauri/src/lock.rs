//! Taking a std mutex that a panicking holder poisoned. What these mutexes guard stays
//! whole across a panic (each is changed by one assignment or one map operation), and
//! the panic itself is logged, so the app goes on with the state rather than a second
//! panic: a tray that stops paging is worse than one that lost a cache.

use std::sync::{Mutex, MutexGuard};

/// `mutex`'s guard, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
