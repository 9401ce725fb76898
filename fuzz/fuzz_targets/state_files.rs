//! `state.json`, `actions.json` and `history.jsonl` as the engine loads them: decoded,
//! or refused (the loader then moves the file aside); a decoded file survives a save and
//! load unchanged (the history: a compaction).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oncall_engine::fuzzing;
use oncall_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = fuzzing::state_file(data) {
        check_message(&error.to_string());
    }
    if let Err(error) = fuzzing::actions_file(data) {
        check_message(&error.to_string());
    }
    if let Err(error) = fuzzing::history_file(data) {
        check_message(&error.to_string());
    }
});
