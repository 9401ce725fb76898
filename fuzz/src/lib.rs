//! What every fuzz target checks about a decoder's answer, beyond "no panic": an error
//! is the expected kind and says something, in a bounded number of characters (server
//! text is cut to 400 characters; the rest is our own sentence).

use oncall_model::ProviderError;

/// Longest message any decoder may produce.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// Statuses whose error bodies the targets decode: each class the clients tell apart.
pub const ERROR_STATUSES: [u16; 10] = [301, 400, 401, 402, 403, 404, 408, 413, 429, 503];

/// A refused success body must be `Malformed` with a short, non-empty message.
pub fn check_refusal(error: &ProviderError) {
    match error {
        ProviderError::Malformed { message } => check_message(message),
        other => panic!("a success body was refused as {other:?}, not Malformed"),
    }
}

/// An error answer, whatever its kind, says something in bounded length.
pub fn check_error_answer(error: &ProviderError) {
    check_message(&error.to_string());
}

pub fn check_message(message: &str) {
    assert!(!message.trim().is_empty(), "empty error message");
    let chars = message.chars().count();
    assert!(
        chars <= MAX_MESSAGE_CHARS,
        "a {chars}-character message grows with the input"
    );
}

/// Splits one fuzz input into two bodies at the first 0xFF byte, which valid UTF-8 (so
/// JSON) never contains. Without one, the second body is `default`.
pub fn split2<'a>(data: &'a [u8], default: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, default),
    }
}
