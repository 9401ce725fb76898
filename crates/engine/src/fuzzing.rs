//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app): the engine's two state files, decoded exactly as
//! `oncall_store::json_file::load` decodes them at start-up (`serde_json::from_slice`
//! into the engine's private types), and `history.jsonl`, read line by line as
//! `HistoryStore::load` reads it.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::persist::{ActionsFile, StateFile};

/// `state.json`. A file that decodes must survive a save and a load unchanged, or a
/// restart would change what has rung; that is checked here (a panic is a finding).
pub fn state_file(bytes: &[u8]) -> Result<(), serde_json::Error> {
    round_trip::<StateFile>(bytes)
}

/// `actions.json`, with the same round-trip check as [`state_file`].
pub fn actions_file(bytes: &[u8]) -> Result<(), serde_json::Error> {
    round_trip::<ActionsFile>(bytes)
}

/// `history.jsonl`: an error for the first line that makes the file corrupt (the
/// loader then moves it aside and keeps the rest). Every entry that reads survives a
/// compaction (written as a line, read back) unchanged, and so does every line of a
/// newer version's event.
pub fn history_file(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let read = crate::history_file::read_lines(bytes);
    let mut rewritten = Vec::new();
    for entry in &read.entries {
        rewritten.extend(serde_json::to_vec(entry).expect("a read entry encodes"));
        rewritten.push(b'\n');
    }
    let again = crate::history_file::read_lines(&rewritten);
    assert!(
        again.damaged.is_none(),
        "a compaction wrote a line it cannot read"
    );
    assert_eq!(
        again.entries, read.entries,
        "a compaction changed the history"
    );
    for foreign in &read.foreign {
        let kept = crate::history_file::read_lines(foreign.line());
        assert_eq!(
            kept.foreign.len(),
            1,
            "a newer version's line is kept as it was"
        );
    }
    match read.damaged {
        Some((_, error)) => Err(error),
        None => Ok(()),
    }
}

fn round_trip<T>(bytes: &[u8]) -> Result<(), serde_json::Error>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let value: T = serde_json::from_slice(bytes)?;
    // As `json_file::save` writes it.
    let saved = serde_json::to_vec(&value).expect("a decoded state file encodes");
    let reloaded: T = serde_json::from_slice(&saved).expect("a saved state file decodes");
    assert_eq!(reloaded, value, "a save and load changed the state file");
    Ok(())
}
