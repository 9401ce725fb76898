//! PagerDuty's JSON (`wire`) → the tray's model. The only place that knows both.
//!
//! Missing fields fall back where a sensible value exists; only an incident without an
//! id or a status is refused, and it fails the whole poll: dropping it would look like
//! the incident resolving.
//!
//! Text meant for a person (titles, names, labels) leaves here through
//! [`display_text`], and `html_url` only as a [`web_link`]: every screen above shows and
//! opens what it is given. Ids stay exactly as sent; actions name them.

use chrono::{DateTime, Utc};
use oncall_http::{displayable, malformed};
use oncall_model::{
    display_text, web_link, AccountId, CoverRequest, Identity, Incident, IncidentKey, OnCallPerson,
    OnCallShift, Person, ProviderError, ScheduleOverride, Status, Urgency,
};

use crate::wire;

mod respond;

pub(crate) use respond::{assignee, details};

pub(crate) fn identity(user: wire::User) -> Result<Identity, ProviderError> {
    let user_id = user
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| malformed("GET /users/me returned a user without an id"))?;
    let name = shown(user.name)
        .or_else(|| shown(user.summary))
        .unwrap_or_else(|| display_text(&user_id));
    let email = user.email.filter(|e| !e.trim().is_empty());
    Ok(Identity {
        user_id,
        email,
        name,
    })
}

/// Converts one incident; `my_user_id` decides `assigned_to_me_at`.
pub(crate) fn incident(
    account: &AccountId,
    my_user_id: &str,
    wire: wire::Incident,
) -> Result<Incident, ProviderError> {
    let id = wire
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| malformed("an incident in the list has no id"))?;
    let status = match wire.status.as_deref() {
        Some("triggered") => Status::Triggered,
        Some("acknowledged") => Status::Acknowledged,
        Some("resolved") => Status::Resolved,
        Some(other) => {
            return Err(malformed(format_args!(
                "incident {id} has an unknown status {other:?}"
            )))
        }
        None => return Err(malformed(format_args!("incident {id} has no status"))),
    };
    // An unknown or missing urgency is treated as high: a needless page costs less
    // than a silent one.
    let urgency = match wire.urgency.as_deref() {
        Some("low") => Urgency::Low,
        _ => Urgency::High,
    };
    let created_at = wire
        .created_at
        .or(wire.updated_at)
        .or(wire.last_status_change_at)
        .ok_or_else(|| malformed(format_args!("incident {id} has no timestamps")))?;
    let status_changed_at = wire
        .last_status_change_at
        .or(wire.updated_at)
        .unwrap_or(created_at);
    let title = shown(wire.title)
        .or_else(|| shown(wire.summary))
        .unwrap_or_else(|| display_text(&format!("PagerDuty incident {id}")));

    let mut assignees: Vec<Person> = Vec::new();
    let mut assigned_to_me_at: Option<DateTime<Utc>> = None;
    for assignment in wire.assignments {
        let Some(assignee) = assignment.assignee else {
            continue;
        };
        let Some(person_id) = assignee.id.clone().filter(|i| !i.is_empty()) else {
            continue;
        };
        if person_id == my_user_id {
            // Without `at`, the status change is the best "since when" there is; the
            // incident must still count as mine.
            let at = assignment.at.unwrap_or(status_changed_at);
            assigned_to_me_at = Some(assigned_to_me_at.map_or(at, |prev| prev.max(at)));
        }
        if !assignees.iter().any(|p| p.id == person_id) {
            let name = label(&assignee).unwrap_or_else(|| display_text(&person_id));
            assignees.push(Person {
                id: person_id,
                name,
            });
        }
    }

    Ok(Incident {
        teams: wire.teams.iter().filter_map(label).collect(),
        key: IncidentKey {
            account: account.clone(),
            id,
        },
        number: wire.incident_number,
        title,
        status,
        urgency,
        service: wire.service.as_ref().and_then(label),
        created_at,
        status_changed_at,
        web_url: wire.html_url.as_deref().and_then(web_link),
        assignees,
        assigned_to_me_at,
        escalation_policy: wire.escalation_policy.as_ref().and_then(label),
        priority: wire
            .priority
            .and_then(|p| shown(p.summary).or_else(|| shown(p.name))),
    })
}

pub(crate) fn shift(wire: wire::OnCall) -> OnCallShift {
    OnCallShift {
        escalation_policy: wire.escalation_policy.as_ref().and_then(label),
        escalation_policy_id: wire.escalation_policy.as_ref().and_then(|r| r.id.clone()),
        schedule: wire.schedule.as_ref().and_then(label),
        schedule_id: wire.schedule.as_ref().and_then(|r| r.id.clone()),
        level: wire.escalation_level,
        start: wire.start,
        end: wire.end,
    }
}

/// Who is on call in one `/oncalls` row; `None` when the row names no user (nothing to
/// show, and nobody to tell apart from the others).
pub(crate) fn on_call_person(row: &wire::OnCall, my_user_id: &str) -> Option<OnCallPerson> {
    let user = row.user.as_ref()?;
    let user_id = user.id.clone().filter(|id| !id.trim().is_empty())?;
    // A full `User` (with `include[]=users`) has `name`; a reference only `summary`.
    let name = shown(user.name.clone())
        .or_else(|| shown(user.summary.clone()))
        .unwrap_or_else(|| display_text(&user_id));
    Some(OnCallPerson {
        is_me: user_id == my_user_id,
        user_id,
        name,
        start: row.start,
        end: row.end,
    })
}

/// The answer to a one-override `POST /schedules/{id}/overrides`. Its 201 is a
/// per-override report, so a refusal of the override itself arrives as a success of the
/// request, with the item's own `status` and `errors`.
pub(crate) fn schedule_override(
    request: &CoverRequest,
    outcomes: Vec<wire::OverrideOutcome>,
) -> Result<ScheduleOverride, ProviderError> {
    let outcome = outcomes
        .into_iter()
        .next()
        .ok_or_else(|| malformed("PagerDuty answered the override with an empty list"))?;
    let status = match outcome.status {
        Some(status) if (0.0..1000.0).contains(&status) => status as u16,
        Some(status) => {
            return Err(malformed(format_args!(
                "the override's status {status} is not an HTTP status"
            )))
        }
        // Nothing said per item: the request's own 201 stands.
        None => 201,
    };
    if !(200..300).contains(&status) {
        let errors = outcome.errors.join("; ");
        let reason = if errors.trim().is_empty() {
            format!("status {status}")
        } else {
            errors
        };
        return Err(ProviderError::Rejected {
            status,
            code: None,
            message: displayable(&format!(
                "PagerDuty did not create the override in schedule {}: {reason}",
                request.schedule_id
            )),
        });
    }
    let created = outcome
        .created
        .ok_or_else(|| malformed("PagerDuty reported the override created but sent none"))?;
    let id = created
        .id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| malformed("PagerDuty reported the override created but sent no id"))?;
    Ok(ScheduleOverride {
        id,
        schedule_id: request.schedule_id.clone(),
        start: created.start.unwrap_or(request.start),
        end: created.end.unwrap_or(request.end),
    })
}

/// A reference's human-facing label: `summary`, else `name`.
pub(crate) fn label(reference: &wire::Reference) -> Option<String> {
    shown(reference.summary.clone()).or_else(|| shown(reference.name.clone()))
}

/// Service text as it may be shown, `None` when nothing visible is left.
pub(crate) fn shown(text: Option<String>) -> Option<String> {
    text.map(|t| display_text(&t))
        .filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ME: &str = "PME0001";

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn convert(value: serde_json::Value) -> Result<Incident, ProviderError> {
        let wire: wire::Incident = serde_json::from_value(value).expect("wire shape");
        incident(&AccountId::new("work"), ME, wire)
    }

    fn check(value: serde_json::Value, expected: Incident) {
        assert_eq!(convert(value).unwrap(), expected);
    }

    /// The example of PD-spec `GET /incidents`, trimmed, plus an assignment to me.
    fn full() -> serde_json::Value {
        json!({
            "id": "PT4KHLK", "type": "incident", "summary": "[#1234] The server is on fire.",
            "self": "https://api.pagerduty.com/incidents/PT4KHLK",
            "html_url": "https://subdomain.pagerduty.com/incidents/PT4KHLK",
            "incident_number": 1234, "title": "The server is on fire.",
            "created_at": "2015-10-06T21:30:42Z", "updated_at": "2015-10-06T21:40:23Z",
            "status": "acknowledged", "urgency": "low",
            "incident_key": "baf7cf21b1da41b4b0221008339ff357",
            "service": {"id": "PIJ90N7", "type": "service_reference", "summary": "My Mail Service"},
            "assignments": [
                {"at": "2015-11-10T00:31:52Z",
                 "assignee": {"id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt"}},
                {"at": "2015-11-10T00:35:00-05:00",
                 "assignee": {"id": ME, "type": "user_reference", "summary": "Pat Oncall"}}
            ],
            "assigned_via": "escalation_policy",
            "last_status_change_at": "2015-10-06T21:38:23Z",
            "escalation_policy": {"id": "PT20YPA", "type": "escalation_policy_reference",
                                  "summary": "Another Escalation Policy"},
            "priority": {"id": "P53ZZH5", "type": "priority", "summary": "P2", "name": "P2"},
            "teams": [{"id": "PQ9K7I8", "type": "team_reference", "summary": "Engineering"}],
            "pending_actions": [{"type": "resolve", "at": "2015-11-10T04:31:52Z"}],
            "alert_counts": {"all": 2, "triggered": 0, "resolved": 2},
            "some_future_field": {"nested": [1, 2, 3]}
        })
    }

    fn expected_full() -> Incident {
        Incident {
            teams: vec!["Engineering".into()],
            key: IncidentKey::new("work", "PT4KHLK"),
            number: Some(1234),
            title: "The server is on fire.".into(),
            status: Status::Acknowledged,
            urgency: Urgency::Low,
            service: Some("My Mail Service".into()),
            created_at: at("2015-10-06T21:30:42Z"),
            status_changed_at: at("2015-10-06T21:38:23Z"),
            web_url: Some("https://subdomain.pagerduty.com/incidents/PT4KHLK".into()),
            assignees: vec![
                Person {
                    id: "PXPGF42".into(),
                    name: "Earline Greenholt".into(),
                },
                Person {
                    id: ME.into(),
                    name: "Pat Oncall".into(),
                },
            ],
            assigned_to_me_at: Some(at("2015-11-10T05:35:00Z")),
            escalation_policy: Some("Another Escalation Policy".into()),
            priority: Some("P2".into()),
        }
    }

    #[test]
    fn full_incident() {
        check(full(), expected_full());
    }

    #[test]
    fn minimal_incident_gets_fallbacks() {
        check(
            json!({"id": "P1", "status": "triggered", "summary": "Disk full",
                   "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:05:00Z",
                   "assignments": null, "priority": null, "html_url": null}),
            Incident {
                teams: Vec::new(),
                key: IncidentKey::new("work", "P1"),
                number: None,
                title: "Disk full".into(),
                status: Status::Triggered,
                urgency: Urgency::High,
                service: None,
                created_at: at("2024-05-01T10:00:00Z"),
                status_changed_at: at("2024-05-01T10:05:00Z"),
                web_url: None,
                assignees: vec![],
                assigned_to_me_at: None,
                escalation_policy: None,
                priority: None,
            },
        );
        let bare = convert(json!({"id": "P2", "status": "triggered",
                                  "created_at": "2024-05-01T10:00:00Z"}))
        .unwrap();
        assert_eq!(bare.title, "PagerDuty incident P2");
        assert_eq!(bare.status_changed_at, at("2024-05-01T10:00:00Z"));
    }

    #[test]
    fn assignment_to_someone_else_is_not_mine() {
        let mut value = full();
        value["assignments"] = json!([{"at": "2015-11-10T00:31:52Z",
            "assignee": {"id": "PXPGF42", "summary": "Earline Greenholt"}}]);
        let got = convert(value).unwrap();
        assert_eq!(got.assigned_to_me_at, None);
        assert!(!got.is_mine());
    }

    #[test]
    fn assignment_to_me_without_at_still_counts() {
        let mut value = full();
        value["assignments"] = json!([{"assignee": {"id": ME}}]);
        let got = convert(value).unwrap();
        assert_eq!(got.assigned_to_me_at, Some(at("2015-10-06T21:38:23Z")));
        assert_eq!(got.assignees[0].name, ME);
    }

    #[test]
    fn priority_name_when_no_summary() {
        let mut value = full();
        value["priority"] = json!({"id": "P1", "name": "SEV-1"});
        assert_eq!(convert(value).unwrap().priority.as_deref(), Some("SEV-1"));
    }

    #[test]
    fn an_html_url_that_is_not_a_web_page_gives_no_link() {
        for link in [
            "file:///etc/passwd",
            "smb://fileserver/share/payload.exe",
            r"\\fileserver\share\payload.exe",
            "search-ms:query=invoice&crumb=location:\\\\evil\\share",
            "javascript:alert(1)",
            "",
        ] {
            let mut value = full();
            value["html_url"] = json!(link);
            assert_eq!(convert(value).unwrap().web_url, None, "{link:?}");
        }
        assert_eq!(
            convert(full()).unwrap().web_url.as_deref(),
            Some("https://subdomain.pagerduty.com/incidents/PT4KHLK")
        );
    }

    /// ESC [2J, an OSC 52 clipboard write, a NUL, a right-to-left override and a C1 CSI,
    /// each of which would act on a terminal, a menu or a label instead of being shown.
    const HOSTILE: &str =
        "DB\u{1b}[2J down\u{1b}]52;c;ZXZpbA==\u{7}\u{0}\u{202E}txet\u{9b}31m\u{200F}\u{2028}!";
    const CLEANED: &str = "DB [2J down ]52;c;ZXZpbA== txet 31m !";

    #[test]
    fn service_text_is_cleaned_and_ids_are_kept() {
        let mut value = full();
        value["title"] = json!(HOSTILE);
        value["service"]["summary"] = json!(HOSTILE);
        value["escalation_policy"]["summary"] = json!(HOSTILE);
        value["priority"]["summary"] = json!(HOSTILE);
        value["teams"][0]["summary"] = json!(HOSTILE);
        value["assignments"][0]["assignee"]["summary"] = json!(HOSTILE);
        value["assignments"][0]["assignee"]["id"] = json!("P\u{202E}X");
        let got = convert(value).unwrap();
        assert_eq!(got.title, CLEANED);
        assert_eq!(got.service.as_deref(), Some(CLEANED));
        assert_eq!(got.escalation_policy.as_deref(), Some(CLEANED));
        assert_eq!(got.priority.as_deref(), Some(CLEANED));
        assert_eq!(got.teams, vec![CLEANED.to_string()]);
        assert_eq!(got.assignees[0].name, CLEANED);
        assert_eq!(
            got.assignees[0].id, "P\u{202E}X",
            "ids are sent back as they came"
        );
        assert_eq!(got.assignees[1].name, "Pat Oncall");

        // A title with nothing visible left falls back like a missing one.
        let mut value = full();
        value["title"] = json!("\u{202E}\u{0}\u{1b}");
        assert_eq!(
            convert(value).unwrap().title,
            "[#1234] The server is on fire."
        );

        let user: wire::UserEnvelope =
            serde_json::from_value(json!({"user": {"id": "PX", "name": HOSTILE}})).unwrap();
        assert_eq!(identity(user.user).unwrap().name, CLEANED);
        let page: wire::OnCallPage = serde_json::from_value(json!({"oncalls": [
            {"schedule": {"summary": HOSTILE}, "escalation_policy": {"summary": HOSTILE}}
        ]}))
        .unwrap();
        let shift = shift(page.oncalls.into_iter().next().unwrap());
        assert_eq!(shift.schedule.as_deref(), Some(CLEANED));
        assert_eq!(shift.escalation_policy.as_deref(), Some(CLEANED));
    }

    #[test]
    fn unknown_urgency_is_high() {
        let mut value = full();
        value["urgency"] = json!("medium");
        assert_eq!(convert(value).unwrap().urgency, Urgency::High);
    }

    #[test]
    fn required_fields() {
        let malformed_msg = |value: serde_json::Value| match convert(value) {
            Err(ProviderError::Malformed { message }) => message,
            other => panic!("expected Malformed, got {other:?}"),
        };
        let mut no_id = full();
        no_id.as_object_mut().unwrap().remove("id");
        assert!(malformed_msg(no_id).contains("no id"));

        let mut no_status = full();
        no_status.as_object_mut().unwrap().remove("status");
        assert!(malformed_msg(no_status).contains("PT4KHLK has no status"));

        let mut odd_status = full();
        odd_status["status"] = json!("merged");
        assert!(malformed_msg(odd_status).contains("unknown status \"merged\""));

        let no_times = json!({"id": "P9", "status": "triggered"});
        assert!(malformed_msg(no_times).contains("no timestamps"));
    }

    #[test]
    fn identity_from_users_me() {
        let user: wire::UserEnvelope = serde_json::from_value(json!({"user": {
            "id": "PXPGF42", "type": "user", "summary": "Earline Greenholt",
            "name": "Earline Greenholt", "email": "earline@example.com", "time_zone": "America/Lima"
        }}))
        .unwrap();
        assert_eq!(
            identity(user.user).unwrap(),
            Identity {
                user_id: "PXPGF42".into(),
                email: Some("earline@example.com".into()),
                name: "Earline Greenholt".into(),
            }
        );
        let no_id: wire::UserEnvelope =
            serde_json::from_value(json!({"user": {"name": "x"}})).unwrap();
        assert!(matches!(
            identity(no_id.user),
            Err(ProviderError::Malformed { .. })
        ));
    }

    #[test]
    fn on_call_shift() {
        let page: wire::OnCallPage = serde_json::from_value(json!({"oncalls": [
            {"user": {"id": "PT23IWX"},
             "schedule": {"id": "PI7DH85", "type": "schedule_reference", "summary": "Daily Engineering Rotation"},
             "escalation_policy": {"id": "PT20YPA", "summary": "Engineering Escalation Policy"},
             "escalation_level": 2, "start": "2015-03-06T15:28:51-05:00", "end": "2015-03-07T15:28:51-05:00"},
            {"escalation_policy": {"id": "PT20YPA", "summary": "Engineering Escalation Policy"},
             "schedule": null, "escalation_level": 1, "start": null, "end": null}
        ], "limit": 25, "offset": 0, "more": false, "total": null}))
        .unwrap();
        let shifts: Vec<_> = page.oncalls.into_iter().map(shift).collect();
        assert_eq!(
            shifts,
            vec![
                OnCallShift {
                    escalation_policy: Some("Engineering Escalation Policy".into()),
                    escalation_policy_id: Some("PT20YPA".into()),
                    schedule: Some("Daily Engineering Rotation".into()),
                    schedule_id: Some("PI7DH85".into()),
                    level: Some(2),
                    start: Some(at("2015-03-06T20:28:51Z")),
                    end: Some(at("2015-03-07T20:28:51Z")),
                },
                OnCallShift {
                    escalation_policy: Some("Engineering Escalation Policy".into()),
                    escalation_policy_id: Some("PT20YPA".into()),
                    schedule: None,
                    schedule_id: None,
                    level: Some(1),
                    start: None,
                    end: None,
                },
            ]
        );
    }
}
