//! `oncall-tray`: parses the command line, runs what it asks for, turns the result into
//! an exit code. Everything else lives in the modules below.

mod cli;
mod commands;
mod headless;
mod keychain;
mod logging;
mod notifier;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Mode};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.mode() {
        Mode::Tray { .. } => {
            // The tray (and `--demo`, `--show`) will run tauri's event loop on the main
            // thread, so no tokio runtime is built for this path.
            eprintln!("oncall-tray: the tray app is not built yet; use --headless");
            ExitCode::from(2)
        }
        Mode::Headless => run(true, headless::run()),
        Mode::Command(command) => run(false, commands::run(command)),
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
