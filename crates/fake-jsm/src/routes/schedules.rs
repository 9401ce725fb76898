//! The schedule routes, and the Jira platform's `myself` (who the credential is).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{bad_request, error_body, unknown_cloud, SignedIn};
use crate::roster::Roster;
use crate::types::FakeOverride;
use crate::FakeJsm;

/// `GET /ex/jira/{cloudId}/rest/api/3/myself`: the signed-in user.
pub(super) async fn myself(
    Path(cloud_id): Path<String>,
    Extension(SignedIn(user)): Extension<SignedIn>,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    Json(json!({
        "accountId": user.account_id,
        "accountType": "atlassian",
        "emailAddress": user.email,
        "displayName": user.display_name,
        "active": true,
        "timeZone": "UTC",
    }))
    .into_response()
}

/// `GET …/v1/schedules`: every schedule, one page.
pub(super) async fn list(State(fake): State<FakeJsm>, Path(cloud_id): Path<String>) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let values: Vec<Value> =
        fake.with_state(|state, _| state.roster.schedules.iter().map(Roster::summary).collect());
    Json(json!({ "values": values, "links": {} })).into_response()
}

fn not_found() -> Response {
    error_body(StatusCode::NOT_FOUND, "Schedule not found")
}

/// The date-time `key` names (`Ok(None)` without one); `Err` with the reason.
fn date(params: &HashMap<String, String>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match params.get(key) {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| format!("{key} must be a date-time")),
    }
}

/// `GET …/v1/schedules/{id}/timeline` (`date`, `interval`, `intervalUnit`
/// days|weeks|months; one week from now by default).
pub(super) async fn timeline(
    State(fake): State<FakeJsm>,
    Path((cloud_id, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let interval: i64 = match params.get("interval").map(|i| i.parse()) {
        None => 1,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return bad_request("interval must be a positive integer"),
    };
    let length = match params.get("intervalUnit").map(String::as_str) {
        None | Some("weeks") => Duration::weeks(interval),
        Some("days") => Duration::days(interval),
        Some("months") => Duration::days(30 * interval),
        Some(_) => return bad_request("intervalUnit must be one of days, weeks, months"),
    };
    let from = match date(&params, "date") {
        Ok(from) => from,
        Err(message) => return bad_request(&message),
    };
    fake.with_state(|state, now| {
        let Some(schedule) = state.roster.schedule(&id) else {
            return not_found();
        };
        let from = from.unwrap_or(now);
        Json(schedule.timeline(from, from + length)).into_response()
    })
}

/// `GET …/v1/schedules/{id}/on-calls` (`date`, now by default; `flat`).
pub(super) async fn on_calls(
    State(fake): State<FakeJsm>,
    Path((cloud_id, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let at = match date(&params, "date") {
        Ok(at) => at,
        Err(message) => return bad_request(&message),
    };
    let flat = params.get("flat").map(String::as_str) == Some("true");
    fake.with_state(|state, now| {
        let Some(schedule) = state.roster.schedule(&id) else {
            return not_found();
        };
        let people = schedule.on_call_at(at.unwrap_or(now));
        if flat {
            return Json(json!({ "onCallUsers": people })).into_response();
        }
        let participants: Vec<Value> = people
            .iter()
            .map(|p| json!({"id": p, "type": "user"}))
            .collect();
        Json(json!({ "onCallParticipants": participants })).into_response()
    })
}

/// `POST …/v1/schedules/{id}/overrides`: a user (`responder`) on call from `startDate`
/// to `endDate` in every rotation; 201 with the override.
pub(super) async fn create_override(
    State(fake): State<FakeJsm>,
    Path((cloud_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Some(response) = unknown_cloud(&cloud_id) {
        return response;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("The request body must be JSON");
    };
    let time = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(start), Some(end)) = (time("startDate"), time("endDate")) else {
        return bad_request("startDate and endDate are required date-times");
    };
    if end <= start {
        return bad_request("endDate must be after startDate");
    }
    let responder = body.get("responder");
    let user_id = responder
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("user"))
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(user_id) = user_id else {
        return bad_request("responder must be a user with an id");
    };
    fake.with_state(|state, _| {
        if state.user_by_id(&user_id).is_none() {
            return bad_request("The responder does not exist");
        }
        let alias = state.new_id("ovr");
        let Some(schedule) = state.roster.schedule_mut(&id) else {
            return not_found();
        };
        let rotation_ids: Vec<String> = schedule.rotations.iter().map(|r| r.id.clone()).collect();
        schedule.overrides.push(FakeOverride {
            alias: alias.clone(),
            account_id: user_id.clone(),
            start,
            end,
        });
        let ts = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
        (
            StatusCode::CREATED,
            Json(json!({
                "alias": alias,
                "responder": {"type": "user", "id": user_id},
                "startDate": ts(start),
                "endDate": ts(end),
                "rotationIds": rotation_ids,
            })),
        )
            .into_response()
    })
}
