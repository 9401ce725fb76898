//! Schedule overrides: `POST`/`GET /v2/schedules/{identifier}/overrides` and
//! `GET`/`PUT`/`DELETE …/overrides/{alias}`, all with `scheduleIdentifierType`.
//!
//! Synchronous, unlike alert actions: the document lists 201/200 with the result and no
//! request to poll. Not documented, chosen here: a body without `user`, `startDate` or
//! `endDate`, an end not after the start, an unknown user or rotation, or an alias already
//! in use is a 422; a user recipient may name the user by `id` or `username`; past
//! overrides can be deleted like any other.

use std::collections::HashMap;

use axum::body::to_bytes;
use axum::extract::{Path, Query as QueryParams, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{by_name, error_body, object_body, refused, reply, rid, MAX_REQUEST_BODY};
use crate::roster::{override_json, OverrideRequest, Refusal, Roster, RotationRef};
use crate::types::OverrideTaker;
use crate::FakeOpsgenie;

type Params = HashMap<String, String>;

/// The request's JSON object body (400 "Invalid JSON body" otherwise).
async fn body(request: Request, rid: &str) -> Result<Map<String, Value>, Response> {
    let invalid = || error_body(StatusCode::BAD_REQUEST, "Invalid JSON body", rid);
    let bytes = to_bytes(request.into_body(), MAX_REQUEST_BODY)
        .await
        .map_err(|_| invalid())?;
    object_body(&bytes).map_err(|()| invalid())
}

fn date_field(body: &Map<String, Value>, name: &str) -> Result<DateTime<Utc>, Refusal> {
    body.get(name)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Refusal::Invalid(format!("{name} should be provided as a date-time")))
}

/// Reads `user`, `startDate`, `endDate` and `rotations`, resolving the user.
fn override_request(
    roster: &Roster,
    body: &Map<String, Value>,
) -> Result<OverrideRequest, Refusal> {
    let user = body
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| Refusal::Invalid("user should be provided".into()))?;
    let text = |name: &str| user.get(name).and_then(Value::as_str);
    let taker = match text("type") {
        Some("none") => OverrideTaker::Nobody,
        Some("user") => {
            let identifier = text("id")
                .or_else(|| text("username"))
                .ok_or_else(|| Refusal::Invalid("user should have an id or a username".into()))?;
            roster.taker(identifier)?
        }
        _ => {
            return Err(Refusal::Invalid(
                "user should be a user recipient or none".into(),
            ))
        }
    };
    let rotations = match body.get("rotations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| RotationRef {
                id: item.get("id").and_then(Value::as_str).map(str::to_string),
                name: item.get("name").and_then(Value::as_str).map(str::to_string),
            })
            .collect(),
        Some(_) => return Err(Refusal::Invalid("rotations should be a list".into())),
    };
    Ok(OverrideRequest {
        taker,
        start: date_field(body, "startDate")?,
        end: date_field(body, "endDate")?,
        rotations,
    })
}

/// How the override routes name the schedule in the path.
const IDENTIFIER_TYPE: &str = "scheduleIdentifierType";

pub(super) async fn create(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let by_name = match by_name(&params, IDENTIFIER_TYPE) {
        Ok(by_name) => by_name,
        Err(refusal) => return refused(&refusal, &rid),
    };
    let body = match body(request, &rid).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let alias = body
        .get("alias")
        .and_then(Value::as_str)
        .map(str::to_string);
    let created = fake.with_state(|state, _| {
        // An unknown schedule is a 404 whatever the body says.
        state.roster.schedule(&identifier, by_name)?;
        let request = override_request(&state.roster, &body)?;
        let alias = state
            .roster
            .create_override(&identifier, by_name, alias, request)?;
        Ok(json!({ "data": { "alias": alias } }))
    });
    reply(StatusCode::CREATED, created, &rid)
}

pub(super) async fn list(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let listed = by_name(&params, IDENTIFIER_TYPE).and_then(|by_name| {
        fake.with_state(|state, _| {
            let roster = &state.roster;
            let schedule = roster.schedule(&identifier, by_name)?;
            let data: Vec<Value> = schedule
                .overrides
                .iter()
                .map(|o| override_json(roster, schedule, o))
                .collect();
            Ok(json!({ "data": data }))
        })
    });
    reply(StatusCode::OK, listed, &rid(&request))
}

pub(super) async fn get_one(
    State(fake): State<FakeOpsgenie>,
    Path((identifier, alias)): Path<(String, String)>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let found = by_name(&params, IDENTIFIER_TYPE).and_then(|by_name| {
        fake.with_state(|state, _| {
            let roster = &state.roster;
            let schedule = roster.schedule(&identifier, by_name)?;
            let found = schedule.overrides.iter().find(|o| o.alias == alias);
            let data = found
                .map(|o| override_json(roster, schedule, o))
                .ok_or_else(|| {
                    Refusal::NotFound(format!(
                        "Schedule override with alias [{alias}] does not exist"
                    ))
                })?;
            Ok(json!({ "data": data }))
        })
    });
    reply(StatusCode::OK, found, &rid(&request))
}

pub(super) async fn update(
    State(fake): State<FakeOpsgenie>,
    Path((identifier, alias)): Path<(String, String)>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let by_name = match by_name(&params, IDENTIFIER_TYPE) {
        Ok(by_name) => by_name,
        Err(refusal) => return refused(&refusal, &rid),
    };
    let body = match body(request, &rid).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let updated = fake.with_state(|state, _| {
        state.roster.schedule(&identifier, by_name)?;
        let request = override_request(&state.roster, &body)?;
        state
            .roster
            .update_override(&identifier, by_name, &alias, request)?;
        Ok(json!({ "data": { "alias": alias } }))
    });
    reply(StatusCode::OK, updated, &rid)
}

pub(super) async fn delete(
    State(fake): State<FakeOpsgenie>,
    Path((identifier, alias)): Path<(String, String)>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let deleted = by_name(&params, IDENTIFIER_TYPE).and_then(|by_name| {
        fake.with_state(|state, _| state.roster.delete_override(&identifier, by_name, &alias))
            .map(|()| json!({ "result": "Deleted" }))
    });
    reply(StatusCode::OK, deleted, &rid(&request))
}
