//! The heap of the `oncall-tray` process: set first thing in `main`, for the modes that
//! stay up all day (the tray app, `--headless`) and the one-shot commands alike.

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
