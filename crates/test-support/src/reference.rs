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

/// One ```json block of a Markdown reference document (Grafana OnCall's API pages),
/// under the `##` heading it follows.
#[derive(Debug, Clone)]
pub struct JsonExample {
    /// The last `#`/`##`/`###` heading above the block, without the hashes.
    pub heading: String,
    pub value: Value,
}

/// Every ```json block of the Markdown document `file` (a path under the reference
/// directory), parsed; `None` as for [`reference_document`]. A trailing comma before a
/// closing bracket (the alert group list example has one) is dropped before parsing;
/// anything else that is not JSON panics, naming the block.
pub fn reference_json_examples(file: &str) -> Option<Vec<JsonExample>> {
    let path = reference_document(file)?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut examples = Vec::new();
    let mut heading = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match &mut block {
            Some(body) if line.trim_start().starts_with("```") => {
                let cleaned = without_trailing_commas(body);
                let value = serde_json::from_str(&cleaned).unwrap_or_else(|e| {
                    panic!(
                        "{} ({heading}): a json block is not JSON: {e}",
                        path.display()
                    )
                });
                examples.push(JsonExample {
                    heading: heading.clone(),
                    value,
                });
                block = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None if line.trim_start().starts_with("```json") => block = Some(String::new()),
            None if line.starts_with('#') => {
                heading = line.trim_start_matches('#').trim().to_owned();
            }
            None => {}
        }
    }
    Some(examples)
}

/// `text` without commas that only whitespace separates from a closing `}` or `]`,
/// outside strings.
fn without_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            out.push(c);
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_commas_go_and_commas_in_strings_stay() {
        assert_eq!(
            without_trailing_commas("{\"a\": [1, 2,\n ], \"b\": \",}\",\n}"),
            "{\"a\": [1, 2\n ], \"b\": \",}\"\n}"
        );
        assert_eq!(
            without_trailing_commas(r#"{"a":"x\",]"}"#),
            r#"{"a":"x\",]"}"#
        );
    }
}
