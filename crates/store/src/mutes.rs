//! `mutes.json`: the services muted for a while ("mute Checkout for 2 hours"), from the
//! tray, the window or the CLI. Their incidents are still listed; they just do not page
//! until the mute ends.
//!
//! Two processes write this file: the app (its engine holds the data directory's lock)
//! and `oncall-tray mute`, run beside it. So every change is a read-modify-write under
//! its own short lock (`mutes.lock`, an OS file lock held only for that moment), and the
//! write is atomic (written aside, then renamed): neither loses the other's change, and
//! a reader never sees half a file. The engine reads the file again on every poll.
//!
//! Like the app's other files, an unparsable `mutes.json` is moved aside (with a warning
//! naming where) and read as no mutes: a page is never held back by a broken file.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use chrono::{DateTime, Utc};
use oncall_model::AccountId;
use serde::{Deserialize, Serialize};

use crate::atomic::create_private_dir;
use crate::config::same_name;
use crate::json_file::{self, Loaded};
use crate::{Dirs, StoreError};

/// One muted service of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteEntry {
    pub account: AccountId,
    /// The service's name as its incidents show it (compared ignoring case).
    pub service: String,
    pub until: DateTime<Utc>,
}

impl MuteEntry {
    /// Whether this mute is about `service` of `account`.
    pub fn covers(&self, account: &AccountId, service: &str) -> bool {
        &self.account == account && same_name(&self.service, service)
    }
}

/// The file's shape: an object, so that later versions can add to it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MutesFile {
    #[serde(default)]
    mutes: Vec<MuteEntry>,
}

/// The mutes still running at `now`, soonest to end first. Expired ones are left out
/// (and dropped from the file by the next change).
///
/// Read without the lock (a change replaces the file whole, so a reader sees the old one
/// or the new one, and the engine reads on every poll); only a file that does not parse
/// is looked at again under the lock, so that it is never moved aside while a writer
/// puts a good one in its place.
pub fn read(dirs: &Dirs, now: DateTime<Utc>) -> Result<Loaded<Vec<MuteEntry>>, StoreError> {
    let path = dirs.mutes_file();
    match fs::read(&path) {
        Ok(bytes) => {
            if let Ok(file) = serde_json::from_slice::<MutesFile>(&bytes) {
                return Ok(Loaded {
                    value: running(file.mutes, now),
                    warning: None,
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                value: Vec::new(),
                warning: None,
            })
        }
        Err(source) => return Err(StoreError::Read { path, source }),
    }
    let _lock = MutesLock::take(dirs)?;
    let loaded = load(dirs)?;
    Ok(Loaded {
        value: running(loaded.value, now),
        warning: loaded.warning,
    })
}

/// Mutes `service` of `account` until `until` (replacing a mute of the same service),
/// safely while another process reads or changes the file. Returns the mutes running at
/// `now` after the change, and the warning if the file had to be moved aside.
pub fn mute(
    dirs: &Dirs,
    account: &AccountId,
    service: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Loaded<Vec<MuteEntry>>, StoreError> {
    change(dirs, now, |mutes| {
        mutes.retain(|m| !m.covers(account, service));
        mutes.push(MuteEntry {
            account: account.clone(),
            service: service.to_string(),
            until,
        });
    })
}

/// Ends the mute of `service` of `account`, if any (see [`mute`]).
pub fn unmute(
    dirs: &Dirs,
    account: &AccountId,
    service: &str,
    now: DateTime<Utc>,
) -> Result<Loaded<Vec<MuteEntry>>, StoreError> {
    change(dirs, now, |mutes| {
        mutes.retain(|m| !m.covers(account, service))
    })
}

fn change(
    dirs: &Dirs,
    now: DateTime<Utc>,
    edit: impl FnOnce(&mut Vec<MuteEntry>),
) -> Result<Loaded<Vec<MuteEntry>>, StoreError> {
    let _lock = MutesLock::take(dirs)?;
    let loaded = load(dirs)?;
    let mut mutes = running(loaded.value, now);
    edit(&mut mutes);
    let mutes = running(mutes, now);
    json_file::save(
        &dirs.mutes_file(),
        &MutesFile {
            mutes: mutes.clone(),
        },
    )?;
    Ok(Loaded {
        value: mutes,
        warning: loaded.warning,
    })
}

fn load(dirs: &Dirs) -> Result<Loaded<Vec<MuteEntry>>, StoreError> {
    let loaded: Loaded<MutesFile> = json_file::load(&dirs.mutes_file())?;
    Ok(Loaded {
        value: loaded.value.mutes,
        warning: loaded.warning,
    })
}

/// `mutes` without the expired ones, soonest to end first.
fn running(mut mutes: Vec<MuteEntry>, now: DateTime<Utc>) -> Vec<MuteEntry> {
    mutes.retain(|m| m.until > now);
    mutes.sort_by(|a, b| {
        a.until
            .cmp(&b.until)
            .then(a.account.cmp(&b.account))
            .then(a.service.cmp(&b.service))
    });
    mutes
}

/// The OS lock on `mutes.lock`, held while this value lives. Waits for another holder:
/// nobody holds it for longer than one small file's read and write.
struct MutesLock {
    _file: File,
}

impl MutesLock {
    fn take(dirs: &Dirs) -> Result<MutesLock, StoreError> {
        let path = dirs.mutes_lock_file();
        let write_err = |source| StoreError::Write {
            path: path.to_path_buf(),
            source,
        };
        create_private_dir(&dirs.data_dir).map_err(write_err)?;
        let file = open_private(&path).map_err(write_err)?;
        file.lock().map_err(write_err)?;
        Ok(MutesLock { _file: file })
    }
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone};

    use super::*;

    fn dirs(root: &Path) -> Dirs {
        Dirs {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
    }

    fn work() -> AccountId {
        AccountId::new("work")
    }

    #[test]
    fn a_mute_is_kept_until_it_ends_and_replaced_by_a_new_one_for_the_same_service() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        assert!(read(&dirs, noon()).unwrap().value.is_empty());
        assert!(!dirs.data_dir.exists(), "reading creates nothing");
        mute(
            &dirs,
            &work(),
            "Checkout",
            noon() + Duration::hours(1),
            noon(),
        )
        .unwrap();
        mute(
            &dirs,
            &work(),
            "Search",
            noon() + Duration::minutes(30),
            noon(),
        )
        .unwrap();
        let after = mute(
            &dirs,
            &work(),
            "checkout",
            noon() + Duration::hours(2),
            noon(),
        )
        .unwrap()
        .value;
        let names: Vec<(&str, DateTime<Utc>)> = after
            .iter()
            .map(|m| (m.service.as_str(), m.until))
            .collect();
        assert_eq!(
            names,
            [
                ("Search", noon() + Duration::minutes(30)),
                ("checkout", noon() + Duration::hours(2)),
            ]
        );
        let later = noon() + Duration::minutes(45);
        assert_eq!(read(&dirs, later).unwrap().value.len(), 1, "Search ended");
        let left = unmute(&dirs, &work(), "CHECKOUT", later).unwrap().value;
        assert!(left.is_empty());
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_read_as_no_mutes() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        std::fs::create_dir_all(&dirs.data_dir).unwrap();
        std::fs::write(dirs.mutes_file(), "{not json").unwrap();
        let read_alone = read(&dirs, noon()).unwrap();
        assert!(read_alone.value.is_empty());
        assert!(read_alone.warning.is_some(), "a read moves it aside too");
        std::fs::write(dirs.mutes_file(), "[1, 2]").unwrap();
        let loaded = mute(
            &dirs,
            &work(),
            "Checkout",
            noon() + Duration::hours(1),
            noon(),
        )
        .unwrap();
        assert_eq!(loaded.value.len(), 1);
        let warning = loaded.warning.expect("the corrupt file is reported");
        assert!(warning.contains("mutes.json.corrupt-"), "{warning}");
        assert_eq!(read(&dirs, noon()).unwrap().value.len(), 1);
    }

    /// Two writers at once (the app and the CLI) each add their own mute: both survive.
    #[test]
    fn concurrent_changes_are_never_lost() {
        let root = tempfile::tempdir().unwrap();
        let dirs = Arc::new(dirs(root.path()));
        let writers: Vec<_> = (0..8)
            .map(|n| {
                let dirs = dirs.clone();
                std::thread::spawn(move || {
                    for k in 0..5 {
                        let service = format!("service-{n}-{k}");
                        mute(
                            &dirs,
                            &work(),
                            &service,
                            noon() + Duration::hours(1),
                            noon(),
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(read(&dirs, noon()).unwrap().value.len(), 40);
    }
}
