//! The heap of the `oncall-tray` process: set up first thing in `main`, for the modes
//! that stay up all day (the tray app, `--headless`) and the one-shot commands alike,
//! and given back to the system while the app runs.

use std::time::Duration;

use oncall_engine::View;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How long after the engine's view changed (a poll, an action answered) the heap is
/// given back: the work that follows a poll (notifications, the state file) is done
/// by then, and a burst of changes is one give-back.
const SETTLE: Duration = Duration::from_secs(2);

/// One malloc arena for every thread. glibc gives each thread that allocates an arena
/// of its own (up to eight per core), each keeping the memory it freed: three arenas
/// of about 1.2 MiB each were a fifth of the tray process (issue 18, BENCHMARKS.md).
/// The process allocates little and rarely from two threads at once, so the lock the
/// threads then share costs nothing noticeable.
pub fn one_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter of glibc's allocator, before the
    // process starts any thread (`main` calls this first).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Until `cancel`: a little after the engine's view changes, the heap's free pages go
/// back to the system. glibc returns only the free memory at the top of the heap by
/// itself; a poll decodes a page of JSON and frees it, leaving free pages between live
/// ones that the process would otherwise keep all day (about 1 MiB of the tray app
/// with `--demo`). Nothing runs while nothing changes.
pub async fn give_back_freed(mut view: watch::Receiver<View>, cancel: CancellationToken) {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return;
    }
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            changed = view.changed() => if changed.is_err() { return },
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(SETTLE) => {}
        }
        view.mark_unchanged();
        trim();
    }
}

fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes the allocator's own locks; it frees nothing in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
