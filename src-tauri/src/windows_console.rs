//! Windows: the terminal a command was started from, given back to the modes that print.
//!
//! A release build is a GUI program (`windows_subsystem = "windows"` in `main.rs`), so
//! that the tray app, started from the Start menu or at login, opens no console window:
//! Windows makes that window for a console program before any of its code runs, so
//! only the program's subsystem can prevent it. The price is that a GUI program has no
//! console, and what it prints goes nowhere, even when it was started from a terminal.
//! [`attach_for`] gives the terminal back to `--help`, usage errors, the subcommands,
//! `generate` and `--headless`: it attaches the process to its parent's console, if the
//! parent has one (started from Explorer, none does, and nothing happens). Standard
//! handles the parent set (`status > file`, a pipe) are kept: Windows fills only the
//! ones that are empty.
//!
//! The tray app and the window's process are left without a console: an attached
//! process is ended when its console closes, and the tray app would die with the
//! terminal it happened to be started from. Their output goes to the log file, and the
//! window's stderr to the tray app through a pipe.
//!
//! What no GUI program can change: interactive `cmd.exe` and PowerShell do not wait for
//! one to end, so a command's output appears after the next prompt and the shell does
//! not show its exit status (a batch file waits, and so does `start /wait`).

use windows_sys::Win32::System::Console::{AttachConsole, ATTACH_PARENT_PROCESS};

use crate::cli::Mode;

/// Attaches to the parent's console for every mode but the tray app.
pub fn attach_for(mode: &Mode) {
    // The alarm's sound player answers its parent through a pipe, not a console.
    if !matches!(mode, Mode::Tray { .. } | Mode::PlaySound(_)) {
        attach_to_parent();
    }
}

/// Attaches to the parent's console. A failure (no console there, or this process
/// already has one, as a debug build does) leaves things as they were, which is all
/// there is to do about it.
pub fn attach_to_parent() {
    // SAFETY: AttachConsole takes a process id by value and reads no memory of ours.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}
