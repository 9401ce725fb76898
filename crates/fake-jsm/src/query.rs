//! The subset of JSM's alert search language the fake understands: terms joined by `AND`
//! (any case), each `field:value` with the value quoted when it has spaces. Fields:
//! `status` (`open`, `closed`), `responders` (a user's e-mail or a team's name, any
//! case), `priority`, `acknowledged` and `snoozed` (`true`, `false`), `tag`/`tags`.
//! An unknown term matches everything, as the Opsgenie fake does; `OR` and `NOT` are not
//! modelled.

use crate::types::FakeAlert;

/// One `field:value`.
struct Term {
    field: String,
    value: String,
}

pub(crate) struct Query {
    terms: Vec<Term>,
}

impl Query {
    pub fn parse(text: &str) -> Query {
        let mut terms = Vec::new();
        for part in split_and(text) {
            let Some((field, value)) = part.split_once(':') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            terms.push(Term {
                field: field.trim().to_ascii_lowercase(),
                value,
            });
        }
        Query { terms }
    }

    pub fn matches(&self, alert: &FakeAlert) -> bool {
        self.terms.iter().all(|term| {
            let value = term.value.as_str();
            match term.field.as_str() {
                "status" => alert.status.eq_ignore_ascii_case(value),
                "responders" => alert
                    .responders
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(value)),
                "priority" => alert.priority.eq_ignore_ascii_case(value),
                "acknowledged" => alert.acknowledged.to_string() == value.to_ascii_lowercase(),
                "snoozed" => alert.snoozed.to_string() == value.to_ascii_lowercase(),
                "tag" | "tags" => alert.tags.iter().any(|t| t.eq_ignore_ascii_case(value)),
                _ => true,
            }
        })
    }
}

/// `text` cut at every ` AND ` outside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        if !quoted && word.eq_ignore_ascii_case("and") {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        if word.matches('"').count() % 2 == 1 {
            quoted = !quoted;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::NewAlert;

    fn alert() -> FakeAlert {
        let mut state = crate::state::State::new();
        let id = state.create(
            NewAlert::new("x")
                .priority("P1")
                .responders(&["Payments Team", "pat@example.com"]),
            chrono::Utc::now(),
        );
        state.alert(&id).unwrap().clone()
    }

    #[test]
    fn terms_joined_by_and() {
        let a = alert();
        assert!(Query::parse("status:open AND responders:PAT@example.com").matches(&a));
        assert!(
            Query::parse("status:open and responders:\"Payments Team\" AND priority:P1")
                .matches(&a)
        );
        assert!(!Query::parse("status:open AND responders:sam@example.com").matches(&a));
        assert!(!Query::parse("status:closed").matches(&a));
        assert!(Query::parse("").matches(&a));
        assert!(Query::parse("acknowledged:false AND whatever:x").matches(&a));
    }
}
