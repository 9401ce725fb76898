//! `GET /v2/users` (searched with `query`), `GET /v2/users/{identifier}` and
//! `GET /v2/users/{identifier}/schedules`: users, a user by id or username, and the
//! schedules they take turns in or hold an override of.

use std::collections::HashMap;

use axum::extract::{Path, Query as QueryParams, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::{error_body, rid, success, unprocessable};
use crate::roster::{schedule_meta, user_json};
use crate::types::FakeUser;
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

/// `GET /v2/users`: the users `query` selects (see [`matches`]), `offset` and `limit`
/// (default 100) applied, sorted by `sortField` (`username`, `fullName`, else the order
/// they were added) and `order`.
pub(super) async fn list(
    State(fake): State<FakeOpsgenie>,
    QueryParams(params): QueryParams<HashMap<String, String>>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let number = |key: &str, default: usize| match params.get(key) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| key.to_string()),
    };
    let (limit, offset) = match (number("limit", 100), number("offset", 0)) {
        (Ok(limit), Ok(offset)) if limit > 0 => (limit, offset),
        _ => return unprocessable("limit and offset must be non-negative integers", &rid),
    };
    let descending = match params.get("order").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return unprocessable("order must be one of [asc, desc]", &rid),
    };
    let query = params.get("query").map(String::as_str).unwrap_or("");
    let mut users: Vec<FakeUser> = fake.with_state(|state, _| {
        state
            .roster
            .users()
            .iter()
            .filter(|u| matches(u, query))
            .cloned()
            .collect()
    });
    match params.get("sortField").map(String::as_str) {
        Some("username") => users.sort_by(|a, b| a.username.cmp(&b.username)),
        Some("fullName") => users.sort_by(|a, b| a.full_name.cmp(&b.full_name)),
        _ => {}
    }
    if descending {
        users.reverse();
    }
    let total = users.len();
    let data: Vec<Value> = users
        .iter()
        .skip(offset)
        .take(limit)
        .map(user_json)
        .collect();
    success(
        StatusCode::OK,
        json!({ "data": data, "totalCount": total }),
        &rid,
    )
}

/// The fake's subset of the user query: whitespace-separated terms, all of which must
/// hold; `username:x` and `fullName:x` match when the field contains `x`, a bare term
/// when either does (ignoring case). Other fields are not modelled and match everyone.
fn matches(user: &FakeUser, query: &str) -> bool {
    let contains = |field: &str, value: &str| field.to_lowercase().contains(&value.to_lowercase());
    query
        .split_whitespace()
        .filter(|term| !term.eq_ignore_ascii_case("and"))
        .all(|term| match term.split_once(':') {
            Some(("username", value)) => contains(&user.username, value),
            Some(("fullName", value)) => contains(&user.full_name, value),
            Some(_) => true,
            None => contains(&user.username, term) || contains(&user.full_name, term),
        })
}
