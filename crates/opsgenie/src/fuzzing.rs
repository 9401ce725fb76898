//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app). Each runs response bodies through exactly the functions a poll or an
//! action uses (`Reply::json` into the `wire` types, `provider::add_unseen` across pages,
//! `convert::incident`, or `errors::decode_error`), so the fuzzer exercises the real
//! decoder without the crate exposing its wire types.

use std::collections::HashSet;

use oncall_model::{AccountId, Incident, ProviderError};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::convert::{self, Episodes};
use crate::errors;
use crate::http::Reply;
use crate::provider::add_unseen;
use crate::wire::{Accepted, ListAlertsResponse, RequestStatusResponse};

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// Pages of `GET /v2/alerts`, decoded, merged and converted as `open_incidents` does.
pub fn alert_pages(pages: &[&[u8]]) -> Result<Vec<Incident>, ProviderError> {
    let mut alerts = Vec::new();
    let mut seen = HashSet::new();
    for body in pages {
        let page: ListAlertsResponse = reply(body).json()?;
        add_unseen(&mut alerts, &mut seen, page.data);
    }
    let account = AccountId::new("fuzz");
    let high = ["P1".to_owned(), "P2".to_owned()];
    let mut episodes = Episodes::default();
    Ok(alerts
        .iter()
        .filter_map(|alert| convert::incident(&account, alert, &high, &mut episodes))
        .collect())
}

/// The 202 answer of an action and `GET /v2/alerts/requests/{id}`: the request id, and
/// whether the request succeeded (`None` while Opsgenie is still processing it).
pub fn action_answers(
    body: &[u8],
) -> (
    Result<String, ProviderError>,
    Result<Option<bool>, ProviderError>,
) {
    (
        reply(body).json::<Accepted>().map(|a| a.request_id),
        reply(body)
            .json::<RequestStatusResponse>()
            .map(|s| s.data.succeeded()),
    )
}

/// A non-success answer: the body, and the same text as the headers that steer the
/// decoding (`Location`, `Retry-After`) when it fits in a header.
pub fn error_answer(status: u16, body: &[u8]) -> ProviderError {
    let mut headers = HeaderMap::new();
    if let Some(value) = std::str::from_utf8(body)
        .ok()
        .and_then(|text| HeaderValue::from_str(text).ok())
    {
        headers.insert(reqwest::header::LOCATION, value.clone());
        headers.insert(reqwest::header::RETRY_AFTER, value);
    }
    errors::decode_error(status, &headers, body)
}
