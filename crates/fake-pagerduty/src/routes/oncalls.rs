//! `GET /oncalls`: who is on call for which escalation policy level, and from when to when.

use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::Duration;
use serde_json::Value;

use crate::error::ApiError;
use crate::query::{Paging, Query};
use crate::state::OnCallFilter;
use crate::{json, FakePagerDuty};

/// PagerDuty looks at most 90 days ahead.
const MAX_AHEAD_DAYS: i64 = 90;

pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let since = query.time("since")?;
    let until = query.time("until")?;
    let earliest = query.bool("earliest")?.unwrap_or(false);
    let user_ids = query.list("user_ids[]");
    let escalation_policy_ids = query.list("escalation_policy_ids[]");
    let schedule_ids = query.list("schedule_ids[]");
    let body = fake.with_state(|state, now| {
        let since = since.unwrap_or(now);
        let until = until.unwrap_or(now);
        if until < since {
            return Err(ApiError::invalid_date_range(
                "until must not be before since",
            ));
        }
        let filter = OnCallFilter {
            user_ids,
            escalation_policy_ids,
            schedule_ids,
            since,
            until: until.min(now + Duration::days(MAX_AHEAD_DAYS)),
            earliest,
        };
        let rows = state.oncalls(&filter, now);
        let (page, more, total) = paging.apply(rows);
        let items: Vec<_> = page.iter().map(|row| json::oncall(state, row)).collect();
        Ok(json::page(
            "oncalls",
            items,
            paging.limit,
            paging.offset,
            more,
            total,
        ))
    })?;
    Ok(Json(body))
}
