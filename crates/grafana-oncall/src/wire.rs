//! Grafana OnCall's JSON, only the fields the client reads. Only ids and the times a
//! conversion cannot do without are required; everything else may be missing or `null`
//! (the documented examples show most fields `null` somewhere), so an alert group missing
//! a field still converts.

use chrono::{DateTime, Utc};
use oncall_model::timestamp;
use serde::Deserialize;

/// One page of a list endpoint (the reference's "Pagination": `count`, `next`,
/// `previous`, `results`).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub results: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

/// An alert group (`alertgroups.md`; the same object answers `escalation.md`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AlertGroup {
    pub id: String,
    #[serde(default)]
    pub integration_id: Option<String>,
    /// `new`/`firing`, `acknowledged`, `silenced` or `resolved`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::option::deserialize")]
    pub silenced_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub permalinks: Option<Permalinks>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Permalinks {
    /// The alert group in Grafana's web UI (documented in `escalation.md`'s answers).
    #[serde(default)]
    pub web: Option<String>,
}

/// `GET /api/v1/users/current/`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

/// One schedule of `GET /api/v1/schedules/`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Schedule {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// User ids on call now.
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub on_call_now: Vec<String>,
}

/// One shift of `GET /api/v1/schedules/{id}/final_shifts`: who is on call when, after
/// rotations, overrides and levels.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FinalShift {
    #[serde(default)]
    pub user_pk: Option<String>,
    #[serde(default)]
    pub user_username: Option<String>,
    #[serde(default)]
    pub user_email: Option<String>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub shift_start: DateTime<Utc>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub shift_end: DateTime<Utc>,
}

/// The answer of `POST /api/v1/resolution_notes/`: the note as created.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResolutionNote {
    pub id: String,
}

/// A list the API may send as `null`, read as empty.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}
