//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off in every build
//! of the app). Each runs response bodies through exactly the functions a poll or an
//! action uses (`Reply::json` into the `wire` types, `provider::add_unseen` across the
//! two state lists, `convert::incident`, the schedule views, `errors::decode_error`), so
//! the fuzzer exercises the real decoders without the crate exposing its wire types.

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use oncall_model::{AccountId, Incident, OnCallShift, ProviderError, RotaEntry, Status};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

use crate::convert::{self, Episodes};
use crate::errors;
use crate::http::Reply;
use crate::provider::add_unseen;
use crate::provider::schedules::{my_shifts_in, rota_of, Rendered};
use crate::wire::{AlertGroup, FinalShift, Page, ResolutionNote, Schedule, User};

fn reply(body: &[u8]) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: body.to_vec(),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 1, 2, 12, 0, 0).unwrap()
}

/// Pages of `GET /api/v1/alert_groups/`: the first as the `state=new` list, the rest as
/// `state=acknowledged`, merged and converted as `open_incidents` does.
pub fn alert_group_pages(pages: &[&[u8]]) -> Result<Vec<Incident>, ProviderError> {
    let mut groups = Vec::new();
    let mut seen = HashSet::new();
    for (n, body) in pages.iter().enumerate() {
        let page: Page<AlertGroup> = reply(body).json()?;
        let listed = if n == 0 {
            Status::Triggered
        } else {
            Status::Acknowledged
        };
        add_unseen(&mut groups, &mut seen, page.results, listed);
    }
    let account = AccountId::new("fuzz");
    let mut episodes = Episodes::default();
    Ok(groups
        .iter()
        .filter_map(|(g, listed)| convert::incident(&account, g, *listed, &mut episodes, now()))
        .collect())
}

/// One alert group, as `GET /api/v1/alert_groups/{id}` answers (and `escalation.md`).
pub fn alert_group(body: &[u8]) -> Result<Option<Incident>, ProviderError> {
    let group: AlertGroup = reply(body).json()?;
    Ok(convert::incident(
        &AccountId::new("fuzz"),
        &group,
        Status::Acknowledged,
        &mut Episodes::default(),
        now(),
    ))
}

/// `users/current/`'s user id, a created resolution note's id.
pub fn user_and_note(
    body: &[u8],
) -> (Result<String, ProviderError>, Result<String, ProviderError>) {
    (
        reply(body).json::<User>().map(|u| u.id),
        reply(body).json::<ResolutionNote>().map(|n| n.id),
    )
}

/// A schedule list page and a final-shifts page, turned into my shifts and the rota
/// entry of each schedule for user `U1` at 2023-01-02 12:00 UTC.
pub fn schedules(
    schedules: &[u8],
    final_shifts: &[u8],
) -> Result<(Vec<OnCallShift>, Vec<RotaEntry>), ProviderError> {
    let list: Page<Schedule> = reply(schedules).json()?;
    let shifts: Page<FinalShift> = reply(final_shifts).json()?;
    let mut mine = Vec::new();
    let mut rota = Vec::new();
    for schedule in list.results {
        let rendered = Rendered {
            schedule,
            shifts: shifts.results.clone(),
        };
        mine.extend(my_shifts_in(&rendered, "U1", now()));
        rota.extend(rota_of(&rendered, "U1", now()));
    }
    Ok((mine, rota))
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
