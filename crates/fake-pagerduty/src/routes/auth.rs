//! REST authentication and rate limiting, and the `From` header the write operations need.
//!
//! The budget is counted per presented token (valid or not) before the token is checked,
//! as a gateway in front of the API would, so every REST response (401 included) carries
//! the `ratelimit-*` headers PagerDuty documents.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::ratelimit::Quota;
use crate::FakePagerDuty;

/// The user the request's API token belongs to.
#[derive(Clone, Debug)]
pub(crate) struct Me {
    pub(crate) user_id: String,
}

/// The token of `Authorization: Token token=<t>` or `Authorization: Bearer <t>`.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let token = value
        .strip_prefix("Token token=")
        .or_else(|| value.strip_prefix("Bearer "))?
        .trim();
    (!token.is_empty()).then_some(token)
}

pub(crate) async fn authenticate(
    State(fake): State<FakePagerDuty>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = presented_token(request.headers()).unwrap_or("").to_string();
    let now = fake.now();
    let (quota, mut response) = match fake.count_request(&token, now) {
        Err(quota) => (quota, ApiError::rate_limited().into_response()),
        Ok(quota) => {
            let user =
                fake.with_state(|state, _| state.user_by_token(&token).map(|u| u.id.clone()));
            let response = match user {
                Some(user_id) if !token.is_empty() => {
                    request.extensions_mut().insert(Me { user_id });
                    next.run(request).await
                }
                _ => ApiError::authentication_failed().into_response(),
            };
            (quota, response)
        }
    };
    add_quota_headers(response.headers_mut(), quota);
    response
}

fn add_quota_headers(headers: &mut HeaderMap, quota: Quota) {
    headers.insert("ratelimit-limit", HeaderValue::from(quota.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(quota.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(quota.reset_secs));
}

/// The user named by the `From` header, which PagerDuty requires on incident writes.
pub(crate) fn requester(fake: &FakePagerDuty, headers: &HeaderMap) -> Result<String, ApiError> {
    let email = headers
        .get(header::FROM)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::requester_not_found)?;
    fake.with_state(|state, _| state.user_by_email(email).map(|u| u.id.clone()))
        .ok_or_else(ApiError::requester_not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_documented_authorization_forms_are_read() {
        let mut headers = HeaderMap::new();
        for (value, expected) in [
            ("Token token=abc", Some("abc")),
            ("Bearer xyz", Some("xyz")),
            ("Token abc", None),
            ("Bearer ", None),
            ("Basic abc", None),
        ] {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(presented_token(&headers), expected, "{value}");
        }
    }
}
