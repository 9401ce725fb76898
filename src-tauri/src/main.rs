//! `oncall-tray`: parses the command line, runs what it asks for, turns the result into
//! an exit code. Everything else lives in the modules below.

mod app;
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
