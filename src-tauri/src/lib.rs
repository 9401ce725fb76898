//! The `oncall-tray` app as a library: [`main`] is the `oncall-tray` executable (parses
//! the command line, runs what it asks for, turns the result into an exit code); the
//! window's executable (`oncall-tray-window`, `src/window_app/`) uses the parts the two
//! share: the window protocol, the settings forms, logging and process hardening.
//! Everything else lives in the modules below.

mod app;
mod browser;
mod cli;
mod commands;
mod demo;
mod exit;
mod generate;
mod headless;
mod keychain;
pub mod lock;
pub mod logging;
mod memory;
mod notifier;
mod play_sound;
#[cfg(all(unix, not(target_os = "macos")))]
mod presence;
mod report;
mod requests;
pub mod settings;
mod shell;
mod stop_signal;
mod tray;
pub mod window;
#[cfg(windows)]
mod windows_console;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Mode};

/// The `oncall-tray` executable.
pub fn main() -> ExitCode {
    // Before anything reads a token: every mode (tray, headless, commands) may.
    no_core_dumps();
    memory::one_heap();
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        // `--help`, `--version` and usage errors print too.
        #[cfg(windows)]
        windows_console::attach_to_parent();
        e.exit()
    });
    let mode = cli.mode();
    #[cfg(windows)]
    windows_console::attach_for(&mode);
    match mode {
        Mode::Tray { demo, show } => {
            // On Linux the tray app runs its own tokio runtime and returns here. On macOS
            // and Windows tauri's event loop takes the main thread and ends the process
            // without returning: the app flushes its log file itself once it has stopped
            // (`logging::finish`).
            let _log = logging::init(logging::Process::Tray);
            match app::run(app::Options { demo, show }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("oncall-tray: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        // A config that cannot work exits 3, which the systemd unit does not restart
        // (`RestartPreventExitStatus=3`): no loop until the user fixes it.
        Mode::Headless => match run(true, headless::run()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => match exit::Failure::of_error(&e) {
                exit::Failure::Config => exit::Failure::Config.exit_code(),
                _ => ExitCode::FAILURE,
            },
        },
        // The documented exit statuses (`exit.rs`, `--help`): scripts tell a broken
        // config from a service that is down from a token to replace.
        Mode::Command(command) => match run(false, commands::run(command)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => exit::Failure::of_error(&e).exit_code(),
        },
        // No logging, runtime or directories: a child of the app, for one sound.
        Mode::PlaySound(sound) => play_sound::run(&sound),
        // No logging, runtime or directories: packaging runs it in a build root.
        Mode::Generate(what) => match generate::run(what) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("oncall-tray: {}", one_message(&e));
                ExitCode::FAILURE
            }
        },
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
///   user (root still can); the files in `/proc/PID` then belong to root. It does not
///   survive `execve`, which is why both executables (`oncall-tray` and
///   `oncall-tray-window`) set it first thing; WebKit's helper processes are other
///   binaries and stay dumpable.
///
/// Windows has no per-process switch: crash dumps are Windows Error Reporting's, set
/// machine-wide (`LocalDumps`); nothing is done there.
pub fn no_core_dumps() {
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

/// Runs `task` on a tokio runtime; a failure is printed as one sentence on stderr and
/// returned for its exit code.
fn run(
    verbose: bool,
    task: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    // Verbose is `--headless`, which keeps a log file; one-shot commands print to the
    // terminal only. Dropped last, after the runtime: what its tasks log while stopping
    // is written too.
    let _log = logging::init(if verbose {
        logging::Process::Headless
    } else {
        logging::Process::Command
    });
    // `--headless` stays up all day like the tray app, on one thread like it (see
    // `app::freedesktop::run`); the one-shot commands need no more.
    let result = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(task),
        Err(e) => Err(anyhow::Error::new(e).context("cannot start")),
    };
    if let Err(e) = &result {
        eprintln!("oncall-tray: {}", one_message(e));
        // `--headless` under a service manager: the log file says why it stopped too.
        logging::record_failure(&one_message(e));
    }
    result
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
