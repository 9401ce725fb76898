//! Start at login on Linux and the BSDs: an XDG autostart entry,
//! `$XDG_CONFIG_HOME/autostart/oncall-tray.desktop` (`~/.config` by default), that
//! starts this very binary as the tray app. The entry is the state: ticking the menu
//! writes it, unticking removes it, and an entry the user removed by hand shows as off.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::settings::Autostart;

/// The file name: the desktop entry's, so that a desktop's "startup applications" list
/// shows it under the app's name and icon.
const FILE: &str = "oncall-tray.desktop";

pub struct XdgAutostart {
    /// `None` when neither `XDG_CONFIG_HOME` nor a home directory is known.
    entry: Option<PathBuf>,
}

impl XdgAutostart {
    pub fn new() -> Self {
        XdgAutostart {
            entry: dirs::config_dir().map(|config| config.join("autostart").join(FILE)),
        }
    }
}

impl Autostart for XdgAutostart {
    fn enabled(&self) -> Option<bool> {
        Some(self.entry.as_deref()?.is_file())
    }

    fn set(&self, enabled: bool) -> Result<(), String> {
        let entry = self
            .entry
            .as_deref()
            .ok_or("there is no home directory to keep the autostart entry in")?;
        if !enabled {
            return match std::fs::remove_file(entry) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("cannot remove {}: {e}", entry.display())),
            };
        }
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the app's own executable: {e}"))?;
        write_entry(entry, &contents(&exe))
            .map_err(|e| format!("cannot write {}: {e}", entry.display()))
    }
}

/// The entry for `exe`: the tray app, no window, quoted as the desktop entry spec
/// quotes an `Exec` argument.
fn contents(exe: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Version=1.0\n\
         Name=oncall-tray\n\
         Comment=On-call pages as native desktop notifications\n\
         Icon=oncall-tray\n\
         Exec={}\n\
         Terminal=false\n\
         StartupNotify=false\n\
         X-GNOME-Autostart-enabled=true\n",
        exec_argument(&exe.to_string_lossy())
    )
}

/// `arg` as one `Exec` argument: plain when it has nothing to quote, else in double
/// quotes with `"`, `` ` ``, `$` and `\` escaped; `%` doubled either way.
fn exec_argument(arg: &str) -> String {
    let arg = arg.replace('%', "%%");
    let plain = arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c));
    if plain {
        return arg;
    }
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    // A backslash in a desktop entry's string value is itself escaped.
    quoted.replace('\\', "\\\\")
}

/// Writes aside, then renames: a login never finds half an entry.
fn write_entry(entry: &Path, contents: &str) -> std::io::Result<()> {
    let folder = entry.parent().expect("the entry is in a folder");
    std::fs::create_dir_all(folder)?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(contents.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(entry).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_quotes_what_the_spec_reserves() {
        assert_eq!(
            exec_argument("/usr/bin/oncall-tray"),
            "/usr/bin/oncall-tray"
        );
        assert_eq!(
            exec_argument("/home/a b/oncall-tray"),
            "\"/home/a b/oncall-tray\""
        );
        assert_eq!(exec_argument("/opt/100%/x"), "/opt/100%%/x");
        assert_eq!(exec_argument("/a$b"), "\"/a\\\\$b\"");
    }

    #[test]
    fn ticking_writes_the_entry_and_unticking_removes_it() {
        let home = tempfile::tempdir().unwrap();
        let autostart = XdgAutostart {
            entry: Some(home.path().join("autostart").join(FILE)),
        };
        assert_eq!(autostart.enabled(), Some(false));
        autostart.set(true).unwrap();
        assert_eq!(autostart.enabled(), Some(true));
        let text = std::fs::read_to_string(autostart.entry.as_ref().unwrap()).unwrap();
        assert!(
            text.starts_with("[Desktop Entry]\nType=Application\n"),
            "{text}"
        );
        autostart.set(false).unwrap();
        assert_eq!(autostart.enabled(), Some(false));
        autostart.set(false).unwrap();
    }
}
