//! `oncall-tray`: the tray app, `--headless`, and the commands (see the library).

// Windows: the release build is a GUI program, so the tray app opens no console window;
// the modes that print attach to the terminal they were started from (windows_console.rs).
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() -> std::process::ExitCode {
    oncall_tray::main()
}
