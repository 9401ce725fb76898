//! Property tests: whatever is in `config.toml` or a state file, reading it never panics
//! and ends in a value or a clear error. Part of the hostile-input pass (issue 7).
//!
//! Each property runs a fixed number of cases, named in the test, so that the whole file
//! stays within a few seconds; proptest's default seed handling applies, and a failure
//! prints the shrunk input.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use oncall_policy::PolicyState;
use oncall_store::json_file;
use oncall_store::{Config, ConfigError};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde::Deserialize;
use tempfile::TempDir;

const CASES: u32 = 256;

/// Each property's configuration. An integration test has no `lib.rs` for proptest to
/// find, so failing inputs are kept next to this file by name.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/hostile_input.proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(CASES)
    }
}

/// `Ok`, or an error whose message is not empty: never a panic.
fn parses_or_explains(text: &str) {
    match Config::parse(text, Path::new("/nonexistent/oncall-tray/config.toml")) {
        Ok(_) => {}
        Err(err) => {
            let message = err.to_string();
            assert!(!message.trim().is_empty(), "empty message for {err:?}");
            if let ConfigError::Invalid { problems, .. } = &err {
                assert!(!problems.is_empty(), "Invalid without problems: {err:?}");
                for problem in problems {
                    assert!(!problem.message.trim().is_empty(), "{err:?}");
                }
            }
        }
    }
}

/// Real key names of `config.toml` (and a few that are not), so that generated files
/// reach validation instead of stopping at "unknown field".
const NOTIFICATION_KEYS: &[&str] = &[
    "notify_for",
    "low_urgency",
    "repeat_high_urgency_minutes",
    "storm_threshold",
    "colour",
];
const QUIET_HOURS_KEYS: &[&str] = &["start", "end"];
const ACCOUNT_KEYS: &[&str] = &[
    "name",
    "provider",
    "api_url",
    "poll_interval_seconds",
    "token_command",
    "notify",
    "region",
    "auth",
    "filter",
    "email",
    "basic_user",
    "header_name",
    "receiver",
    "severity_high",
    "ack_hours",
    "ack_max_hours",
    "ack_matchers",
    "created_by",
    "ca_file",
    "client_cert",
    "query",
    "responder",
    "on_call_user",
    "high_priorities",
    "token",
    "unknown_key",
];
const FILTER_KEYS: &[&str] = &["assigned_to_me", "team_ids", "service_ids", "urgencies"];

/// Strings the validator has opinions about: provider names, regions, times, URLs,
/// blanks, markup and control characters.
const WORDS: &[&str] = &[
    "pagerduty",
    "alertmanager",
    "opsgenie",
    "us",
    "eu",
    "all",
    "high",
    "low",
    "mine",
    "22:00",
    "25:61",
    "https://api.pagerduty.com",
    "http://example.com",
    "http://127.0.0.1:9093",
    "ftp://x",
    "",
    " ",
    "relative/ca.pem",
    "severity=\"critical\"",
    "<b>bold</b>",
    "\u{7}\u{1b}[31m",
    "work",
    "P1",
];

/// `text` as a TOML basic string, escaped the way TOML wants.
fn toml_str(text: impl Into<String>) -> String {
    toml::Value::String(text.into()).to_string()
}

/// A TOML value of any type, leaning on values the validator has opinions about.
fn toml_value() -> impl Strategy<Value = String> {
    let word = prop::sample::select(WORDS).prop_map(toml_str);
    let leaf = prop_oneof![
        word,
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![0i64, 1, 2, -1, 59, 60, 3600, 86_401, i64::MAX])
            .prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        Just("1979-05-27T07:32:00Z".to_string()),
        ".*".prop_map(toml_str),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((prop::sample::select(FILTER_KEYS), inner), 0..3).prop_map(
                |kv| {
                    let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!("{{ {} }}", body.join(", "))
                }
            ),
        ]
    })
}

fn assignments(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(keys), toml_value()), 0..8).prop_map(|kv| {
        kv.iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>()
    })
}

/// A whole file: `[notifications]`, maybe `[notifications.quiet_hours]`, and some
/// `[[accounts]]` with maybe a `[accounts.filter]`; duplicated keys included.
fn structured_config() -> impl Strategy<Value = String> {
    let account = (
        assignments(ACCOUNT_KEYS),
        prop::option::of(assignments(FILTER_KEYS)),
    )
        .prop_map(|(body, filter)| {
            let mut text = format!("[[accounts]]\n{body}");
            if let Some(filter) = filter {
                text.push_str(&format!("[accounts.filter]\n{filter}"));
            }
            text
        });
    (
        prop::option::of(assignments(NOTIFICATION_KEYS)),
        prop::option::of(assignments(QUIET_HOURS_KEYS)),
        prop::collection::vec(account, 0..4),
    )
        .prop_map(|(notifications, quiet, accounts)| {
            let mut text = String::new();
            if let Some(n) = notifications {
                text.push_str(&format!("[notifications]\n{n}"));
            }
            if let Some(q) = quiet {
                text.push_str(&format!("[notifications.quiet_hours]\n{q}"));
            }
            for a in accounts {
                text.push_str(&a);
            }
            text
        })
}

/// A value of the type `key` takes, but not necessarily an allowed one: these files get
/// past serde and exercise validation.
fn typed_value(key: &'static str) -> BoxedStrategy<String> {
    let text = prop_oneof![
        prop::sample::select(WORDS).prop_map(toml_str),
        ".{0,12}".prop_map(toml_str),
    ];
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-5i64..200_000).prop_map(|n| n.to_string()),
    ];
    let strings =
        prop::collection::vec(text.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", ")));
    match key {
        "repeat_high_urgency_minutes"
        | "storm_threshold"
        | "poll_interval_seconds"
        | "ack_hours"
        | "ack_max_hours" => number.boxed(),
        "notify" | "assigned_to_me" => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        "severity_high" | "high_priorities" | "ack_matchers" | "team_ids" | "service_ids"
        | "urgencies" => strings.boxed(),
        "filter" => strings.boxed(),
        _ => text.boxed(),
    }
}

fn typed_assignments(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(keys).prop_flat_map(|k| typed_value(k).prop_map(move |v| (k, v))),
        0..10,
    )
    .prop_map(|kv| {
        let mut seen = std::collections::HashSet::new();
        kv.iter()
            .filter(|(k, _)| seen.insert(*k))
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>()
    })
}

/// Known keys only, each once, with values of the right TOML type.
fn typed_config() -> impl Strategy<Value = String> {
    let account = (
        typed_assignments(&ACCOUNT_KEYS[..ACCOUNT_KEYS.len() - 2]),
        prop::option::of(typed_assignments(FILTER_KEYS)),
    )
        .prop_map(|(body, filter)| match filter {
            Some(filter) if !body.contains("filter =") => {
                format!("[[accounts]]\n{body}[accounts.filter]\n{filter}")
            }
            _ => format!("[[accounts]]\n{body}"),
        });
    (
        typed_assignments(&NOTIFICATION_KEYS[..NOTIFICATION_KEYS.len() - 1]),
        prop::option::of(typed_assignments(QUIET_HOURS_KEYS)),
        prop::collection::vec(account, 0..4),
    )
        .prop_map(|(notifications, quiet, accounts)| {
            let mut text = format!("[notifications]\n{notifications}");
            if let Some(q) = quiet {
                text.push_str(&format!("[notifications.quiet_hours]\n{q}"));
            }
            text.extend(accounts);
            text
        })
}

proptest! {
    #![proptest_config(config())]

    /// 256 arbitrary strings.
    #[test]
    fn config_parse_arbitrary_text_256_cases(text in ".*") {
        parses_or_explains(&text);
    }

    /// 256 TOML-looking files: real key names with values of every type.
    #[test]
    fn config_parse_structured_wrong_toml_256_cases(text in structured_config()) {
        parses_or_explains(&text);
    }

    /// 256 files of known keys with values of the right type but any content, so that
    /// validation (not serde) has the last word.
    #[test]
    fn config_parse_typed_wrong_values_256_cases(text in typed_config()) {
        parses_or_explains(&text);
    }
}

#[test]
fn config_parse_deeply_nested_arrays_is_an_error_not_a_stack_overflow() {
    for depth in [1_000, 10_000, 100_000] {
        let text = format!(
            "[[accounts]]\nseverity_high = {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        parses_or_explains(&text);
        let inline = format!("x = {}", "{a = ".repeat(depth));
        parses_or_explains(&inline);
    }
}

/// A state file shaped like the app's: nested maps, vectors and options, all defaulted.
#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
struct StateLike {
    accounts: BTreeMap<String, AccountLike>,
    outbox: Vec<Entry>,
    paused_until: Option<String>,
    version: u32,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
struct AccountLike {
    seen: BTreeMap<String, Vec<Option<i64>>>,
    last_poll: Option<f64>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
struct Entry {
    id: u64,
    title: String,
    tags: Vec<String>,
}

/// Writes `bytes` as `state.json`, loads it as `T` and checks the outcome: the value read,
/// or the default with a warning and the file moved aside byte for byte.
fn load_checks<T>(bytes: &[u8]) -> Result<(), TestCaseError>
where
    T: serde::de::DeserializeOwned + Default + PartialEq + std::fmt::Debug,
{
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, bytes).unwrap();
    let loaded = json_file::load::<T>(&path).expect("a readable file never errors");
    let parses = serde_json::from_slice::<T>(bytes).is_ok();
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if parses {
        prop_assert_eq!(loaded.warning, None);
        prop_assert_eq!(names, vec!["state.json".to_string()]);
    } else {
        prop_assert_eq!(loaded.value, T::default());
        let warning = loaded.warning.expect("an unparsable file gives a warning");
        prop_assert!(warning.contains("moved to"), "{}", warning);
        prop_assert!(!path.exists(), "the corrupt file is moved away");
        prop_assert_eq!(names.len(), 1);
        prop_assert!(names[0].starts_with("state.json.corrupt-"), "{:?}", names);
        prop_assert_eq!(fs::read(dir.path().join(&names[0])).unwrap(), bytes);
    }
    Ok(())
}

/// Bytes that are sometimes JSON: arbitrary bytes, and JSON text cut or flipped.
fn state_bytes() -> impl Strategy<Value = Vec<u8>> {
    let valid = r#"{"accounts":{"work":{"seen":{"P1":[1,null,3]},"last_poll":1.5}},"outbox":[{"id":7,"title":"<b>x</b>","tags":["a"]}],"paused_until":null,"version":2}"#;
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (0..valid.len()).prop_map(move |cut| valid.as_bytes()[..cut].to_vec()),
        (0..valid.len(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut bytes = valid.as_bytes().to_vec();
            bytes[at] = byte;
            bytes
        }),
        Just(valid.as_bytes().to_vec()),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// 256 files as a local nested state shape.
    #[test]
    fn json_file_load_arbitrary_bytes_nested_shape_256_cases(bytes in state_bytes()) {
        load_checks::<StateLike>(&bytes)?;
    }

    /// 256 files as the policy's real `PolicyState` (the heart of `state.json`).
    #[test]
    fn json_file_load_arbitrary_bytes_policy_state_256_cases(bytes in state_bytes()) {
        load_checks::<PolicyState>(&bytes)?;
    }
}

#[test]
fn json_file_load_deeply_nested_json_is_moved_aside_not_a_stack_overflow() {
    for depth in [10_000, 100_000] {
        let mut text = r#"{"outbox":"#.to_string();
        text.push_str(&"[".repeat(depth));
        load_checks::<StateLike>(text.as_bytes()).unwrap();
        load_checks::<PolicyState>("[".repeat(depth).as_bytes()).unwrap();
    }
}
