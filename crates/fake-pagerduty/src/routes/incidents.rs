//! The incident operations: list (`GET /incidents`), show (`GET /incidents/{id}`), bulk
//! and single update (`PUT /incidents`, `PUT /incidents/{id}`) and snooze
//! (`POST /incidents/{id}/snooze`).
//!
//! Handlers only translate: query and body in, `State` call, wire JSON out. Malformed input
//! gets PagerDuty's 400 (code 2001) rather than axum's plain-text rejections, which is why
//! bodies are taken as bytes and parsed here.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Duration;
use oncall_model::{Status, Urgency};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::query::{Paging, Query};
use crate::routes::auth::requester;
use crate::state::{Agent, IncidentFilter, IncidentUpdate, SortField};
use crate::{json, FakePagerDuty};

/// PagerDuty's cap on `PUT /incidents`.
const MAX_BULK: usize = 250;
/// The default and the maximum width of the `created_at` window (1 and 6 months).
const DEFAULT_RANGE_DAYS: i64 = 30;
const MAX_RANGE_DAYS: i64 = 183;

pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let mut filter = IncidentFilter {
        statuses: parse_each(&query.list("statuses[]"), parse_status)?,
        urgencies: parse_each(&query.list("urgencies[]"), parse_urgency)?,
        user_ids: query.list("user_ids[]"),
        team_ids: query.list("team_ids[]"),
        service_ids: query.list("service_ids[]"),
        incident_key: query.one("incident_key").map(str::to_string),
        created_between: None,
        sort: parse_sort(query.one("sort_by"))?,
    };
    let all_time = match query.one("date_range") {
        None => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::invalid_input(format!(
                "date_range must be \"all\", not {other:?}"
            )))
        }
    };
    let since = query.time("since")?;
    let until = query.time("until")?;
    let body = fake.with_state(|state, now| {
        if !all_time {
            let until = until.unwrap_or(now);
            let since = since.unwrap_or(until - Duration::days(DEFAULT_RANGE_DAYS));
            if since > until {
                return Err(ApiError::invalid_date_range(
                    "since must not be after until",
                ));
            }
            if until - since > Duration::days(MAX_RANGE_DAYS) {
                return Err(ApiError::invalid_date_range(
                    "the range may span at most 6 months; use date_range=all",
                ));
            }
            filter.created_between = Some((since, until));
        }
        let found = state.list_incidents(&filter);
        let (page, more, total) = paging.apply(found);
        let items: Vec<_> = page.iter().map(|i| json::incident(state, i)).collect();
        Ok(json::page(
            "incidents",
            items,
            paging.limit,
            paging.offset,
            more,
            total,
        ))
    })?;
    Ok(Json(body))
}

pub(crate) async fn get_one(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    fake.with_state(|state, _| {
        state
            .incident_by_id_or_number(&id)
            .map(|incident| Json(json!({ "incident": json::incident(state, incident) })))
            .ok_or_else(ApiError::not_found)
    })
}

pub(crate) async fn update_many(
    State(fake): State<FakePagerDuty>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let by = requester(&fake, &headers)?;
    let body = parse_body(&headers, &body)?;
    let items = body
        .get("incidents")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid_input("incidents must be an array"))?;
    if items.len() > MAX_BULK {
        return Err(ApiError::too_large(format!(
            "At most {MAX_BULK} incidents can be updated at once; got {}",
            items.len()
        )));
    }
    let updates = items
        .iter()
        .map(|item| {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid_input("every incident needs a string id"))?;
            parse_update(id, item)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = fake.with_state(|state, now| {
        state.update_incidents(&updates, &Agent::User(by), now)?;
        let items: Vec<_> = updates
            .iter()
            .filter_map(|u| state.incident(&u.id))
            .map(|i| json::incident(state, i))
            .collect();
        let count = items.len() as u64;
        Ok::<_, ApiError>(json::page("incidents", items, count, 0, false, None))
    })?;
    Ok(Json(body))
}

pub(crate) async fn update_one(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let by = requester(&fake, &headers)?;
    let body = parse_body(&headers, &body)?;
    let item = body
        .get("incident")
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::invalid_input("incident must be an object"))?;
    let update = parse_update(&id, item)?;
    fake.with_state(|state, now| {
        state.update_incidents(std::slice::from_ref(&update), &Agent::User(by), now)?;
        state
            .incident(&id)
            .map(|incident| Json(json!({ "incident": json::incident(state, incident) })))
            .ok_or_else(ApiError::not_found)
    })
}

pub(crate) async fn snooze(
    State(fake): State<FakePagerDuty>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = requester(&fake, &headers)?;
    let body = parse_body(&headers, &body)?;
    let seconds = body
        .get("duration")
        .and_then(Value::as_u64)
        .ok_or_else(ApiError::invalid_snooze_duration)?;
    fake.with_state(|state, now| {
        state.snooze(&id, &by, seconds, now)?;
        state
            .incident(&id)
            .map(|incident| {
                let body = json!({ "incident": json::incident(state, incident) });
                (StatusCode::CREATED, Json(body)).into_response()
            })
            .ok_or_else(ApiError::not_found)
    })
}

/// The JSON object of a write. PagerDuty requires `Content-Type: application/json` on
/// writes; a client that forgets it should find out here rather than in production.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::invalid_input(
            "Content-Type must be application/json",
        ));
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::invalid_input("The request body must be a JSON object"))
}

/// One incident of an update body: `type` is required (PagerDuty checks it); `status`,
/// `assignments`, `escalation_policy`, `escalation_level` and `urgency` are applied, and
/// the other documented fields (title, priority, …) are accepted and ignored.
fn parse_update(id: &str, item: &Value) -> Result<IncidentUpdate, ApiError> {
    match item.get("type").and_then(Value::as_str) {
        Some("incident" | "incident_reference") => {}
        _ => {
            return Err(ApiError::invalid_input(
                "type must be \"incident\" or \"incident_reference\"",
            ))
        }
    }
    let status = match item.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_status(s).map_err(|_| ApiError::invalid_status())?),
        Some(_) => return Err(ApiError::invalid_status()),
    };
    let assignees = match item.get("assignments") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|a| {
                    reference_id(
                        a.get("assignee"),
                        "user_reference",
                        "assignments[].assignee",
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(ApiError::invalid_input("assignments must be an array")),
    };
    let escalation_policy = match item.get("escalation_policy") {
        None | Some(Value::Null) => None,
        policy => Some(reference_id(
            policy,
            "escalation_policy_reference",
            "escalation_policy",
        )?),
    };
    let escalation_level = match item.get("escalation_level") {
        None | Some(Value::Null) => None,
        Some(level) => Some(
            level
                .as_u64()
                .and_then(|l| u32::try_from(l).ok())
                .ok_or_else(|| ApiError::invalid_input("escalation_level must be an integer"))?,
        ),
    };
    let urgency = match item.get("urgency") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) => Some(parse_urgency(u)?),
        Some(_) => return Err(ApiError::invalid_input("urgency must be high or low")),
    };
    Ok(IncidentUpdate {
        id: id.to_string(),
        status,
        assignees,
        escalation_policy,
        escalation_level,
        urgency,
    })
}

/// The `id` of a reference object of type `kind` (`{"id": …, "type": kind}`).
pub(crate) fn reference_id(
    value: Option<&Value>,
    kind: &str,
    field: &str,
) -> Result<String, ApiError> {
    let value = value
        .filter(|v| v.is_object())
        .ok_or_else(|| ApiError::invalid_input(format!("{field} must be a {kind}")))?;
    if value.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(ApiError::invalid_input(format!(
            "{field}.type must be {kind}"
        )));
    }
    value
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid_input(format!("{field}.id must be a string")))
}

fn parse_each<T>(
    values: &[String],
    parse: impl Fn(&str) -> Result<T, ApiError>,
) -> Result<Vec<T>, ApiError> {
    values.iter().map(|v| parse(v)).collect()
}

fn parse_status(value: &str) -> Result<Status, ApiError> {
    match value {
        "triggered" => Ok(Status::Triggered),
        "acknowledged" => Ok(Status::Acknowledged),
        "resolved" => Ok(Status::Resolved),
        other => Err(ApiError::invalid_input(format!("unknown status {other:?}"))),
    }
}

pub(crate) fn parse_urgency(value: &str) -> Result<Urgency, ApiError> {
    match value {
        "high" => Ok(Urgency::High),
        "low" => Ok(Urgency::Low),
        other => Err(ApiError::invalid_input(format!(
            "unknown urgency {other:?}"
        ))),
    }
}

/// `sort_by=field[:asc|:desc][,field[:asc|:desc]]`.
fn parse_sort(value: Option<&str>) -> Result<Vec<(SortField, bool)>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    let keys = value
        .split(',')
        .map(|key| {
            let (field, direction) = key.split_once(':').unwrap_or((key, "asc"));
            let field = match field {
                "incident_number" => SortField::IncidentNumber,
                "created_at" => SortField::CreatedAt,
                "resolved_at" => SortField::ResolvedAt,
                "urgency" => SortField::Urgency,
                other => return Err(ApiError::invalid_input(format!("cannot sort by {other:?}"))),
            };
            let descending = match direction {
                "asc" => false,
                "desc" => true,
                other => {
                    return Err(ApiError::invalid_input(format!(
                        "sort direction must be asc or desc, not {other:?}"
                    )))
                }
            };
            Ok((field, descending))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.len() > 2 {
        return Err(ApiError::invalid_input("sort_by takes at most two fields"));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_by_accepts_directions_and_refuses_unknown_fields() {
        assert_eq!(
            parse_sort(Some("created_at:desc,incident_number")).ok(),
            Some(vec![
                (SortField::CreatedAt, true),
                (SortField::IncidentNumber, false)
            ])
        );
        assert!(parse_sort(Some("title")).is_err());
        assert!(parse_sort(Some("created_at:sideways")).is_err());
        assert!(parse_sort(Some("urgency,created_at,incident_number")).is_err());
    }
}
