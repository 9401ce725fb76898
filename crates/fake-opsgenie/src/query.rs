//! The subset of Opsgenie's alert search syntax the fake understands.
//!
//! A query is whitespace-separated `field:value` terms, AND-combined (an explicit `AND`
//! between terms is accepted and ignored). Understood fields:
//! - `status:open|closed`
//! - `acknowledged:true|false`
//! - `snoozed:true|false`
//! - `priority:P1` (… `P5`)
//! - `responders:<name or id>` (any responder of the alert)
//! - `tag:<tag>` / `tags:<tag>`
//!
//! Anything else (free text, `OR`, parentheses, other fields) is **ignored**, so an
//! unsupported query selects more alerts, never fewer: a fake that silently hid alerts
//! would hide a client's paging bugs.

use crate::types::FakeAlert;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    terms: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(text: &str) -> Self {
        let terms = text
            .split_whitespace()
            .filter(|t| !t.eq_ignore_ascii_case("and"))
            .filter_map(|t| {
                let (field, value) = t.split_once(':')?;
                let value = value.trim_matches('"');
                Some((field.to_ascii_lowercase(), value.to_string()))
            })
            .filter(|(field, _)| {
                matches!(
                    field.as_str(),
                    "status"
                        | "acknowledged"
                        | "snoozed"
                        | "priority"
                        | "responders"
                        | "tag"
                        | "tags"
                )
            })
            .collect();
        Query { terms }
    }

    pub(crate) fn matches(&self, alert: &FakeAlert) -> bool {
        self.terms
            .iter()
            .all(|(field, value)| match field.as_str() {
                "status" => alert.status.eq_ignore_ascii_case(value),
                "acknowledged" => alert.acknowledged.to_string().eq_ignore_ascii_case(value),
                "snoozed" => alert.snoozed.to_string().eq_ignore_ascii_case(value),
                "priority" => alert.priority.eq_ignore_ascii_case(value),
                "responders" => alert
                    .responders
                    .iter()
                    .any(|r| r.name.eq_ignore_ascii_case(value) || r.id == *value),
                "tag" | "tags" => alert.tags.iter().any(|t| t.eq_ignore_ascii_case(value)),
                _ => true,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FakeResponder;
    use chrono::Utc;

    fn alert(status: &str, acked: bool, priority: &str, responder: &str) -> FakeAlert {
        let now = Utc::now();
        FakeAlert {
            id: "a".into(),
            tiny_id: "1".into(),
            alias: "a".into(),
            message: "m".into(),
            description: String::new(),
            status: status.into(),
            acknowledged: acked,
            is_seen: false,
            tags: vec!["db".into()],
            snoozed: false,
            snoozed_until: None,
            count: 1,
            last_occurred_at: now,
            created_at: now,
            updated_at: now,
            source: "s".into(),
            owner: String::new(),
            priority: priority.into(),
            responders: vec![FakeResponder::user(responder)],
            ack_time_ms: None,
            close_time_ms: None,
            acknowledged_by: None,
            closed_by: None,
            notes: Vec::new(),
            log: Vec::new(),
            escalations: Vec::new(),
            seq: 1,
        }
    }

    #[test]
    fn terms_are_and_combined_and_unknown_ones_ignored() {
        let a = alert("open", false, "P1", "pat");
        let check = |q: &str| Query::parse(q).matches(&a);
        assert!(check(""));
        assert!(check("status:open"));
        assert!(check("status:open AND acknowledged:false"));
        assert!(check("status:open responders:pat priority:P1 tag:db"));
        assert!(check("status:open free text owner:x"));
        assert!(!check("status:closed"));
        assert!(!check("status:open acknowledged:true"));
        assert!(!check("responders:sam"));
        assert!(!check("priority:P2"));
        assert!(check("responders:user-pat"));
    }
}
