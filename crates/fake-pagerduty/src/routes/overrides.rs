//! `POST`, `GET /schedules/{id}/overrides` and `DELETE /schedules/{id}/overrides/{override_id}`.
//!
//! As documented: creation answers 201 with a top-level array holding each override's own
//! `status` (201, or 400 with `errors`, e.g. "Override must end after its start"), so one
//! request can partly succeed; listing answers 201 (sic); deleting answers 204, or 200
//! when an override under way was cut at now instead. Not documented, chosen here: an
//! unknown user is a per-item 400 "User not found"; a body that is not
//! `{"overrides":[…]}` with `start`, `end` and `user.id` in every item is a 400 (2001) for
//! the whole request; deleting a past override is a 400 (2001) "You cannot remove a past
//! override" (the operation lists no 400). No `From` header is needed.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::json;
use crate::query::Query;
use crate::state::Removal;
use crate::FakePagerDuty;

#[derive(Deserialize)]
struct CreateBody {
    overrides: Vec<NewOverride>,
}

#[derive(Deserialize)]
struct NewOverride {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    user: UserRef,
}

#[derive(Deserialize)]
struct UserRef {
    id: String,
}

pub(crate) async fn create(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: CreateBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_input(format!(
            "expected {{\"overrides\":[{{start, end, user}}]}}: {e}"
        ))
    })?;
    if body.overrides.is_empty() {
        return Err(ApiError::invalid_input("overrides must not be empty"));
    }
    let results = fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        if state.schedule(&id).is_none() {
            return Err(ApiError::not_found());
        }
        let results: Vec<Value> = body
            .overrides
            .iter()
            .map(|o| {
                let user = o.user.id.as_str();
                let outcome = if o.end <= o.start {
                    Err("Override must end after its start".to_string())
                } else if state.user(user).is_none() {
                    Err("User not found".to_string())
                } else {
                    state
                        .add_override(&id, user, o.start, o.end)
                        .map_err(|e| e.errors.join("; "))
                };
                match outcome {
                    Ok(created) => json!({
                        "status": 201,
                        "override": json::override_object(state, Some(&created), user, o.start, o.end),
                    }),
                    Err(error) => json!({
                        "status": 400,
                        "errors": [error],
                        "override": json::override_object(state, None, user, o.start, o.end),
                    }),
                }
            })
            .collect();
        Ok(results)
    })?;
    Ok((StatusCode::CREATED, Json(results)).into_response())
}

/// Overrides overlapping `[since, until)`, cut at the bounds unless `overflow=true`;
/// `editable=true` keeps only future ones (sent whole, though PagerDuty says it then sends
/// only ids, since `Override` requires `start`, `end` and `user`).
pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let (Some(since), Some(until)) = (query.time("since")?, query.time("until")?) else {
        return Err(ApiError::invalid_input("since and until are required"));
    };
    if until < since {
        return Err(ApiError::invalid_date_range(
            "until must not be before since",
        ));
    }
    let overflow = query.bool("overflow")?.unwrap_or(false);
    let editable = query.bool("editable")?.unwrap_or(false);
    let overrides = fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        let schedule = state.schedule(&id).ok_or_else(ApiError::not_found)?;
        let items: Vec<_> = schedule
            .overrides
            .iter()
            .filter(|o| o.start < until && o.end > since)
            .filter(|o| !editable || o.start > now)
            .map(|o| {
                let (start, end) = if overflow {
                    (o.start, o.end)
                } else {
                    (o.start.max(since), o.end.min(until))
                };
                json::override_object(state, Some(&o.id), &o.user_id, start, end)
            })
            .collect();
        Ok(items)
    })?;
    Ok((StatusCode::CREATED, Json(json!({ "overrides": overrides }))).into_response())
}

pub(crate) async fn delete(
    State(fake): State<FakePagerDuty>,
    Path((id, override_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let removal = fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        state.remove_override(&id, &override_id, now)
    })?;
    Ok(match removal {
        Removal::Deleted => StatusCode::NO_CONTENT,
        Removal::Truncated => StatusCode::OK,
    })
}
