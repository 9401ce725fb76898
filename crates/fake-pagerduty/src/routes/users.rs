//! `GET /users/me`, the user the API token belongs to, and `GET /users`, the account's
//! users whose name or email contains `query`, by name.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::query::{Paging, Query};
use crate::routes::auth::Me;
use crate::{json, FakePagerDuty};

pub(crate) async fn me(
    State(fake): State<FakePagerDuty>,
    Extension(me): Extension<Me>,
) -> Response {
    let user =
        fake.with_state(|state, _| state.user(&me.user_id).map(|user| json::user(state, user)));
    match user {
        Some(user) => Json(json!({ "user": user })).into_response(),
        None => ApiError::not_found().into_response(),
    }
}

pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let wanted = query.one("query").unwrap_or("").to_string();
    let body = fake.with_state(|state, _| {
        let found = state.users_matching(&wanted);
        let (page, more, total) = paging.apply(found);
        let items: Vec<_> = page.iter().map(|u| json::user(state, u)).collect();
        json::page("users", items, paging.limit, paging.offset, more, total)
    });
    Ok(Json(body))
}
