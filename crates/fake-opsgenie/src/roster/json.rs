//! Users, schedules, overrides and timelines in the shapes of Opsgenie's Swagger document
//! (`User`, `Schedule`, `ScheduleRotation`, `ScheduleOverride`, `ScheduleTimeline`,
//! `Participant`). The conformance tests validate them against it.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::render::{Holder, Layer};
use super::{Roster, Schedule};
use crate::state::ts;
use crate::types::{FakeScheduleOverride, FakeUser, OverrideTaker};

/// `User`.
pub(crate) fn user_json(user: &FakeUser) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "fullName": user.full_name,
        "timeZone": user.time_zone,
    })
}

/// `ScheduleMeta`, the `_parent` of on-call answers, timelines and overrides.
pub(crate) fn schedule_meta(schedule: &Schedule) -> Value {
    json!({ "id": schedule.id, "name": schedule.name, "enabled": schedule.enabled })
}

/// A user as a `Recipient` (`UserRecipient`: with its username).
fn user_recipient(roster: &Roster, user_id: &str) -> Value {
    let username = roster.user(user_id).map(|u| u.username.as_str());
    json!({ "type": "user", "id": user_id, "username": username.unwrap_or_default() })
}

fn taker_recipient(roster: &Roster, taker: &OverrideTaker) -> Value {
    match taker {
        OverrideTaker::User(id) => user_recipient(roster, id),
        OverrideTaker::Nobody => json!({ "type": "none" }),
    }
}

/// A user as a `Participant` of an on-call answer (`name` is the username).
pub(crate) fn participant(roster: &Roster, user_id: &str) -> Value {
    let username = roster.user(user_id).map(|u| u.username.as_str());
    json!({ "id": user_id, "name": username.unwrap_or_default(), "type": "user" })
}

/// `Schedule`; `rotations` only when asked for (lists without `expand=rotation`).
pub(crate) fn schedule_json(roster: &Roster, schedule: &Schedule, rotations: bool) -> Value {
    let mut object = json!({
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
    });
    if rotations {
        let items: Vec<Value> = schedule
            .rotations
            .iter()
            .map(|r| {
                let mut item = Map::new();
                item.insert("id".into(), json!(r.id));
                item.insert("name".into(), json!(r.name));
                item.insert("startDate".into(), json!(ts(r.start)));
                if let Some(end) = r.end {
                    item.insert("endDate".into(), json!(ts(end)));
                }
                if let Some((kind, length)) = r.turn.wire() {
                    item.insert("type".into(), json!(kind));
                    item.insert("length".into(), json!(length));
                }
                let participants: Vec<Value> = r
                    .participants
                    .iter()
                    .map(|p| user_recipient(roster, p))
                    .collect();
                item.insert("participants".into(), json!(participants));
                Value::Object(item)
            })
            .collect();
        object["rotations"] = json!(items);
    }
    object
}

/// `ScheduleOverride`.
pub(crate) fn override_json(
    roster: &Roster,
    schedule: &Schedule,
    o: &FakeScheduleOverride,
) -> Value {
    let rotations: Vec<Value> = schedule
        .rotations
        .iter()
        .filter(|r| o.rotation_ids.contains(&r.id))
        .map(|r| json!({ "id": r.id, "name": r.name }))
        .collect();
    json!({
        "_parent": schedule_meta(schedule),
        "alias": o.alias,
        "user": taker_recipient(roster, &o.taker),
        "startDate": ts(o.start),
        "endDate": ts(o.end),
        "rotations": rotations,
    })
}

/// Which optional timelines `expand` asked for.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Expansions {
    pub(crate) base: bool,
    pub(crate) forwarding: bool,
    pub(crate) overrides: bool,
}

impl Expansions {
    /// What `expand` can name, as every timeline answer's `expandable` lists it.
    pub(crate) const EXPANDABLE: [&'static str; 3] = ["base", "forwarding", "override"];

    /// From `expand`'s comma-separated values; unknown ones are ignored.
    pub(crate) fn parse(expand: Option<&str>) -> Self {
        let asked: Vec<&str> = expand.unwrap_or("").split(',').map(str::trim).collect();
        Expansions {
            base: asked.contains(&"base"),
            forwarding: asked.contains(&"forwarding"),
            overrides: asked.contains(&"override"),
        }
    }
}

fn timeline(
    roster: &Roster,
    schedule: &Schedule,
    layer: Layer,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Value {
    let rotations: Vec<Value> = schedule
        .rotations
        .iter()
        .enumerate()
        .map(|(index, rotation)| {
            let periods: Vec<Value> = schedule
                .periods(index, layer, from, to)
                .into_iter()
                .map(|p| {
                    json!({
                        "startDate": ts(p.start),
                        "endDate": ts(p.end),
                        "type": if p.holder.overridden { "override" } else { "default" },
                        "recipient": timeline_recipient(roster, &p.holder),
                    })
                })
                .collect();
            // `order` is declared "nullable", which Swagger 2.0 cannot say: never null.
            json!({
                "id": rotation.id,
                "name": rotation.name,
                "order": index as f64,
                "periods": periods,
            })
        })
        .collect();
    json!({ "rotations": rotations })
}

/// `TimelineRecipient`: the user with its username as `name`, or `none`.
fn timeline_recipient(roster: &Roster, holder: &Holder) -> Value {
    match &holder.taker {
        OverrideTaker::User(id) => participant(roster, id),
        OverrideTaker::Nobody => json!({ "type": "none", "name": "none" }),
    }
}

/// `ScheduleTimeline` for `[from, to)`: the final timeline, plus the ones `expand` asked
/// for (forwarding is not modelled: always empty).
pub(crate) fn timeline_json(
    roster: &Roster,
    schedule: &Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    expansions: Expansions,
) -> Value {
    let mut object = json!({
        "_parent": schedule_meta(schedule),
        "startDate": ts(from),
        "endDate": ts(to),
        "finalTimeline": timeline(roster, schedule, Layer::Final, from, to),
    });
    if expansions.base {
        object["baseTimeline"] = timeline(roster, schedule, Layer::Base, from, to);
    }
    if expansions.overrides {
        object["overrideTimeline"] = timeline(roster, schedule, Layer::Overrides, from, to);
    }
    if expansions.forwarding {
        object["forwardingTimeline"] = json!({ "rotations": [] });
    }
    object
}
