//! The vendors' API documents the fakes are checked against (PagerDuty's OpenAPI,
//! Opsgenie's Swagger). They carry no licence, so they are never copied into the
//! repository: they are read from `$ONCALL_TRAY_REFERENCE_DIR`, else from
//! `shared/reference` beside the clone.
//!
//! A conformance test whose document is missing fails: a check that skips itself
//! unnoticed proves nothing. Skipping is for a machine without the documents, and only
//! when asked for: `ONCALL_TRAY_ALLOW_MISSING_REFERENCE=1`.

use std::path::PathBuf;

use serde_json::Value;

/// Names the directory the documents are in, instead of `shared/reference` beside the
/// clone.
pub const DIR_VARIABLE: &str = "ONCALL_TRAY_REFERENCE_DIR";
/// Set to `1`, a missing document skips the checks that need it instead of failing them.
pub const ALLOW_MISSING_VARIABLE: &str = "ONCALL_TRAY_ALLOW_MISSING_REFERENCE";

/// Where the reference documents are.
pub fn reference_dir() -> PathBuf {
    match std::env::var_os(DIR_VARIABLE) {
        Some(dir) => PathBuf::from(dir),
        // crates/test-support → the clone → beside it.
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    }
}

/// The path of the reference document `file`. Panics, naming the path, when it is not
/// there; `None` (after a loud warning) only when [`ALLOW_MISSING_VARIABLE`] allows it.
pub fn reference_document(file: &str) -> Option<PathBuf> {
    let path = reference_dir().join(file);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var(ALLOW_MISSING_VARIABLE).is_ok_and(|v| v == "1") {
        eprintln!(
            "\n!!!!!!!!\nWARNING: {} is missing and {ALLOW_MISSING_VARIABLE}=1: SKIPPING the \
             conformance checks that need it\n!!!!!!!!\n",
            path.display()
        );
        return None;
    }
    panic!(
        "the reference document {} is missing: put the vendors' documents in \
         shared/reference beside the clone, or name their directory in {DIR_VARIABLE} \
         (to skip these checks instead, set {ALLOW_MISSING_VARIABLE}=1)",
        path.display()
    )
}

/// The reference document `file` as JSON; `None` as for [`reference_document`].
pub fn reference_json(file: &str) -> Option<Value> {
    let path = reference_document(file)?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())),
    )
}
