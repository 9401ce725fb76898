//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app): the engine's two state files, decoded exactly as
//! `oncall_store::json_file::load` decodes them at start-up (`serde_json::from_slice`
//! into the engine's private types).

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
