//! What the providers' decoder property tests share (issue 7's hostile-input pass):
//! strategies for JSON a hostile or broken server could send, text made to attack a
//! notification, and the bounds every decoded error keeps. Each provider's own
//! `proptests.rs` adds its wire format: valid bodies, the fields to break, the decoders.

use oncall_model::ProviderError;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

/// Longest message any decoder may produce: server text is cut to 400 characters, plus
/// our own sentence around it.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// A message a person will read: never empty, never longer than [`MAX_MESSAGE_CHARS`].
pub fn assert_bounded_message(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.is_empty());
    prop_assert!(
        message.chars().count() <= MAX_MESSAGE_CHARS,
        "{} chars: {}",
        message.chars().count(),
        message
    );
    Ok(())
}

/// A success body that cannot be used is `Malformed`, with a bounded message.
pub fn assert_malformed(err: &ProviderError) -> Result<(), TestCaseError> {
    match err {
        ProviderError::Malformed { message } => assert_bounded_message(message),
        other => Err(TestCaseError::fail(format!(
            "expected Malformed, got {other:?}"
        ))),
    }
}

/// Headers `names`, each carrying the body's text when that is a valid header value: an
/// error answer whose `location` or rate-limit headers say anything at all.
pub fn echoed_headers(body: &[u8], names: &[HeaderName]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = std::str::from_utf8(body)
        .ok()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        for name in names {
            headers.insert(name.clone(), value.clone());
        }
    }
    headers
}

/// Any JSON value, a few levels deep, its objects keyed mostly by `field_names` (the
/// service's own, so generated objects reach the typed fields).
pub fn any_json(field_names: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".*".prop_map(Value::from),
        hostile_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(field_name(field_names), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One of `field_names`, or a short made-up one.
fn field_name(field_names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(field_names).prop_map(str::to_owned),
        "[a-zA-Z_]{0,8}",
    ]
}

/// Text a title might carry to attack a notification: markup, control characters,
/// line breaks, bidirectional overrides, invisible characters, a NUL.
pub fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "<b>bold</b> <a href=\"https://evil.example\">click</a>",
            "<img src=x onerror=alert(1)>",
            "&amp;&lt;&#0;",
            "line one\nline two",
            "line one\nline two\r\n\t",
            "\u{0}\u{1}\u{7}\u{1b}[31mred\u{1b}[0m",
            "\u{202e}txt.exe",
            "\u{feff}",
            "🔥🔥🔥",
        ])
        .prop_map(str::to_owned),
        "[\\x00-\\x1f<>&\"'a-z]{1,40}",
    ]
}

/// Values that do not belong in a field: wrong types, nulls, huge numbers, empty
/// strings, impossible or far-off dates, and any JSON at all.
pub fn wrong_value(field_names: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("   ")),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!({})),
        Just(json!([null, 1, "x"])),
        Just(json!("9999-99-99T99:99:99Z")),
        Just(json!("+275760-09-13T00:00:00Z")),
        hostile_text().prop_map(Value::from),
        any_json(field_names),
    ]
}
