//! `GET /v2/users/{identifier}` and `GET /v2/users/{identifier}/schedules`: a user by id
//! or username, and the schedules they take turns in or hold an override of.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::{error_body, rid, success};
use crate::roster::{schedule_meta, user_json};
use crate::FakeOpsgenie;

fn no_such_user(identifier: &str, rid: &str) -> Response {
    error_body(
        StatusCode::NOT_FOUND,
        &format!("No user exists with identifier [{identifier}]"),
        rid,
    )
}

/// `expand=contact` is accepted and changes nothing: the fake keeps no contacts.
pub(super) async fn get_one(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    match fake.with_state(|state, _| state.roster.user(&identifier).map(user_json)) {
        Some(user) => success(
            StatusCode::OK,
            json!({ "data": user, "expandable": ["contact"] }),
            &rid,
        ),
        None => no_such_user(&identifier, &rid),
    }
}

pub(super) async fn schedules(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let found: Option<Vec<Value>> = fake.with_state(|state, _| {
        let roster = &state.roster;
        let user = roster.user(&identifier)?;
        Some(
            roster
                .schedules_of(&user.id)
                .into_iter()
                .map(schedule_meta)
                .collect(),
        )
    });
    match found {
        Some(data) => success(StatusCode::OK, json!({ "data": data }), &rid),
        None => no_such_user(&identifier, &rid),
    }
}
