//! Logs go to stderr, filtered like `RUST_LOG` (e.g. `RUST_LOG=oncall_engine=debug`).
//! Headless mode logs at `info` by default; one-shot commands only warn, so that their
//! output stays the table or sentence the user asked for.

use tracing_subscriber::EnvFilter;

pub fn init(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // A second initialisation can only happen in tests; keeping the first is right.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
