//! Schedules, their timelines and who is on call: `GET /v2/schedules`,
//! `/v2/schedules/{identifier}`, `…/timeline`, `/v2/schedules/on-calls`, `…/on-calls` and
//! `…/next-on-calls`. Times are read on the fake's clock and rendered in UTC.

use std::collections::HashMap;

use axum::extract::{Path, Query as QueryParams, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Months, Utc};
use serde_json::{json, Value};

use super::{by_name, refused, reply, rid, success};
use crate::roster::{participant, schedule_json, schedule_meta, timeline_json, Expansions, Roster};
use crate::roster::{Refusal, Schedule};
use crate::FakeOpsgenie;

/// The longest timeline the fake renders (Opsgenie's limit is not documented).
const MAX_TIMELINE_DAYS: i64 = 366;

type Params = HashMap<String, String>;

pub(super) async fn list(
    State(fake): State<FakeOpsgenie>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let rotations = params
        .get("expand")
        .is_some_and(|e| e.split(',').any(|v| v.trim() == "rotation"));
    let data: Vec<Value> = fake.with_state(|state, _| {
        let roster = &state.roster;
        roster
            .schedules()
            .iter()
            .map(|s| schedule_json(roster, s, rotations))
            .collect()
    });
    success(
        StatusCode::OK,
        json!({ "data": data, "expandable": ["rotation"] }),
        &rid,
    )
}

pub(super) async fn get_one(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let found = by_name(&params, "identifierType").and_then(|by_name| {
        fake.with_state(|state, _| {
            let roster = &state.roster;
            let schedule = roster.schedule(&identifier, by_name)?;
            Ok(json!({ "data": schedule_json(roster, schedule, true) }))
        })
    });
    reply(StatusCode::OK, found, &rid(&request))
}

/// `date`, or now when absent.
fn date(params: &Params, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    match params.get("date") {
        None => Ok(now),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| invalid("date must be a date-time (RFC 3339)")),
    }
}

fn invalid(message: &str) -> Refusal {
    Refusal::Invalid(message.to_string())
}

/// The end of a timeline starting at `from`: `interval` (default 1) `intervalUnit`s
/// (default weeks, as the operation's description says; the schema gives none).
fn timeline_end(params: &Params, from: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let interval = match params.get("interval").map(|i| i.parse::<u32>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return Err(invalid("interval must be a positive integer")),
    };
    let end = match params.get("intervalUnit").map(String::as_str) {
        None | Some("weeks") => from.checked_add_signed(Duration::weeks(interval.into())),
        Some("days") => from.checked_add_signed(Duration::days(interval.into())),
        Some("months") => from.checked_add_months(Months::new(interval)),
        Some(_) => return Err(invalid("intervalUnit must be one of [days, weeks, months]")),
    };
    match end {
        Some(end) if end - from <= Duration::days(MAX_TIMELINE_DAYS) => Ok(end),
        _ => Err(invalid("A timeline can span at most a year")),
    }
}

pub(super) async fn timeline(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let expansions = Expansions::parse(params.get("expand").map(String::as_str));
    let rendered = (|| {
        let by_name = by_name(&params, "identifierType")?;
        let from = date(&params, fake.now())?;
        let to = timeline_end(&params, from)?;
        fake.with_state(|state, _| {
            let roster = &state.roster;
            let schedule = roster.schedule(&identifier, by_name)?;
            Ok(json!({
                "data": timeline_json(roster, schedule, from, to, expansions),
                "expandable": Expansions::EXPANDABLE,
            }))
        })
    })();
    reply(StatusCode::OK, rendered, &rid(&request))
}

/// The `flat` and `date` of an on-call question.
struct Question {
    flat: bool,
    at: DateTime<Utc>,
}

fn question(fake: &FakeOpsgenie, params: &Params) -> Result<Question, Refusal> {
    let flat = match params.get("flat").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("flat must be true or false")),
    };
    Ok(Question {
        flat,
        at: date(params, fake.now())?,
    })
}

/// Who a disabled schedule has on call: nobody.
fn enabled_only(schedule: &Schedule, users: Vec<String>) -> Vec<String> {
    if schedule.enabled {
        users
    } else {
        Vec::new()
    }
}

/// Users as `Participant` objects or, `flat`, as their usernames.
fn people(roster: &Roster, users: &[String], flat: bool) -> Value {
    if flat {
        let names: Vec<&str> = users
            .iter()
            .filter_map(|id| roster.user(id).map(|u| u.username.as_str()))
            .collect();
        json!(names)
    } else {
        json!(users
            .iter()
            .map(|id| participant(roster, id))
            .collect::<Vec<_>>())
    }
}

/// `OnCall`: `onCallParticipants` (objects) or, `flat`, `onCallRecipients` (names).
fn on_call_json(roster: &Roster, schedule: &Schedule, question: &Question) -> Value {
    let users = enabled_only(schedule, schedule.on_call_at(question.at));
    let key = if question.flat {
        "onCallRecipients"
    } else {
        "onCallParticipants"
    };
    json!({
        "_parent": schedule_meta(schedule),
        key: people(roster, &users, question.flat),
    })
}

pub(super) async fn all_on_calls(
    State(fake): State<FakeOpsgenie>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    let rid = rid(&request);
    let question = match question(&fake, &params) {
        Ok(question) => question,
        Err(refusal) => return refused(&refusal, &rid),
    };
    let data: Vec<Value> = fake.with_state(|state, _| {
        let roster = &state.roster;
        roster
            .schedules()
            .iter()
            .map(|s| on_call_json(roster, s, &question))
            .collect()
    });
    success(StatusCode::OK, json!({ "data": data }), &rid)
}

/// Answers an on-call question about the schedule the path names.
fn about_schedule(
    fake: &FakeOpsgenie,
    identifier: &str,
    params: &Params,
    request: &Request,
    respond: impl FnOnce(&Roster, &Schedule, &Question) -> Value,
) -> Response {
    let answered = (|| {
        let by_name = by_name(params, "scheduleIdentifierType")?;
        let question = question(fake, params)?;
        fake.with_state(|state, _| {
            let roster = &state.roster;
            let schedule = roster.schedule(identifier, by_name)?;
            Ok(json!({ "data": respond(roster, schedule, &question) }))
        })
    })();
    reply(StatusCode::OK, answered, &rid(request))
}

pub(super) async fn on_calls(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    about_schedule(&fake, &identifier, &params, &request, on_call_json)
}

/// `NextOnCall`. Its names swap meaning with `OnCall`'s: here the `…Recipients` are the
/// objects and the `…Participants` the flat names.
pub(super) async fn next_on_calls(
    State(fake): State<FakeOpsgenie>,
    Path(identifier): Path<String>,
    QueryParams(params): QueryParams<Params>,
    request: Request,
) -> Response {
    about_schedule(&fake, &identifier, &params, &request, |roster, s, q| {
        let next = enabled_only(s, s.next_on_call(q.at));
        let exact = enabled_only(s, s.exact_next_on_call(q.at));
        let (next_key, exact_key) = if q.flat {
            ("nextOnCallParticipants", "exactNextOnCallParticipants")
        } else {
            ("nextOnCallRecipients", "exactNextOnCallRecipients")
        };
        json!({
            "_parent": schedule_meta(s),
            next_key: people(roster, &next, q.flat),
            exact_key: people(roster, &exact, q.flat),
        })
    })
}
