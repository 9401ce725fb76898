//! `oncall-tray`: parses the command line, runs what it asks for, turns the result into
//! an exit code. Everything else lives in the modules below.

mod app;
mod browser;
mod cli;
mod commands;
mod demo;
mod headless;
mod keychain;
mod logging;
mod notifier;
mod settings;
mod stop_signal;
mod tray;
mod window;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Mode};

fn main() -> ExitCode {
    // Before anything reads a token: every mode (tray, window, headless, commands) may.
    no_core_dumps();
    let cli = Cli::parse();
    match cli.mode() {
        Mode::Tray { demo, show } => {
            // Tauri's event loop takes the main thread and brings its own tokio runtime.
            logging::init(true);
            match app::run(app::Options { demo, show }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("oncall-tray: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Window => {
            logging::init(true);
            match window::run_window_process() {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("oncall-tray: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Headless => run(true, headless::run()),
        Mode::Command(command) => run(false, commands::run(command)),
    }
}

/// Keeps this process's memory, which holds tokens, out of core dumps and away from
/// other processes of the same user.
///
/// - `RLIMIT_CORE` 0 (soft and hard, so nothing below can raise it again): a crash
///   writes no core file, whether the kernel writes it or hands it to a handler such as
///   systemd-coredump. Inherited by every child, so WebKit's processes get it too.
/// - Linux, `PR_SET_DUMPABLE` 0: no core dump through any path, and no ptrace attach or
///   reading of `/proc/PID/mem`, `environ` or `smaps` by other processes of the same
///   user (root still can); the files in `/proc/PID` then belong to root. It does not survive
///   `execve`, which is why every process of this binary (the window's included) sets
///   it here; WebKit's helper processes are other binaries and stay dumpable.
///
/// Windows has no per-process switch: crash dumps are Windows Error Reporting's, set
/// machine-wide (`LocalDumps`); nothing is done there.
fn no_core_dumps() {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        if let Err(e) = setrlimit(Resource::Core, none) {
            eprintln!("oncall-tray: warning: core dumps could not be turned off: {e}");
        }
    }
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        eprintln!("oncall-tray: warning: the process could not be made non-dumpable: {e}");
    }
}

/// Runs `task` on a tokio runtime; a failure is printed as one sentence on stderr.
fn run(verbose: bool, task: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    logging::init(verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("oncall-tray: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oncall-tray: {}", one_message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes as "what failed: why", skipping a cause whose text the
/// message already contains (the store's errors include their source in their text).
pub(crate) fn one_message(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}
