//! Our acknowledgement silences: how one is written (its matchers, and the comment that
//! marks it ours and carries the moment the user acknowledged) and read back. Pure
//! functions, tested as tables.
//!
//! The moment of the acknowledgement is what `ack_max_duration` is measured from, and
//! when the incident shows acknowledged since. It is the silence's `startsAt`, which
//! survives an in-place update (`POST api/v2/silences` with its `id`, only `endsAt`
//! changed); but Alertmanager may instead expire the silence and create a new one
//! starting now (it does when it judges the update would rewrite history). So every
//! extension writes the moment into the comment, `Acknowledged from oncall-tray at
//! 2024-05-01T12:00:00.123Z`, and a replacement carries it over. The silence
//! Acknowledge writes keeps the plain comment: its start is the moment.

use chrono::{DateTime, Utc};

use crate::wire::{Labels, Matcher, Silence};

/// The comment of every silence we write (the start of it); with `createdBy` it marks a
/// silence as an oncall-tray acknowledgement.
pub const ACK_COMMENT: &str = "Acknowledged from oncall-tray";

/// Whether a silence is an acknowledgement written by this account's user.
pub(crate) fn is_ours(silence: &Silence, created_by: &str) -> bool {
    silence.created_by == created_by && silence.comment.starts_with(ACK_COMMENT)
}

/// The comment of an extended acknowledgement made at `moment`, to the millisecond, as
/// Alertmanager gives a silence's start: the moment read back is the start it replaces.
pub(crate) fn comment(moment: DateTime<Utc>) -> String {
    format!(
        "{ACK_COMMENT} at {}",
        moment.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

/// `at` cut down to whole seconds, as the ends of our extensions are: what Alertmanager
/// sends back then compares equal to what we sent.
pub(crate) fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// When the user acknowledged: the moment in the comment, else (a silence written
/// before the moment was recorded) its start. Never later than its start, so a comment
/// edited to a future moment cannot stretch the limit.
pub(crate) fn acknowledged_at(silence: &Silence) -> DateTime<Utc> {
    let written = silence
        .comment
        .strip_prefix(ACK_COMMENT)
        .and_then(|rest| rest.strip_prefix(" at "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc));
    written.map_or(silence.starts_at, |at| at.min(silence.starts_at))
}

/// The matchers of the silence that acknowledges an alert with `labels`: one equality
/// matcher per label in `chosen` (or per label of the alert when `chosen` is `None`).
///
/// A chosen label the alert lacks is matched as `name=""`, which in Alertmanager
/// selects alerts without that label (an empty label is no label there), so the
/// silence does not spread to alerts that have it. When the alert has none of the
/// chosen labels, every such matcher would match the empty string, which Alertmanager
/// refuses ("would match all alerts"): the alert is then silenced on all its labels.
pub(crate) fn matchers_for(labels: &Labels, chosen: Option<&[String]>) -> Vec<Matcher> {
    let equal = |name: &str, value: &str| Matcher {
        name: name.to_owned(),
        value: value.to_owned(),
        is_regex: false,
        is_equal: true,
    };
    let present = |name: &str| labels.get(name).is_some_and(|value| !value.is_empty());
    match chosen {
        Some(names) if names.iter().any(|name| present(name)) => {
            let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
            names.sort_unstable();
            names.dedup();
            names
                .into_iter()
                .map(|name| equal(name, labels.get(name).map_or("", String::as_str)))
                .collect()
        }
        _ => labels
            .iter()
            .map(|(name, value)| equal(name, value))
            .collect(),
    }
}

/// `matcher` as a `filter` parameter of `GET api/v2/alerts` (`name="value"`, the value
/// quoted and escaped as Alertmanager's matcher parser reads it), so that Alertmanager
/// itself says which alerts a silence matches.
pub(crate) fn filter_expression(matcher: &Matcher) -> String {
    let operator = match (matcher.is_regex, matcher.is_equal) {
        (false, true) => "=",
        (false, false) => "!=",
        (true, true) => "=~",
        (true, false) => "!~",
    };
    let mut value = String::with_capacity(matcher.value.len() + 2);
    for c in matcher.value.chars() {
        match c {
            '\\' => value.push_str("\\\\"),
            '"' => value.push_str("\\\""),
            '\n' => value.push_str("\\n"),
            c => value.push(c),
        }
    }
    format!("{}{operator}\"{value}\"", matcher.name)
}

/// Whether `name` is a label name Alertmanager accepts in a silence:
/// `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SilenceStatus;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn silence(comment: &str, starts_at: &str) -> Silence {
        Silence {
            id: "s".into(),
            matchers: Vec::new(),
            starts_at: at(starts_at),
            ends_at: at("2024-05-01T20:00:00Z"),
            created_by: "pat".into(),
            comment: comment.into(),
            status: SilenceStatus {
                state: "active".into(),
            },
        }
    }

    #[test]
    fn the_moment_is_written_to_the_millisecond_and_read_back() {
        let moment = at("2024-05-01T12:00:07.900Z");
        let written = comment(moment);
        assert_eq!(
            written,
            "Acknowledged from oncall-tray at 2024-05-01T12:00:07.900Z"
        );
        let replaced = silence(&written, "2024-05-01T15:00:00Z");
        assert!(is_ours(&replaced, "pat"));
        assert!(!is_ours(&replaced, "sam"));
        assert_eq!(acknowledged_at(&replaced), moment);
        assert_eq!(whole_seconds(moment), at("2024-05-01T12:00:07Z"));
    }

    #[test]
    fn when_the_user_acknowledged() {
        let cases = [
            (
                "a replaced silence keeps the moment of its comment",
                "Acknowledged from oncall-tray at 2024-05-01T12:00:00Z",
                "2024-05-01T15:30:00.123Z",
                "2024-05-01T12:00:00Z",
            ),
            (
                "never extended (or written by an older version): its start",
                ACK_COMMENT,
                "2024-05-01T13:00:00Z",
                "2024-05-01T13:00:00Z",
            ),
            (
                "a moment after the start is not believed",
                "Acknowledged from oncall-tray at 2030-01-01T00:00:00Z",
                "2024-05-01T13:00:00Z",
                "2024-05-01T13:00:00Z",
            ),
            (
                "an unreadable moment: its start",
                "Acknowledged from oncall-tray at noon",
                "2024-05-01T13:00:00Z",
                "2024-05-01T13:00:00Z",
            ),
            (
                "words after the moment are ignored",
                "Acknowledged from oncall-tray at 2024-05-01T12:00:00Z (by the night shift)",
                "2024-05-01T13:00:00Z",
                "2024-05-01T12:00:00Z",
            ),
        ];
        for (name, comment, starts_at, expected) in cases {
            assert_eq!(
                acknowledged_at(&silence(comment, starts_at)),
                at(expected),
                "{name}"
            );
        }
    }

    fn pairs(matchers: &[Matcher]) -> Vec<(String, String)> {
        assert!(matchers.iter().all(|m| m.is_equal && !m.is_regex));
        matchers
            .iter()
            .map(|m| (m.name.clone(), m.value.clone()))
            .collect()
    }

    #[test]
    fn matchers_on_every_label_or_the_chosen_ones() {
        let alert = labels(&[
            ("alertname", "Down"),
            ("instance", "db1"),
            ("pod", "db1-7f9c"),
        ]);
        let chosen = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let owned = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(&matchers_for(&alert, None)),
            owned(&[
                ("alertname", "Down"),
                ("instance", "db1"),
                ("pod", "db1-7f9c")
            ])
        );
        assert_eq!(
            pairs(&matchers_for(
                &alert,
                Some(&chosen(&["job", "instance", "alertname", "instance"]))
            )),
            owned(&[("alertname", "Down"), ("instance", "db1"), ("job", "")]),
            "sorted, once each, a missing label matched as absent"
        );
        assert_eq!(
            pairs(&matchers_for(&alert, Some(&chosen(&["job", "team"])))),
            pairs(&matchers_for(&alert, None)),
            "none of the chosen labels: every label, as Alertmanager refuses a silence that matches everything"
        );
    }

    #[test]
    fn filter_expressions_quote_and_escape_the_value() {
        let m = |name: &str, value: &str, is_regex, is_equal| Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        };
        let cases = [
            (m("job", "node", false, true), r#"job="node""#),
            (m("job", "", false, true), r#"job="""#),
            (m("env", "dev", false, false), r#"env!="dev""#),
            (m("sev", "crit.*", true, true), r#"sev=~"crit.*""#),
            (m("sev", "a|b", true, false), r#"sev!~"a|b""#),
            (
                m("summary", "say \"hi\"\\\nbye, {x}", false, true),
                r#"summary="say \"hi\"\\\nbye, {x}""#,
            ),
        ];
        for (matcher, expected) in cases {
            assert_eq!(filter_expression(&matcher), expected);
        }
    }

    #[test]
    fn label_names() {
        for good in ["alertname", "_x", "job2", "A_b"] {
            assert!(is_label_name(good), "{good}");
        }
        for bad in ["", "2job", "job-name", "job name", "jöb", "a.b"] {
            assert!(!is_label_name(bad), "{bad}");
        }
    }
}
