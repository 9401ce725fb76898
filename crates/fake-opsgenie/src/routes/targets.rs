//! `GET /v2/escalations` and `GET /v2/teams`: every escalation and every team of the
//! account (`ListEscalationsResponse`, `ListTeamsResponse`; the document gives neither
//! list parameters or paging). The fake models no escalation rules and no team members.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::{rid, success};
use crate::FakeOpsgenie;

pub(super) async fn escalations(State(fake): State<FakeOpsgenie>, request: Request) -> Response {
    let data: Vec<Value> = fake
        .escalations()
        .iter()
        .map(|e| json!({ "id": e.id, "name": e.name, "description": e.description, "rules": [] }))
        .collect();
    success(StatusCode::OK, json!({ "data": data }), &rid(&request))
}

pub(super) async fn teams(State(fake): State<FakeOpsgenie>, request: Request) -> Response {
    let data: Vec<Value> = fake
        .teams()
        .iter()
        .map(|t| json!({ "id": t.id, "name": t.name, "description": t.description }))
        .collect();
    success(
        StatusCode::OK,
        json!({ "data": data, "expandable": ["member"] }),
        &rid(&request),
    )
}
