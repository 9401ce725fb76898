//! `oncall-tray-window`: the window, a tauri app of its own that the tray app starts when
//! the user opens it (see `window/mod.rs` in the library for why it is a process of its
//! own, and `process.rs` here for what it does). Started by hand, it refuses.

// Windows: a GUI program, as the tray app is.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

// `window_commands!`, the one list of the window's commands, which `build.rs` declares
// and the capability file grants. Its constant is the library's tests' to read.
#[macro_use]
#[allow(dead_code)]
mod command_list {
    include!("../window/command_list.rs");
}
mod process;

use std::process::ExitCode;

use oncall_tray::logging;

fn main() -> ExitCode {
    oncall_tray::no_core_dumps();
    let _log = logging::init(logging::Process::Window);
    match process::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oncall-tray-window: {e:#}");
            ExitCode::FAILURE
        }
    }
}
