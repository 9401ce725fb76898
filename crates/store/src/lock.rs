//! One engine per data directory.
//!
//! Two engines on one data directory (say `--headless` as a user service plus the tray
//! app started at login) would both ring every page and overwrite each other's
//! `state.json` and `actions.json`. So whatever starts an engine first takes
//! [`DataDirLock`]: an OS file lock on `oncall-tray.lock` in the data directory, held
//! for as long as the guard lives. The kernel drops the lock when the process ends,
//! however it ends, so a crash never leaves a stale lock behind; that is why this is a
//! lock and not a pid file checked for liveness.
//!
//! The holder writes its pid into the file, only so that the refusal can name it. The
//! file is never deleted: a process that opened it just before a deletion would lock a
//! file nobody else can find any more.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::PathBuf;

use crate::atomic::create_private_dir;
use crate::dirs::DATA_DIR_VAR;
use crate::Dirs;

/// Held while this process runs an engine on a data directory; dropping it (or the
/// process ending) lets the next one in.
#[derive(Debug)]
pub struct DataDirLock {
    /// The locked file: the lock lives as long as this handle is open.
    _file: File,
}

/// Why this process may not run an engine on the data directory.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock: it runs an engine on the same directory.
    #[error(
        "another oncall-tray is already running on {}{}: quit it first, or give this one its own {}",
        data_dir.display(),
        pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        DATA_DIR_VAR
    )]
    Held {
        data_dir: PathBuf,
        /// The holder's pid, when it had written it yet (and the platform lets a
        /// locked file be read).
        pid: Option<u32>,
    },

    /// The lock file could not be created, opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl DataDirLock {
    /// Takes the lock on `dirs.data_dir` (creating the directory if needed), or says who
    /// holds it. Never waits.
    pub fn acquire(dirs: &Dirs) -> Result<DataDirLock, LockError> {
        let path = dirs.lock_file();
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        create_private_dir(&dirs.data_dir).map_err(io_err)?;
        // Not truncated on open: the file of a holder still names its pid.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    data_dir: dirs.data_dir.clone(),
                    pid: read_pid(&mut file),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // Only the refusal's message depends on the pid, so failing to write it is
        // not worth refusing to start over.
        let _ = write_pid(&mut file);
        Ok(DataDirLock { _file: file })
    }
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(std::process::id().to_string().as_bytes())
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &std::path::Path) -> Dirs {
        Dirs {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_the_holders_pid() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let held = DataDirLock::acquire(&dirs).unwrap();
        // flock-style locks belong to the open file, so a second open in the same
        // process conflicts just as another process's would.
        let err = DataDirLock::acquire(&dirs).unwrap_err();
        let pid = std::process::id();
        assert!(
            matches!(err, LockError::Held { pid: Some(p), .. } if p == pid),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "another oncall-tray is already running on {} (pid {pid}): quit it first, \
                 or give this one its own ONCALL_TRAY_DATA_DIR",
                dirs.data_dir.display()
            )
        );
        drop(held);
        DataDirLock::acquire(&dirs).expect("free again once the holder is gone");
    }

    #[test]
    fn other_data_directories_do_not_conflict() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _one = DataDirLock::acquire(&dirs(one.path())).unwrap();
        let _two = DataDirLock::acquire(&dirs(two.path())).unwrap();
    }

    #[test]
    fn the_data_directory_is_created() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let _held = DataDirLock::acquire(&dirs).unwrap();
        assert!(dirs.lock_file().is_file());
    }
}
