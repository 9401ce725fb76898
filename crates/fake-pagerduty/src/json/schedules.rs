//! Wire shapes of schedules, overrides and escalation policies (`components.schemas`
//! `Schedule`, `ScheduleLayer`, `SubSchedule`, `ScheduleLayerEntry`, `Override`,
//! `EscalationPolicy`, `EscalationRule`).
//!
//! Following the document's prose where its schema is stricter: an open-ended layer has
//! `end: null`, and `rendered_coverage_percentage` is `null` when no time range was asked
//! for (the entries are then left out).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{policy_reference, reference, team_reference, timestamp, user_reference, Reference};
use crate::state::{coverage, EscalationPolicy, Schedule, Source, State, Target};

/// The time range to render, and whether entries crossing it keep their real bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub(crate) since: DateTime<Utc>,
    pub(crate) until: DateTime<Utc>,
    pub(crate) overflow: bool,
}

/// Which parts of a schedule to send.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Parts {
    pub(crate) layers: bool,
    pub(crate) final_schedule: bool,
    pub(crate) overrides: bool,
}

impl Parts {
    pub(crate) const ALL: Parts = Parts {
        layers: true,
        final_schedule: true,
        overrides: true,
    };
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct EntryObject {
    user: Reference,
    start: String,
    end: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct LayerUser {
    user: Reference,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct LayerObject {
    id: String,
    name: String,
    start: String,
    end: Option<String>,
    rotation_virtual_start: String,
    rotation_turn_length_seconds: i64,
    users: Vec<LayerUser>,
    restrictions: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered_schedule_entries: Option<Vec<EntryObject>>,
    rendered_coverage_percentage: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SubScheduleObject {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered_schedule_entries: Option<Vec<EntryObject>>,
    rendered_coverage_percentage: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScheduleObject {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    #[serde(rename = "self")]
    self_url: String,
    html_url: Option<String>,
    name: String,
    description: String,
    time_zone: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule_layers: Option<Vec<LayerObject>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_schedule: Option<SubScheduleObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overrides_subschedule: Option<SubScheduleObject>,
    escalation_policies: Vec<Reference>,
    users: Vec<Reference>,
    teams: Vec<Reference>,
}

/// The rendered entries and coverage of `source`, or `(None, None)` without a window.
fn rendered(
    state: &State,
    schedule: &Schedule,
    source: Source,
    window: Option<Window>,
) -> (Option<Vec<EntryObject>>, Option<f64>) {
    let Some(w) = window else {
        return (None, None);
    };
    let entries = schedule.render(source, w.since, w.until, w.overflow);
    let percentage = coverage(&entries, w.since, w.until);
    let objects = entries
        .iter()
        .map(|e| EntryObject {
            user: user_reference(state, &e.user_id),
            start: timestamp(e.start),
            end: timestamp(e.end),
        })
        .collect();
    (Some(objects), Some(percentage))
}

fn subschedule(
    state: &State,
    schedule: &Schedule,
    source: Source,
    window: Option<Window>,
) -> SubScheduleObject {
    let (entries, percentage) = rendered(state, schedule, source, window);
    SubScheduleObject {
        name: match source {
            Source::Overrides => "Overrides",
            _ => "Final Schedule",
        },
        rendered_schedule_entries: entries,
        rendered_coverage_percentage: percentage,
    }
}

pub(crate) fn schedule_reference(state: &State, id: &str) -> Reference {
    let name = state.schedule(id).map_or(id, |s| s.name.as_str());
    reference(state, "schedule_reference", "schedules", id, name)
}

pub(crate) fn schedule(
    state: &State,
    schedule: &Schedule,
    parts: Parts,
    window: Option<Window>,
) -> ScheduleObject {
    let layers = schedule
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let (entries, percentage) = rendered(state, schedule, Source::Layer(index), window);
            LayerObject {
                id: layer.id.clone(),
                name: layer.name.clone(),
                start: timestamp(layer.start),
                end: layer.end.map(timestamp),
                rotation_virtual_start: timestamp(layer.rotation_virtual_start),
                rotation_turn_length_seconds: layer.turn_length.num_seconds(),
                users: layer
                    .users
                    .iter()
                    .map(|u| LayerUser {
                        user: user_reference(state, u),
                    })
                    .collect(),
                restrictions: Vec::new(),
                rendered_schedule_entries: entries,
                rendered_coverage_percentage: percentage,
            }
        })
        .collect();
    let policies = state
        .policies()
        .iter()
        .filter(|p| {
            p.targets()
                .any(|(_, t)| *t == Target::Schedule(schedule.id.clone()))
        })
        .map(|p| policy_reference(state, &p.id))
        .collect();
    ScheduleObject {
        id: schedule.id.clone(),
        kind: "schedule",
        summary: schedule.name.clone(),
        self_url: format!("{}/schedules/{}", state.base_url, schedule.id),
        html_url: None,
        name: schedule.name.clone(),
        description: schedule.description.clone(),
        time_zone: "UTC",
        schedule_layers: parts.layers.then_some(layers),
        final_schedule: parts
            .final_schedule
            .then(|| subschedule(state, schedule, Source::Final, window)),
        overrides_subschedule: parts
            .overrides
            .then(|| subschedule(state, schedule, Source::Overrides, window)),
        escalation_policies: policies,
        users: schedule
            .user_ids()
            .iter()
            .map(|u| user_reference(state, u))
            .collect(),
        teams: Vec::new(),
    }
}

/// `components.schemas.Override`; `id` is absent on one that was not created.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct OverrideObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    start: String,
    end: String,
    user: Reference,
}

pub(crate) fn override_object(
    state: &State,
    id: Option<&str>,
    user_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> OverrideObject {
    OverrideObject {
        id: id.map(str::to_string),
        start: timestamp(start),
        end: timestamp(end),
        user: user_reference(state, user_id),
    }
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct RuleObject {
    id: String,
    escalation_delay_in_minutes: u32,
    targets: Vec<Reference>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct PolicyObject {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    #[serde(rename = "self")]
    self_url: String,
    html_url: Option<String>,
    name: String,
    description: String,
    num_loops: u32,
    on_call_handoff_notifications: &'static str,
    escalation_rules: Vec<RuleObject>,
    services: Vec<Reference>,
    teams: Vec<Reference>,
}

pub(crate) fn escalation_policy(state: &State, policy: &EscalationPolicy) -> PolicyObject {
    let services: Vec<_> = state
        .services()
        .iter()
        .filter(|s| s.escalation_policy_id == policy.id)
        .collect();
    let mut team_ids: Vec<&String> = services.iter().flat_map(|s| &s.team_ids).collect();
    team_ids.sort();
    team_ids.dedup();
    PolicyObject {
        id: policy.id.clone(),
        kind: "escalation_policy",
        summary: policy.name.clone(),
        self_url: format!("{}/escalation_policies/{}", state.base_url, policy.id),
        html_url: None,
        name: policy.name.clone(),
        description: String::new(),
        num_loops: 0,
        on_call_handoff_notifications: "if_has_services",
        escalation_rules: policy
            .levels
            .iter()
            .enumerate()
            .map(|(index, targets)| RuleObject {
                id: format!("{}R{}", policy.id, index + 1),
                escalation_delay_in_minutes: 30,
                targets: targets
                    .iter()
                    .map(|t| match t {
                        Target::User(id) => user_reference(state, id),
                        Target::Schedule(id) => schedule_reference(state, id),
                    })
                    .collect(),
            })
            .collect(),
        services: services
            .iter()
            .map(|s| super::service_reference(state, &s.id))
            .collect(),
        teams: team_ids.iter().map(|t| team_reference(state, t)).collect(),
    }
}
