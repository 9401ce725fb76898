//! `GET /schedules`, `GET /schedules/{id}` and `GET /schedules/{id}/users`: schedules
//! rendered on the fake's clock for the asked time range (always in UTC: `time_zone` is
//! accepted and ignored, which PagerDuty's offsets-included timestamps allow a client to
//! cope with).

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::json::{self, Parts, Window};
use crate::query::{Paging, Query};
use crate::state::Source;
use crate::FakePagerDuty;

/// `since` defaults to two weeks before `until`, and `until` to two weeks after `since`.
const DEFAULT_SPAN_DAYS: i64 = 14;

/// `[since, until)`.
type Range = (DateTime<Utc>, DateTime<Utc>);

/// The range of `since`/`until`, `None` when neither is given.
fn asked_range(query: &Query) -> Result<Option<Range>, ApiError> {
    let (since, until) = (query.time("since")?, query.time("until")?);
    let span = Duration::days(DEFAULT_SPAN_DAYS);
    let range = match (since, until) {
        (None, None) => return Ok(None),
        (Some(since), None) => (since, since + span),
        (None, Some(until)) => (until - span, until),
        (Some(since), Some(until)) => (since, until),
    };
    if range.1 < range.0 {
        return Err(ApiError::invalid_date_range(
            "until must not be before since",
        ));
    }
    Ok(Some(range))
}

pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let includes = query.list("include[]");
    let parts = Parts {
        layers: includes.iter().any(|i| i == "schedule_layers"),
        final_schedule: includes.iter().any(|i| i == "final_schedule"),
        overrides: includes.iter().any(|i| i == "overrides_subschedule"),
    };
    let name = query.one("query").unwrap_or("").to_lowercase();
    let range = asked_range(&query)?;
    let body = fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        // Neither given is not documented: the next two weeks.
        let (since, until) = range.unwrap_or((now, now + Duration::days(DEFAULT_SPAN_DAYS)));
        let window = Window {
            since,
            until,
            overflow: false,
        };
        let mut found: Vec<_> = state
            .schedules()
            .iter()
            .filter(|s| s.name.to_lowercase().contains(&name))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let (page, more, total) = paging.apply(found);
        let items: Vec<_> = page
            .iter()
            .map(|s| json::schedule(state, s, parts, Some(window)))
            .collect();
        json::page("schedules", items, paging.limit, paging.offset, more, total)
    });
    Ok(Json(body))
}

pub(crate) async fn get_one(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let overflow = query.bool("overflow")?.unwrap_or(false);
    let window = asked_range(&query)?.map(|(since, until)| Window {
        since,
        until,
        overflow,
    });
    fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        let schedule = state.schedule(&id).ok_or_else(ApiError::not_found)?;
        let object = json::schedule(state, schedule, Parts::ALL, window);
        Ok(Json(json!({ "schedule": object })))
    })
}

/// The users on call in the range (every user of the schedule without one).
pub(crate) async fn users(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let range = asked_range(&query)?;
    fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        let schedule = state.schedule(&id).ok_or_else(ApiError::not_found)?;
        let user_ids = match range {
            None => schedule.user_ids(),
            Some((since, until)) => {
                let mut ids: Vec<String> = Vec::new();
                for entry in schedule.render(Source::Final, since, until, false) {
                    if !ids.contains(&entry.user_id) {
                        ids.push(entry.user_id);
                    }
                }
                ids
            }
        };
        let users: Vec<_> = user_ids
            .iter()
            .filter_map(|id| state.user(id))
            .map(|user| json::user(state, user))
            .collect();
        Ok(Json(json!({ "users": users })))
    })
}
