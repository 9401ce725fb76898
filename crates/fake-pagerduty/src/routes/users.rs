//! `GET /users/me`: the user the API token belongs to.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::error::ApiError;
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
