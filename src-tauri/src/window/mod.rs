//! The window lives in its own process (`oncall-tray-window`, an executable beside
//! `oncall-tray` built from `src/window_app/`), started when the user opens it and gone
//! when they close it. WebKitGTK keeps its network process for as long as the web
//! context that started it, and tauri keeps that context for the whole app on Linux; in
//! a child process, closing the window ends every WebKit process and the tray returns
//! to its webview-free footprint.
//!
//! The two talk over a loopback TCP connection guarded by a random token the child
//! gets in its environment: the tray pushes every new `View` (the webview never polls
//! and never sees a token) and asks the window to come forward on a second "open".

// First: its macros are used by the modules after it.
#[macro_use]
mod command_list;
mod host;
pub mod ipc;

pub use host::{Show, WindowHost};

#[cfg(test)]
mod tests {
    use super::command_list::WINDOW_COMMANDS;

    /// The capability file grants the window's page exactly its commands (the list the
    /// build script declares and the window registers), and the event listening the
    /// page needs: a command left out could not be called, one too many could.
    #[test]
    fn the_capability_file_grants_exactly_the_window_commands() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../../capabilities/main.json")).unwrap();
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .expect("a list of permissions")
            .iter()
            .map(|p| p.as_str().expect("permissions by name"))
            .collect();
        let mut expected = vec![
            "core:event:allow-listen".to_owned(),
            "core:event:allow-unlisten".to_owned(),
        ];
        expected.extend(
            WINDOW_COMMANDS
                .iter()
                .map(|command| format!("allow-{}", command.replace('_', "-"))),
        );
        assert_eq!(granted, expected);
    }

    /// The page calls no command the list lacks (tauri would refuse it at run time),
    /// and the list holds none the page never calls.
    #[test]
    fn the_page_invokes_exactly_the_window_commands() {
        let page = include_str!("../../../ui/src/tauri.ts");
        let mut invoked: Vec<&str> = page
            .split("invoke(\"")
            .skip(1)
            .map(|call| call.split('"').next().unwrap())
            .collect();
        invoked.sort_unstable();
        let mut listed = WINDOW_COMMANDS.to_vec();
        listed.sort_unstable();
        assert_eq!(invoked, listed);
    }
}
