//! What the PagerDuty client's suites (the fake's, the scripted server's, the hostile
//! server's) start from: the account config and a few pieces of PagerDuty's wire format.

#[cfg(feature = "pagerduty")]
use oncall_pagerduty::{Credential, PagerDutyConfig, SecretString};

use crate::scripted::{Canned, Seen};

/// The fake PagerDuty's token for its seeded user Pat.
pub const PAT_TOKEN: &str = "fake-token-pat";

#[cfg(feature = "pagerduty")]
pub fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

/// The account config every test starts from, for the service at `url`.
#[cfg(feature = "pagerduty")]
pub fn config(url: &str, credential: Credential) -> PagerDutyConfig {
    let mut config = PagerDutyConfig::new(
        oncall_model::AccountId::new("work"),
        url.parse().unwrap(),
        credential,
    );
    // Generous for a loopback server on a busy 2-core machine, short enough to fail fast.
    config.request_timeout = std::time::Duration::from_secs(10);
    config
}

/// A minimal open incident as PagerDuty lists it.
pub fn incident(n: u64) -> serde_json::Value {
    serde_json::json!({
        "id": format!("PINC{n:04}"), "type": "incident", "incident_number": n,
        "title": format!("incident {n}"), "status": "triggered", "urgency": "high",
        "created_at": "2024-05-01T09:00:00Z", "last_status_change_at": "2024-05-01T09:00:00Z",
        "assignments": [{"at": "2024-05-01T09:00:00Z", "assignee": {"id": "PME", "summary": "Me"}}]
    })
}

/// `GET /users/me` of the scripted server's user.
pub fn me() -> Canned {
    Canned::json(
        serde_json::json!({"user": {"id": "PME", "name": "Me", "email": "me@example.com"}}),
    )
}

/// The `offset` query parameter of a list request.
pub fn offset_of(seen: &Seen) -> u64 {
    let query = seen.target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "offset")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}
