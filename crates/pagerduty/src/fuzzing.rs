//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app). Each runs a response body through exactly the functions a poll or an
//! action uses (`Reply::json` into the `wire` types, then `convert`, or
//! `errors::decode_error`), so the fuzzer exercises the real decoder without the crate
//! exposing its wire types.

use chrono::{TimeZone, Utc};
use oncall_model::{AccountId, Identity, Incident, OnCallShift, ProviderError};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::client::Reply;
use crate::{convert, errors, wire};

/// The user id the decoded incidents are compared with for `assigned_to_me_at`.
pub const ME: &str = "PME0001";

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// A `GET /incidents` page, decoded and converted as `open_incidents` does.
pub fn incidents_page(body: &[u8]) -> Result<Vec<Incident>, ProviderError> {
    let page: wire::IncidentPage = reply(body).json()?;
    let account = AccountId::new("fuzz");
    page.incidents
        .into_iter()
        .map(|wire| convert::incident(&account, ME, wire))
        .collect()
}

/// A `GET /users/me` answer, decoded as `identify` does.
pub fn users_me(body: &[u8]) -> Result<Identity, ProviderError> {
    let envelope: wire::UserEnvelope = reply(body).json()?;
    convert::identity(envelope.user)
}

/// A `GET /oncalls` page, decoded as `on_calls` does.
pub fn oncalls_page(body: &[u8]) -> Result<Vec<OnCallShift>, ProviderError> {
    let page: wire::OnCallPage = reply(body).json()?;
    Ok(page.oncalls.into_iter().map(convert::shift).collect())
}

/// A non-success answer: the body, and the same text as the headers that steer the
/// decoding (`Location`, `ratelimit-reset`, `Retry-After`) when it fits in a header.
pub fn error_answer(status: u16, body: &[u8]) -> ProviderError {
    let mut headers = HeaderMap::new();
    if let Some(value) = std::str::from_utf8(body)
        .ok()
        .and_then(|text| HeaderValue::from_str(text).ok())
    {
        headers.insert(reqwest::header::LOCATION, value.clone());
        headers.insert("ratelimit-reset", value.clone());
        headers.insert(reqwest::header::RETRY_AFTER, value);
    }
    let now = Utc.with_ymd_and_hms(2025, 3, 9, 12, 0, 0).unwrap();
    errors::decode_error(status, &headers, body, now)
}
