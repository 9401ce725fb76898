//! `history.jsonl`: the history on disk, one entry a line, appended to as entries come
//! and rewritten whole (compacted) only at start or when it passes its caps.
//!
//! Bounds: entries older than [`HISTORY_SPAN`] (30 days) are dropped, and the file is
//! kept under [`MAX_FILE_BYTES`] (5 MiB) and [`MAX_ENTRIES`] (20,000) lines. Passing
//! either cap compacts it to three quarters of both, so a full history is rewritten
//! once every few thousand entries, not on every page. An entry is about 200 bytes: a
//! month of a busy rotation is well under a megabyte.
//!
//! Reading forgives what a crash or another version leaves, and loses nothing else:
//! - a last line without its `\n` is what a crash in the middle of an append leaves:
//!   skipped (kept if it reads whole), and the file rewritten without it at start;
//! - a line whose `event` this version does not know was written by a newer one: left
//!   out of the history, but kept through compactions;
//! - any other line that does not read makes the file corrupt: it is moved aside to
//!   `history.jsonl.corrupt-<time>` (as `oncall_store::json_file` does), the user is
//!   told, and every entry that did read is kept in a new file.
//!
//! `history.json`, the previous format (the last 24 hours, rewritten whole), is read
//! once, merged in and removed. A crash between the new file's write and the old one's
//! removal migrates again at the next start; the entries already in the new file are
//! not added twice.
//!
//! Durability is `state.json`'s: an append is synced before the call returns, a rewrite
//! is atomic. A failed append marks the file for a rewrite from memory at the next
//! entry (it may end in a torn line now), so the entries it held are not lost while the
//! app runs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use oncall_model::{ActionKind, Incident, IncidentKey};
use oncall_policy::Decision;
use oncall_store::json_file::{self, Loaded};
use oncall_store::{json_lines, Dirs, StoreError};
use serde::Deserialize;
use tracing::{info, warn};

use crate::history::{ActionStage, History, HistoryEntry, HistoryEvent, HISTORY_SPAN, MAX_ENTRIES};

/// The file is compacted when it would grow past this size.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// What a compaction over a cap leaves of each cap: room for thousands of entries
/// before the next one.
fn compacted(cap: u64) -> u64 {
    cap / 4 * 3
}

/// A line whose event this version does not know, written by a newer version: kept on
/// disk, in its place in time, until it is 30 days old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignLine {
    at: DateTime<Utc>,
    /// The line as read, with its `\n`.
    line: Vec<u8>,
}

impl ForeignLine {
    /// The line as read, with its `\n`.
    #[cfg_attr(not(feature = "fuzzing"), allow(dead_code))]
    pub(crate) fn line(&self) -> &[u8] {
        &self.line
    }
}

/// What the file's bytes hold, line by line.
#[derive(Debug, Default)]
pub(crate) struct ReadLines {
    pub entries: Vec<HistoryEntry>,
    pub foreign: Vec<ForeignLine>,
    /// The first line that did not read (1-based), and why: the file is corrupt.
    pub damaged: Option<(usize, serde_json::Error)>,
    /// The last line had no `\n` (read or torn): the file must be rewritten before
    /// anything is appended to it.
    pub unterminated: bool,
    pub lines: usize,
}

/// The part of any entry, whatever its event, that says when it happened and what it is.
#[derive(Deserialize)]
struct Probe {
    at: DateTime<Utc>,
    event: String,
}

enum Line {
    Entry(HistoryEntry),
    Foreign(ForeignLine),
}

fn read_line(line: &[u8]) -> Result<Line, serde_json::Error> {
    match serde_json::from_slice::<HistoryEntry>(line) {
        Ok(entry) => Ok(Line::Entry(entry)),
        Err(error) => match serde_json::from_slice::<Probe>(line) {
            Ok(probe) if !HistoryEvent::TAGS.contains(&probe.event.as_str()) => {
                let mut line = line.to_vec();
                line.push(b'\n');
                Ok(Line::Foreign(ForeignLine { at: probe.at, line }))
            }
            _ => Err(error),
        },
    }
}

/// Reads the lines of `history.jsonl` (see the module docs for what is skipped).
pub(crate) fn read_lines(bytes: &[u8]) -> ReadLines {
    let (complete, tail) = json_lines::split(bytes);
    let mut read = ReadLines {
        unterminated: tail.is_some(),
        ..ReadLines::default()
    };
    let numbered = complete.into_iter().map(|l| (l, false));
    for (number, (line, last)) in numbered.chain(tail.map(|t| (t, true))).enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        read.lines += 1;
        match read_line(line) {
            Ok(Line::Entry(entry)) => read.entries.push(entry),
            Ok(Line::Foreign(foreign)) => read.foreign.push(foreign),
            // Cut short by a crash mid-append: what was being added is lost, no more.
            Err(_) if last => info!("the history's last line was cut short; it is left out"),
            Err(error) => {
                read.damaged.get_or_insert((number + 1, error));
            }
        }
    }
    read
}

/// `history.jsonl`, and what of it is not on disk yet. Every entry goes in through a
/// method here, so nothing is recorded without being saved at the next save.
pub(crate) struct HistoryStore {
    path: PathBuf,
    history: History,
    foreign: Vec<ForeignLine>,
    /// Recorded since the last save, oldest first.
    unsaved: Vec<HistoryEntry>,
    /// The file's size and lines, as this store last left it.
    file_bytes: u64,
    file_lines: usize,
    /// The file must be rewritten whole before anything is appended to it.
    rewrite: bool,
}

impl HistoryStore {
    /// Reads `path` (and migrates `legacy`, the previous format's file, if it is
    /// there), then compacts the file if it needs it: entries older than 30 days before
    /// `now`, a torn line, a corrupt or migrated file, a cap passed. Fails only when a
    /// file exists but cannot be read or moved aside; a failed compaction is retried at
    /// the next entry.
    pub(crate) fn load(
        path: PathBuf,
        legacy: &Path,
        now: DateTime<Utc>,
        warnings: &mut Vec<String>,
    ) -> Result<Self, StoreError> {
        let bytes = json_lines::read(&path)?.unwrap_or_default();
        let read = read_lines(&bytes);
        let mut rewrite = read.unterminated;
        if let Some((number, error)) = &read.damaged {
            let aside = json_lines::move_aside(&path, now)?;
            let warning = format!(
                "{} could not be read (line {number}: {error}); it was moved to {} and the {} entries that could be read were kept",
                path.display(),
                aside.display(),
                read.entries.len(),
            );
            warn!("{warning}");
            warnings.push(warning);
            rewrite = true;
        }
        let mut entries = read.entries;
        let migrated = legacy.exists();
        if migrated {
            let Loaded { value, warning } = json_file::load::<Vec<HistoryEntry>>(legacy)?;
            warnings.extend(warning);
            entries = merge_legacy(&path, value, entries)?;
            rewrite = true;
        }
        let mut store = HistoryStore {
            history: History::from_entries(entries),
            foreign: read.foreign,
            unsaved: Vec::new(),
            file_bytes: bytes.len() as u64,
            file_lines: read.lines,
            rewrite,
            path,
        };
        let horizon = now - HISTORY_SPAN;
        let expired = store.history.len() + store.foreign.len() < store.file_lines
            || store.history.iter().next().is_some_and(|e| e.at < horizon)
            || store.foreign.iter().any(|f| f.at < horizon);
        let over_cap = store.over_caps(0, 0);
        if store.rewrite || expired || over_cap {
            if let Err(e) = store.compact(horizon, over_cap) {
                warn!("could not compact the history: {e}");
            } else if migrated {
                if let Err(e) = std::fs::remove_file(legacy) {
                    warn!(
                        "could not remove {} after migrating it: {e}",
                        legacy.display()
                    );
                }
            }
        }
        Ok(store)
    }

    /// The entries of the last 24 hours before `now` that the window words, newest
    /// first.
    pub(crate) fn recent_newest_first(&self, now: DateTime<Utc>) -> Vec<HistoryEntry> {
        self.history.recent_newest_first(now)
    }

    /// Every entry from `from` on, oldest first.
    pub(crate) fn since(&self, from: DateTime<Utc>) -> Vec<HistoryEntry> {
        self.history.since(from)
    }

    pub(crate) fn record(&mut self, entry: HistoryEntry) {
        self.unsaved.push(entry.clone());
        self.history.record(entry);
    }

    pub(crate) fn record_decision(&mut self, decision: &Decision, at: DateTime<Utc>) {
        if let Some(entry) = self.history.decision_entry(decision, at) {
            self.record(entry);
        }
    }

    pub(crate) fn record_action(
        &mut self,
        key: &IncidentKey,
        title: Option<String>,
        kind: ActionKind,
        stage: ActionStage,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) {
        let entry = self
            .history
            .action_entry(key, title, kind, stage, reason, at);
        self.record(entry);
    }

    /// The incidents that paged the user and that someone else acknowledged or resolved
    /// between two snapshots (see [`History::handled_by_others`]); record them with
    /// [`HistoryStore::record`].
    pub(crate) fn handled_by_others(
        &self,
        previous: Option<&[Incident]>,
        current: &[Incident],
        at: DateTime<Utc>,
    ) -> Vec<HistoryEntry> {
        self.history.handled_by_others(previous, current, at)
    }

    /// Appends the entries recorded since the last save, or compacts the file when it
    /// would pass a cap (or must be rewritten). Does nothing without new entries. A
    /// failure is not retried until the next entry: the history is a convenience, not a
    /// record to keep at any cost.
    pub(crate) fn save_if_changed(&mut self) -> Result<(), StoreError> {
        if self.unsaved.is_empty() {
            return Ok(());
        }
        let unsaved = std::mem::take(&mut self.unsaved);
        // Should an entry not encode, the next save rewrites the file from memory.
        let must_rewrite = std::mem::replace(&mut self.rewrite, true);
        let mut lines = Vec::new();
        for entry in &unsaved {
            lines.extend(json_lines::encode_line(&self.path, entry)?);
        }
        self.rewrite = must_rewrite;
        let over_cap = self.over_caps(lines.len() as u64, unsaved.len());
        if self.rewrite || over_cap {
            let newest = unsaved.last().map(|e| e.at).unwrap_or_else(Utc::now);
            return self.compact(newest - HISTORY_SPAN, over_cap);
        }
        match json_lines::append(&self.path, &lines) {
            Ok(()) => {
                self.file_bytes += lines.len() as u64;
                self.file_lines += unsaved.len();
                Ok(())
            }
            Err(e) => {
                // Part of it may be on disk, torn: only a rewrite can mend that.
                self.rewrite = true;
                Err(e)
            }
        }
    }

    /// Whether adding `bytes` in `lines` would take the file past a cap.
    fn over_caps(&self, bytes: u64, lines: usize) -> bool {
        self.file_bytes + bytes > MAX_FILE_BYTES || self.file_lines + lines > MAX_ENTRIES
    }

    /// Rewrites the file from memory: without what is older than `horizon`, and, when
    /// the file passed a cap (`over_cap`, or that is still over one), without the
    /// oldest entries down to three quarters of the caps. Memory forgets the same
    /// entries, so the two agree.
    fn compact(&mut self, horizon: DateTime<Utc>, over_cap: bool) -> Result<(), StoreError> {
        self.history.drop_before(horizon);
        self.foreign.retain(|f| f.at >= horizon);
        // Oldest first, each line with whether it is one of `history`'s.
        let mut lines: Vec<(bool, Vec<u8>)> = Vec::with_capacity(self.history.len());
        let mut foreign = self.foreign.iter().peekable();
        for entry in self.history.iter() {
            while let Some(f) = foreign.next_if(|f| f.at < entry.at) {
                lines.push((false, f.line.clone()));
            }
            lines.push((true, json_lines::encode_line(&self.path, entry)?));
        }
        lines.extend(foreign.map(|f| (false, f.line.clone())));
        let mut bytes: u64 = lines.iter().map(|(_, l)| l.len() as u64).sum();
        let mut cut = 0;
        if over_cap || bytes > MAX_FILE_BYTES || lines.len() > MAX_ENTRIES {
            let (max_bytes, max_lines) = (
                compacted(MAX_FILE_BYTES),
                compacted(MAX_ENTRIES as u64) as usize,
            );
            while bytes > max_bytes || lines.len() - cut > max_lines {
                bytes -= lines[cut].1.len() as u64;
                cut += 1;
            }
        }
        let known_cut = lines[..cut].iter().filter(|(known, _)| *known).count();
        let contents: Vec<u8> = lines[cut..]
            .iter()
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        json_lines::rewrite(&self.path, &contents)?;
        self.history.drop_oldest(known_cut);
        self.foreign.drain(..cut - known_cut);
        self.file_bytes = bytes;
        self.file_lines = lines.len() - cut;
        self.rewrite = false;
        self.unsaved.clear();
        Ok(())
    }
}

/// Why [`read_history`] could not read the history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryReadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A line (1-based; `None`: the previous format's whole file) is neither an entry
    /// nor a newer version's event. The app moves such a file aside at its next start.
    #[error("{}{} does not read: {source}", path.display(), line.map(|n| format!(" line {n}")).unwrap_or_default())]
    Damaged {
        path: PathBuf,
        line: Option<usize>,
        source: serde_json::Error,
    },
}

/// The whole history on disk, oldest first, read without the engine and without
/// changing anything: for `oncall-tray report`, which runs beside the app (the data
/// directory's lock is the app's). Read as the engine reads it at start (a torn last
/// line and a newer version's events skipped, `history.json` of the previous format
/// merged in if the app has not migrated it yet), except that a damaged file is an
/// error here rather than moved aside.
pub fn read_history(dirs: &Dirs) -> Result<Vec<HistoryEntry>, HistoryReadError> {
    let path = dirs.history_file();
    let read = read_lines(&json_lines::read(&path)?.unwrap_or_default());
    if let Some((line, source)) = read.damaged {
        return Err(HistoryReadError::Damaged {
            path,
            line: Some(line),
            source,
        });
    }
    let legacy = dirs.legacy_history_file();
    let mut entries = read.entries;
    if let Some(bytes) = json_lines::read(&legacy)? {
        let old: Vec<HistoryEntry> =
            serde_json::from_slice(&bytes).map_err(|source| HistoryReadError::Damaged {
                path: legacy,
                line: None,
                source,
            })?;
        entries = merge_legacy(&path, old, entries)?;
    }
    entries.sort_by_key(|e| e.at);
    Ok(entries)
}

/// The previous format's entries followed by the new file's, without the ones the new
/// file already holds (a migration interrupted before the old file was removed), in
/// time order.
fn merge_legacy(
    path: &Path,
    legacy: Vec<HistoryEntry>,
    current: Vec<HistoryEntry>,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut present = HashSet::new();
    for entry in &current {
        present.insert(json_lines::encode_line(path, entry)?);
    }
    let mut merged = Vec::with_capacity(legacy.len() + current.len());
    for entry in legacy {
        if !present.contains(&json_lines::encode_line(path, &entry)?) {
            merged.push(entry);
        }
    }
    merged.extend(current);
    merged.sort_by_key(|e| e.at);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use chrono::Duration;
    use oncall_model::{AccountId, Urgency};
    use oncall_policy::RingReason;
    use tempfile::TempDir;

    use super::*;
    use crate::testing::{at, key};

    struct Files {
        _dir: TempDir,
        path: PathBuf,
        legacy: PathBuf,
    }

    impl Files {
        fn new() -> Files {
            let dir = TempDir::new().unwrap();
            let path = dir.path().join("history.jsonl");
            let legacy = dir.path().join("history.json");
            Files {
                _dir: dir,
                path,
                legacy,
            }
        }

        fn load_at(&self, now: DateTime<Utc>) -> (HistoryStore, Vec<String>) {
            let mut warnings = Vec::new();
            let store =
                HistoryStore::load(self.path.clone(), &self.legacy, now, &mut warnings).unwrap();
            (store, warnings)
        }

        fn load(&self) -> HistoryStore {
            let (store, warnings) = self.load_at(at());
            assert_eq!(warnings, Vec::<String>::new());
            store
        }

        fn bytes(&self) -> Vec<u8> {
            fs::read(&self.path).unwrap()
        }

        fn lines(&self) -> usize {
            self.bytes().iter().filter(|b| **b == b'\n').count()
        }

        /// The names in the directory, sorted.
        fn listing(&self) -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(self.path.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    fn page(at: DateTime<Utc>, id: &str) -> HistoryEntry {
        HistoryEntry {
            at,
            account: AccountId::new("work"),
            incident: Some(id.into()),
            title: Some(format!("#1 {id}")),
            event: HistoryEvent::Paged {
                urgency: Urgency::High,
                reason: RingReason::New,
                service: Some("Checkout".into()),
            },
        }
    }

    fn line(entry: &HistoryEntry) -> String {
        format!("{}\n", serde_json::to_string(entry).unwrap())
    }

    fn ids(entries: &[HistoryEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| e.incident.clone().unwrap())
            .collect()
    }

    fn all(store: &HistoryStore) -> Vec<String> {
        ids(&store.since(at() - HISTORY_SPAN))
    }

    #[test]
    fn entries_are_appended_and_a_restart_reads_them_all() {
        let files = Files::new();
        let mut store = files.load();
        store.save_if_changed().unwrap();
        assert!(!files.path.exists(), "nothing to write, nothing written");
        store.record(page(at(), "P1"));
        store.record_action(
            &key("work", "P1"),
            None,
            ActionKind::Acknowledge,
            ActionStage::Queued,
            None,
            at(),
        );
        store.save_if_changed().unwrap();
        let first = files.bytes();
        store.record(page(at(), "P2"));
        store.save_if_changed().unwrap();
        let second = files.bytes();
        assert!(second.starts_with(&first), "appended, not rewritten");
        assert_eq!(files.lines(), 3);

        let reloaded = files.load();
        assert_eq!(all(&reloaded), ["P1", "P1", "P2"]);
        assert_eq!(reloaded.since(at()), store.since(at()));
        assert_eq!(
            files.bytes(),
            second,
            "a start with nothing to drop writes nothing"
        );
    }

    #[test]
    fn a_torn_last_line_is_left_out_and_cut_off_at_start() {
        let files = Files::new();
        let whole = line(&page(at(), "P1"));
        let torn = &line(&page(at(), "P2"))[..40];
        fs::write(&files.path, format!("{whole}{torn}")).unwrap();
        let mut store = files.load();
        assert_eq!(all(&store), ["P1"]);
        assert_eq!(files.bytes(), whole.as_bytes(), "rewritten without it");
        store.record(page(at(), "P3"));
        store.save_if_changed().unwrap();
        assert_eq!(all(&files.load()), ["P1", "P3"]);
        assert_eq!(files.listing(), ["history.jsonl"], "nothing moved aside");
    }

    /// A crash after the line but before its `\n`: the entry is whole and kept, and the
    /// next entry does not join it.
    #[test]
    fn a_whole_last_line_without_its_newline_is_kept() {
        let files = Files::new();
        let whole = line(&page(at(), "P1"));
        fs::write(&files.path, whole.trim_end()).unwrap();
        let mut store = files.load();
        store.record(page(at(), "P2"));
        store.save_if_changed().unwrap();
        assert_eq!(all(&files.load()), ["P1", "P2"]);
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_what_reads_is_kept() {
        let files = Files::new();
        let contents = format!(
            "{}not json\n{}",
            line(&page(at(), "P1")),
            line(&page(at(), "P2"))
        );
        fs::write(&files.path, &contents).unwrap();
        let (store, warnings) = files.load_at(at());
        assert_eq!(all(&store), ["P1", "P2"]);
        let aside = "history.jsonl.corrupt-20260301T120000Z";
        assert_eq!(files.listing(), ["history.jsonl", aside]);
        let moved = fs::read_to_string(files.path.with_file_name(aside)).unwrap();
        assert_eq!(moved, contents, "the corrupt file is kept as it was");
        assert_eq!(
            all(&files.load()),
            ["P1", "P2"],
            "the new file holds the rest"
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("(line 2: ") && warnings[0].contains(aside),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].ends_with("the 2 entries that could be read were kept"));
    }

    /// A newer version's entry (say, a shift notice) is not corruption: left out of the
    /// history, and kept in the file, in its place, through a compaction.
    #[test]
    fn an_event_of_a_newer_version_is_skipped_and_kept() {
        let files = Files::new();
        let newer = format!(
            "{{\"at\":\"{}\",\"account\":\"work\",\"event\":\"escalated\",\"level\":2}}\n",
            (at() - Duration::hours(1)).to_rfc3339()
        );
        let old = page(at() - HISTORY_SPAN - Duration::hours(1), "old");
        let contents = format!(
            "{}{}{newer}{}",
            line(&old),
            line(&page(at() - Duration::hours(2), "P1")),
            line(&page(at(), "P2"))
        );
        fs::write(&files.path, contents).unwrap();
        let store = files.load();
        assert_eq!(all(&store), ["P1", "P2"]);
        assert_eq!(files.listing(), ["history.jsonl"]);
        let kept = String::from_utf8(files.bytes()).unwrap();
        assert_eq!(
            kept,
            format!(
                "{}{newer}{}",
                line(&page(at() - Duration::hours(2), "P1")),
                line(&page(at(), "P2"))
            ),
            "compacted at start (one entry was 30 days old), the newer line in its place"
        );
        // But a known event that does not read is damage.
        let broken = "{\"at\":\"2026-03-01T12:00:00Z\",\"account\":\"work\",\"event\":\"paged\"}\n";
        let read = read_lines(broken.as_bytes());
        assert!(read.damaged.is_some() && read.foreign.is_empty());
    }

    #[test]
    fn entries_older_than_thirty_days_are_dropped_at_start() {
        let files = Files::new();
        let contents: String = [
            page(at() - HISTORY_SPAN - Duration::minutes(1), "expired"),
            page(at() - HISTORY_SPAN + Duration::minutes(1), "kept"),
            page(at(), "new"),
        ]
        .iter()
        .map(line)
        .collect();
        fs::write(&files.path, contents).unwrap();
        let store = files.load();
        assert_eq!(all(&store), ["kept", "new"]);
        assert_eq!(files.lines(), 2);
        // The window shows one day of it.
        assert_eq!(ids(&store.recent_newest_first(at())), ["new"]);
    }

    #[test]
    fn passing_the_entry_cap_compacts_to_three_quarters() {
        let files = Files::new();
        let contents: String = (0..MAX_ENTRIES)
            .map(|i| line(&page(at(), &i.to_string())))
            .collect();
        fs::write(&files.path, contents).unwrap();
        let mut store = files.load();
        assert_eq!(files.lines(), MAX_ENTRIES, "at the cap, not past it");
        store.record(page(at(), "next"));
        store.save_if_changed().unwrap();
        let kept = MAX_ENTRIES / 4 * 3;
        assert_eq!(files.lines(), kept);
        let reloaded = all(&files.load());
        assert_eq!(reloaded.len(), kept);
        assert_eq!(reloaded.last().map(String::as_str), Some("next"));
        assert_eq!(all(&store), reloaded, "memory forgot what the file did");
        // The next entries are appended again.
        let before = files.bytes();
        store.record(page(at(), "after"));
        store.save_if_changed().unwrap();
        assert!(files.bytes().starts_with(&before));
    }

    #[test]
    fn passing_the_size_cap_compacts_to_three_quarters() {
        let files = Files::new();
        let long = |i: usize| HistoryEntry {
            title: Some(format!("{i} {}", "x".repeat(100_000))),
            ..page(at(), &i.to_string())
        };
        let mut store = files.load();
        let mut written = 0;
        while files.path.metadata().map_or(0, |m| m.len()) <= MAX_FILE_BYTES - 200_000 {
            store.record(long(written));
            store.save_if_changed().unwrap();
            written += 1;
        }
        let before = files.lines();
        assert_eq!(before, written);
        store.record(long(written));
        store.record(long(written + 1));
        store.save_if_changed().unwrap();
        let size = files.bytes().len() as u64;
        assert!(size <= MAX_FILE_BYTES / 4 * 3, "{size}");
        let reloaded = files.load();
        let left = all(&reloaded);
        assert_eq!(left.last(), Some(&(written + 1).to_string()));
        assert!(left.len() < before, "the oldest went");
        assert_eq!(all(&store), left);
    }

    #[test]
    fn the_previous_format_is_migrated_once() {
        let files = Files::new();
        let legacy = vec![page(at() - Duration::hours(3), "P1")];
        json_file::save(&files.legacy, &legacy).unwrap();
        // Written by the first version that wrote both, stopped before it removed the
        // old file: P1 is already in the new one.
        fs::write(
            &files.path,
            format!("{}{}", line(&legacy[0]), line(&page(at(), "P2"))),
        )
        .unwrap();
        let store = files.load();
        assert_eq!(all(&store), ["P1", "P2"]);
        assert_eq!(files.listing(), ["history.jsonl"]);
        assert_eq!(all(&files.load()), ["P1", "P2"]);
    }

    #[test]
    fn a_history_json_of_the_previous_version_reads_as_it_did() {
        let files = Files::new();
        fs::write(
            &files.legacy,
            r##"[{"at":"2026-03-01T11:00:00Z","account":"work","incident":"P1","title":"#1 Disk","event":"paged","urgency":"high","reason":"new"},{"at":"2026-03-01T11:30:00Z","account":"work","incident":null,"title":null,"event":"summary","count":2,"reason":"storm"}]"##,
        )
        .unwrap();
        let store = files.load();
        let entries = store.since(at() - Duration::hours(2));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].title.as_deref(), Some("#1 Disk"));
        assert!(!files.legacy.exists());
    }

    /// What `oncall-tray report` reads beside a running app: the same entries, and a
    /// damaged file is an error naming the line, left where it is.
    #[test]
    fn the_history_is_read_without_changing_anything() {
        let dir = TempDir::new().unwrap();
        let dirs = Dirs {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().to_path_buf(),
        };
        assert_eq!(read_history(&dirs).unwrap(), Vec::new());
        let legacy = vec![page(at() - Duration::hours(3), "P0")];
        json_file::save(&dirs.legacy_history_file(), &legacy).unwrap();
        let contents = format!(
            "{}{}{}",
            line(&page(at(), "P2")),
            line(&page(at() - Duration::hours(1), "P1")),
            &line(&page(at(), "P3"))[..30]
        );
        fs::write(dirs.history_file(), &contents).unwrap();
        assert_eq!(ids(&read_history(&dirs).unwrap()), ["P0", "P1", "P2"]);
        assert!(dirs.legacy_history_file().exists());
        assert_eq!(fs::read_to_string(dirs.history_file()).unwrap(), contents);

        fs::write(
            dirs.history_file(),
            format!("{}oops\n", line(&page(at(), "P1"))),
        )
        .unwrap();
        let error = read_history(&dirs).unwrap_err().to_string();
        let expected = format!("{} line 2 does not read: ", dirs.history_file().display());
        assert!(error.starts_with(&expected), "{error}");
    }

    #[test]
    fn a_failed_append_is_mended_by_a_rewrite_at_the_next_entry() {
        let files = Files::new();
        let mut store = files.load();
        fs::create_dir(&files.path).unwrap();
        store.record(page(at(), "P1"));
        assert!(store.save_if_changed().is_err());
        store.save_if_changed().unwrap();
        fs::remove_dir(&files.path).unwrap();
        // A torn line left by the failure is replaced, and P1 was not lost.
        fs::write(&files.path, "{\"at\":").unwrap();
        store.record(page(at(), "P2"));
        store.save_if_changed().unwrap();
        assert_eq!(all(&files.load()), ["P1", "P2"]);
    }
}
