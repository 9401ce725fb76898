//! `GET /escalation_policies`: the account's policies by name, with their rules' targets.
//!
//! `user_ids[]` is documented as "escalation policies on which any of the users is a
//! target"; whether a user reached through a schedule counts is not said. Here it does
//! (any user of a layer or override of a targeted schedule), which is what "the policies I
//! am on" means to someone on a rotation.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde_json::Value;

use crate::error::ApiError;
use crate::query::{Paging, Query};
use crate::state::Target;
use crate::{json, FakePagerDuty};

pub(crate) async fn list(
    State(fake): State<FakePagerDuty>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let paging = Paging::parse(&query, 100)?;
    let user_ids = query.list("user_ids[]");
    let name = query.one("query").unwrap_or("").to_lowercase();
    let descending = query.one("sort_by") == Some("name:desc");
    let body = fake.with_state(|state, now| {
        state.anchor_seeded_schedule(now);
        let targets_a_user = |target: &Target| match target {
            Target::User(id) => user_ids.contains(id),
            Target::Schedule(id) => state
                .schedule(id)
                .is_some_and(|s| s.user_ids().iter().any(|u| user_ids.contains(u))),
        };
        let mut found: Vec<_> = state
            .policies()
            .iter()
            .filter(|p| p.name.to_lowercase().contains(&name))
            .filter(|p| user_ids.is_empty() || p.targets().any(|(_, t)| targets_a_user(t)))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        if descending {
            found.reverse();
        }
        let (page, more, total) = paging.apply(found);
        let items: Vec<_> = page
            .iter()
            .map(|p| json::escalation_policy(state, p))
            .collect();
        json::page(
            "escalation_policies",
            items,
            paging.limit,
            paging.offset,
            more,
            total,
        )
    });
    Ok(Json(body))
}
