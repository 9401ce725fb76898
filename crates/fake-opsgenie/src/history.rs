//! What an alert remembers besides its fields: its notes and its log, in the shapes of
//! `AlertNote` and `AlertLog`, and the offset paging both lists share
//! (`GET /v2/alerts/{identifier}/notes` and `…/logs`).
//!
//! Offsets are Opsgenie's idea of a page key: an opaque string per entry; a page starts
//! after (`direction=next`) or before (`prev`) the entry whose offset is given, in the
//! list's `order`. The fake's offsets are the creation time in milliseconds and a
//! sequence number, so they also sort as the entries were made.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::state::ts;
use crate::types::{FakeAlert, FakeLogEntry, FakeNote};

/// What kind of change a log line records (`AlertLog.type`; the document names no values,
/// so these are the fake's).
#[derive(Clone, Copy, Debug)]
pub(crate) enum LogKind {
    /// Done by Opsgenie itself (created, de-duplicated, snooze ended).
    System,
    /// Done by someone through an action.
    Action,
    /// A note was added.
    Note,
}

impl LogKind {
    fn as_str(self) -> &'static str {
        match self {
            LogKind::System => "system",
            LogKind::Action => "alertAction",
            LogKind::Note => "note",
        }
    }
}

/// The next offset of an alert: both lists draw from one sequence.
fn next_offset(alert: &FakeAlert, now: DateTime<Utc>) -> String {
    let seq = alert.notes.len() + alert.log.len() + 1;
    format!("{:013}_{seq:06}", now.timestamp_millis().max(0))
}

pub(crate) fn log(
    alert: &mut FakeAlert,
    kind: LogKind,
    text: &str,
    owner: &str,
    now: DateTime<Utc>,
) {
    let offset = next_offset(alert, now);
    alert.log.push(FakeLogEntry {
        log: text.to_string(),
        kind: kind.as_str().to_string(),
        owner: owner.to_string(),
        created_at: now,
        offset,
    });
}

/// Adds a note, and the log line that says so.
pub(crate) fn note(alert: &mut FakeAlert, text: &str, owner: &str, now: DateTime<Utc>) {
    let offset = next_offset(alert, now);
    alert.notes.push(FakeNote {
        note: text.to_string(),
        owner: owner.to_string(),
        created_at: now,
        offset,
    });
    log(
        alert,
        LogKind::Note,
        &format!("Note added by {owner}"),
        owner,
        now,
    );
}

pub(crate) fn note_json(note: &FakeNote) -> Value {
    json!({
        "note": note.note,
        "owner": note.owner,
        "createdAt": ts(note.created_at),
        "offset": note.offset,
    })
}

pub(crate) fn log_json(entry: &FakeLogEntry) -> Value {
    json!({
        "log": entry.log,
        "type": entry.kind,
        "owner": entry.owner,
        "createdAt": ts(entry.created_at),
        "offset": entry.offset,
    })
}

/// How a page of notes or log lines is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub offset: Option<String>,
    /// `direction=prev`: the page before `offset`.
    pub backwards: bool,
    pub limit: usize,
    /// `order=asc`: oldest first; Opsgenie's default is newest first.
    pub ascending: bool,
}

/// One page of entries (oldest first in `entries`), with the offset of its last entry
/// when more follow it. `Err` when the offset names no entry.
pub(crate) fn page<'a, T>(
    entries: &'a [T],
    offset_of: impl Fn(&T) -> &str,
    request: &PageRequest,
) -> Result<(Vec<&'a T>, Option<String>), String> {
    let mut ordered: Vec<&T> = entries.iter().collect();
    if !request.ascending {
        ordered.reverse();
    }
    let start = match &request.offset {
        None => 0,
        Some(offset) => {
            let at = ordered
                .iter()
                .position(|e| offset_of(e) == offset)
                .ok_or_else(|| format!("Invalid offset [{offset}]"))?;
            if request.backwards {
                at.saturating_sub(request.limit)
            } else {
                at + 1
            }
        }
    };
    let end = match (&request.offset, request.backwards) {
        (Some(offset), true) => ordered
            .iter()
            .position(|e| offset_of(e) == offset)
            .unwrap_or(0),
        _ => (start + request.limit).min(ordered.len()),
    };
    let items: Vec<&T> = ordered[start..end].to_vec();
    let next = (end < ordered.len())
        .then(|| items.last().map(|e| offset_of(e).to_string()))
        .flatten();
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(offset: Option<&str>, backwards: bool, limit: usize) -> PageRequest {
        PageRequest {
            offset: offset.map(str::to_string),
            backwards,
            limit,
            ascending: false,
        }
    }

    #[test]
    fn pages_walk_newest_first_by_offset() {
        fn id<'a>(entry: &'a &str) -> &'a str {
            entry
        }
        let entries = ["a", "b", "c", "d", "e"];
        let (first, next) = page(&entries, id, &request(None, false, 2)).unwrap();
        assert_eq!(first, [&"e", &"d"]);
        assert_eq!(next.as_deref(), Some("d"));
        let (second, next) = page(&entries, id, &request(Some("d"), false, 2)).unwrap();
        assert_eq!(second, [&"c", &"b"]);
        let (last, none) = page(&entries, id, &request(next.as_deref(), false, 2)).unwrap();
        assert_eq!((last, none), (vec![&"a"], None));
        let (before, _) = page(&entries, id, &request(Some("b"), true, 2)).unwrap();
        assert_eq!(before, [&"d", &"c"]);
        assert!(page(&entries, id, &request(Some("zz"), false, 2)).is_err());
    }
}
