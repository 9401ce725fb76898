//! The detail pane's notes, log and alerts, and the pickers' people and policies, from
//! PagerDuty's JSON. Text leaves through `display_text` (via `shown`) like the rest of
//! the conversions. An item without a time is left out rather than failing the pane: it
//! could not be placed in a list ordered by time, and the others are still worth seeing.

use std::cmp::Reverse;

use oncall_model::{
    display_text, Assignee, AssigneeKind, IncidentAlert, IncidentDetails, IncidentLogEntry,
    IncidentNote,
};

use super::{label, shown};
use crate::wire;

/// The three lists of the detail pane, each newest first and at most `limit` long.
pub(crate) fn details(
    notes: wire::NoteList,
    log: wire::LogEntryPage,
    alerts: wire::AlertPage,
    limit: usize,
) -> IncidentDetails {
    let mut notes: Vec<IncidentNote> = notes
        .notes
        .into_iter()
        .filter_map(|note| {
            Some(IncidentNote {
                at: note.created_at?,
                author: note.user.as_ref().and_then(label),
                text: shown(note.content)?,
            })
        })
        .collect();
    let mut log: Vec<IncidentLogEntry> = log
        .log_entries
        .into_iter()
        .filter_map(|entry| {
            let summary = shown(entry.summary).or_else(|| shown(entry.kind.map(kind_label)))?;
            Some(IncidentLogEntry {
                at: entry.created_at?,
                summary,
            })
        })
        .collect();
    let mut alerts: Vec<IncidentAlert> = alerts
        .alerts
        .into_iter()
        .filter_map(|alert| {
            let summary = shown(alert.summary)
                .or_else(|| alert.id.map(|id| display_text(&format!("Alert {id}"))))?;
            Some(IncidentAlert {
                at: alert.created_at?,
                summary,
                status: shown(alert.status).unwrap_or_else(|| "unknown".to_owned()),
            })
        })
        .collect();
    // Stable sorts: entries of the same second keep the service's order.
    notes.sort_by_key(|note| Reverse(note.at));
    log.sort_by_key(|entry| Reverse(entry.at));
    alerts.sort_by_key(|alert| Reverse(alert.at));
    notes.truncate(limit);
    log.truncate(limit);
    alerts.truncate(limit);
    IncidentDetails { notes, log, alerts }
}

/// "escalate_log_entry" → "escalate": a log entry without a summary still says something.
fn kind_label(kind: String) -> String {
    kind.trim_end_matches("_log_entry").replace('_', " ")
}

/// A picker's entry from a listed user or escalation policy; `None` without an id, which
/// nothing could be sent to.
pub(crate) fn assignee(
    kind: AssigneeKind,
    id: Option<String>,
    name: Option<String>,
    summary: Option<String>,
) -> Option<Assignee> {
    let id = id.filter(|id| !id.trim().is_empty())?;
    let name = shown(name)
        .or_else(|| shown(summary))
        .unwrap_or_else(|| display_text(&id));
    Some(Assignee { kind, id, name })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn details_from_the_documents_examples_newest_first_and_cleaned() {
        // The document's examples, plus a second of each and a few broken items.
        let notes: wire::NoteList = serde_json::from_value(json!({"notes": [
            {"id": "PWL7QXS", "user": {"id": "PXPGF42", "type": "user_reference",
             "summary": "Earline Greenholt"}, "channel": {"summary": "The PagerDuty website or APIs"},
             "content": "Firefighters are on the scene.", "created_at": "2013-03-06T15:28:51-05:00"},
            {"id": "PCQC25", "user": {"id": "PXPGF42", "type": "bot_user_reference",
             "summary": "A Global Event Rule"}, "content": "Initial alert\u{1b}[2J information",
             "created_at": "2013-03-06T15:28:42-05:00"},
            {"id": "PNOTIME", "content": "no time"},
            {"id": "PEMPTY", "content": "\u{202E}", "created_at": "2013-03-06T15:28:42-05:00"}
        ]}))
        .unwrap();
        let log: wire::LogEntryPage = serde_json::from_value(json!({"log_entries": [
            {"id": "Q02JTSNZWHSEKV", "type": "trigger_log_entry",
             "summary": "Triggered through the API", "created_at": "2015-11-07T00:14:20Z"},
            {"id": "Q2", "type": "escalate_log_entry", "created_at": "2015-11-07T00:44:20Z"}
        ], "limit": 25, "offset": 0, "more": false}))
        .unwrap();
        let alerts: wire::AlertPage = serde_json::from_value(json!({"alerts": [
            {"id": "PT4KHLK", "type": "alert", "summary": "The server is on fire.",
             "created_at": "2015-10-06T21:30:42Z", "status": "resolved"},
            {"id": "PNOSUMMARY", "type": "alert", "created_at": "2015-10-06T21:31:42Z"}
        ]}))
        .unwrap();
        let details = details(notes, log, alerts, 25);
        assert_eq!(
            details.notes,
            vec![
                IncidentNote {
                    at: at("2013-03-06T20:28:51Z"),
                    author: Some("Earline Greenholt".into()),
                    text: "Firefighters are on the scene.".into(),
                },
                IncidentNote {
                    at: at("2013-03-06T20:28:42Z"),
                    author: Some("A Global Event Rule".into()),
                    text: "Initial alert [2J information".into(),
                },
            ]
        );
        assert_eq!(
            details.log,
            vec![
                IncidentLogEntry {
                    at: at("2015-11-07T00:44:20Z"),
                    summary: "escalate".into(),
                },
                IncidentLogEntry {
                    at: at("2015-11-07T00:14:20Z"),
                    summary: "Triggered through the API".into(),
                },
            ]
        );
        assert_eq!(details.alerts[0].summary, "Alert PNOSUMMARY");
        assert_eq!(details.alerts[0].status, "unknown");
        assert_eq!(details.alerts[1].status, "resolved");
    }

    #[test]
    fn details_are_bounded() {
        let entries: Vec<_> = (0..40)
            .map(|n| {
                json!({"summary": format!("entry {n}"),
                            "created_at": format!("2024-05-01T10:{n:02}:00Z")})
            })
            .collect();
        let log: wire::LogEntryPage =
            serde_json::from_value(json!({ "log_entries": entries })).unwrap();
        let notes = serde_json::from_value(json!({})).unwrap();
        let alerts = serde_json::from_value(json!({"alerts": null})).unwrap();
        let details = details(notes, log, alerts, 25);
        assert_eq!(details.log.len(), 25);
        assert_eq!(details.log[0].summary, "entry 39");
    }

    #[test]
    fn assignees_need_an_id_and_are_named_as_shown() {
        assert_eq!(
            assignee(
                AssigneeKind::User,
                Some("PX".into()),
                Some("Alex\u{202E}".into()),
                None
            ),
            Some(Assignee {
                kind: AssigneeKind::User,
                id: "PX".into(),
                name: "Alex".into()
            })
        );
        let policy = assignee(
            AssigneeKind::EscalationPolicy,
            Some("PEP".into()),
            None,
            Some("Checkout".into()),
        );
        assert_eq!(policy.map(|p| p.name), Some("Checkout".into()));
        assert_eq!(
            assignee(AssigneeKind::User, Some(" ".into()), None, None),
            None
        );
        let unnamed = assignee(AssigneeKind::User, Some("PY".into()), None, None);
        assert_eq!(unnamed.map(|p| p.name), Some("PY".into()));
    }
}
