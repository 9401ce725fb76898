//! The one task that keeps time for shift reminders and handovers: it runs the shift
//! rules when the next moment is due (a reminder, a start, an end) and at least every
//! [`MAX_WAIT`], so that a laptop waking from sleep hears about its shift within that.
//! The shifts themselves are read by each account's poller, with its other requests.

use std::sync::Arc;
use std::time::Duration;

use crate::generation::Generation;

/// Timers do not run while the machine sleeps: the wall clock is looked at again
/// this often whatever the next moment is.
const MAX_WAIT: Duration = Duration::from_secs(30);

pub(crate) async fn run(generation: Arc<Generation>) {
    loop {
        let next = generation.shift_tick().await;
        let now = generation.clock.now();
        let wait = next
            .and_then(|at| (at - now).to_std().ok())
            .map_or(MAX_WAIT, |until| until.min(MAX_WAIT));
        tokio::select! {
            biased;
            _ = generation.cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
