//! The fake's objects in the shapes of the reference's examples (the conformance tests
//! compare every answer with them), and the pagination envelope.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::roster;
use crate::state::{ScheduleRecord, State};
use crate::types::{FakeAlertGroup, FakeResolutionNote, FakeUser};

/// Page size of every list, as the reference's examples show (`page_size: 50`).
pub const PAGE_SIZE: usize = 50;

pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn opt_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| json!(time(at)))
}

pub(crate) fn alert_group(state: &State, group: &FakeAlertGroup) -> Value {
    json!({
        "id": group.id,
        "integration_id": group.integration_id,
        "route_id": group.route_id,
        "alerts_count": 1,
        "state": group.state.as_json(),
        "created_at": time(group.created_at),
        "resolved_at": opt_time(group.resolved_at),
        "acknowledged_at": opt_time(group.acknowledged_at),
        "acknowledged_by": group.acknowledged_by,
        "resolved_by": group.resolved_by,
        "title": group.title,
        "permalinks": {
            "slack": null,
            "slack_app": null,
            "telegram": null,
            "web": format!("{}/a/grafana-oncall-app/alert-groups/{}", state.public_url, group.id),
        },
        "silenced_at": opt_time(group.silenced_at),
        "last_alert": {
            "id": group.alert_id,
            "alert_group_id": group.id,
            "created_at": time(group.created_at),
            "payload": group.payload,
        },
    })
}

pub(crate) fn user(user: &FakeUser) -> Value {
    json!({
        "id": user.id,
        "grafana_id": 1,
        "email": user.email,
        "slack": [],
        "username": user.username,
        "role": "admin",
        "timezone": "UTC",
        "teams": [],
    })
}

pub(crate) fn note(note: &FakeResolutionNote) -> Value {
    json!({
        "id": note.id,
        "alert_group_id": note.alert_group_id,
        "author": note.author,
        "source": "api",
        "created_at": time(note.created_at),
        "text": note.text,
    })
}

/// A schedule of type `calendar`: its one rotation is an on-call shift.
pub(crate) fn schedule(record: &ScheduleRecord, now: DateTime<Utc>) -> Value {
    json!({
        "id": record.id,
        "name": record.spec.name,
        "type": "calendar",
        "team_id": record.spec.team_id,
        "time_zone": "UTC",
        "on_call_now": roster::on_call_at(&record.spec, now),
        "shifts": [record.shift_id],
        "ical_url_overrides": null,
        "slack": null,
    })
}

/// The schedule's rotation as an on-call shift of type `rolling_users`.
pub(crate) fn on_call_shift(record: &ScheduleRecord) -> Value {
    let spec = &record.spec;
    let (frequency, interval) = roster::frequency(spec.turn);
    json!({
        "id": record.shift_id,
        "name": format!("{} rotation", spec.name),
        "type": "rolling_users",
        "team_id": spec.team_id,
        "time_zone": "UTC",
        "level": 0,
        "start": spec.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
        "duration": spec.turn.num_seconds(),
        "frequency": frequency,
        "interval": interval,
        "week_start": "MO",
        "by_day": null,
        "by_month": null,
        "by_monthday": null,
        "users": spec.people,
        "rolling_users": spec.people.iter().map(|p| vec![p]).collect::<Vec<_>>(),
        "start_rotation_from_user_index": 0,
    })
}

pub(crate) fn final_shift(
    user: Option<&FakeUser>,
    id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Value {
    json!({
        "user_pk": id,
        "user_email": user.map(|u| u.email.as_str()),
        "user_username": user.map(|u| u.username.as_str()),
        "shift_start": start.to_rfc3339_opts(SecondsFormat::Secs, true),
        "shift_end": end.to_rfc3339_opts(SecondsFormat::Secs, true),
    })
}

/// Page `page` (1-based) of `items`, with absolute `next`/`previous` links on
/// `public_url`: the same path and query, `page` replaced.
pub(crate) fn page(
    items: Vec<Value>,
    page: usize,
    public_url: &str,
    path: &str,
    query: &[(String, String)],
) -> Value {
    let count = items.len();
    let total_pages = count.div_ceil(PAGE_SIZE).max(1);
    let link = |n: usize| {
        let mut url = url::Url::parse(&format!("{public_url}{path}")).expect("the fake's own URL");
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query.iter().filter(|(k, _)| k != "page") {
                pairs.append_pair(k, v);
            }
            pairs.append_pair("page", &n.to_string());
        }
        json!(url.to_string())
    };
    let results: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    json!({
        "count": count,
        "next": if page < total_pages { link(page + 1) } else { Value::Null },
        "previous": if page > 1 { link(page - 1) } else { Value::Null },
        "results": results,
        "current_page_number": page,
        "page_size": PAGE_SIZE,
        "total_pages": total_pages,
    })
}
