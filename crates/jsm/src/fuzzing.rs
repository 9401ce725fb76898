//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app), and for the tests that decode the reference's documented examples. Each
//! runs response bodies through exactly the functions a poll or an action uses
//! (`Reply::json` into the `wire` types, `list::add_unseen` across pages,
//! `convert::incident`, the schedule views, or `errors::decode_error`), so the crate
//! exposes no wire type.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use oncall_model::{AccountId, Incident, OnCallShift, ProviderError, RotaEntry};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use url::Url;

use crate::convert::{self, Episodes};
use crate::errors;
use crate::http::Reply;
use crate::provider::list::add_unseen;
use crate::provider::schedules;
use crate::wire::{self, Accepted, Alert, Page, RequestStatus};

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

/// Pages of `GET …/v1/alerts`, decoded, merged and converted as `open_incidents` does
/// (site `https://acme.atlassian.net/`, P1/P2 high).
pub fn alert_pages(pages: &[&[u8]]) -> Result<Vec<Incident>, ProviderError> {
    let mut alerts = Vec::new();
    let mut seen = HashSet::new();
    for body in pages {
        let page: Page<Alert> = reply(body).json()?;
        add_unseen(&mut alerts, &mut seen, page.values);
    }
    let account = AccountId::new("fuzz");
    let site = Url::parse("https://acme.atlassian.net/").expect("a URL");
    let high = ["P1".to_owned(), "P2".to_owned()];
    let mut episodes = Episodes::default();
    Ok(alerts
        .iter()
        .filter_map(|alert| convert::incident(&account, &site, alert, &high, &mut episodes))
        .collect())
}

/// The 202 answer of an action and `GET …/v1/alerts/requests/{id}`: the request id, and
/// whether the request succeeded (`None` while JSM is still processing it).
pub fn action_answers(
    body: &[u8],
) -> (
    Result<String, ProviderError>,
    Result<Option<bool>, ProviderError>,
) {
    (
        reply(body).json::<Accepted>().map(|a| a.request_id),
        reply(body).json::<RequestStatus>().map(|s| s.is_success),
    )
}

/// `GET https://{site}/_edge/tenant_info`: the cloud id.
pub fn tenant_info(body: &[u8]) -> Result<Option<String>, ProviderError> {
    reply(body).json::<wire::TenantInfo>().map(|t| t.cloud_id)
}

/// `GET …/v1/schedules`: the schedules' ids and the next link.
pub fn schedule_list(body: &[u8]) -> Result<(Vec<Option<String>>, Option<String>), ProviderError> {
    let page: Page<wire::Schedule> = reply(body).json()?;
    let next = page.next().map(str::to_owned);
    Ok((page.values.into_iter().map(|s| s.id).collect(), next))
}

/// `GET …/v1/schedules/{id}/timeline` as `on_calls` and `rota` read it, for a user whose
/// account id is `u-me`, at 2024-05-01T09:00:00Z (returned with them).
#[allow(clippy::type_complexity)]
pub fn timeline(
    body: &[u8],
) -> Result<(Vec<OnCallShift>, RotaEntry, DateTime<Utc>), ProviderError> {
    let timeline: wire::ScheduleTimeline = reply(body).json()?;
    let now = DateTime::from_timestamp(1_714_554_000, 0).expect("a time");
    let (shifts, rota) = schedules::timeline_views(timeline, now);
    Ok((shifts, rota, now))
}

/// The created override's alias, and `myself`'s account id.
pub fn override_and_myself(
    body: &[u8],
) -> (
    Result<Option<String>, ProviderError>,
    Result<Option<String>, ProviderError>,
) {
    (
        reply(body).json::<wire::OverrideCreated>().map(|o| o.alias),
        reply(body).json::<wire::Myself>().map(|m| m.account_id),
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
