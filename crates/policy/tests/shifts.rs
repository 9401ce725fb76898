//! The shift rules as a person lives them: a reminder before, a word at the start and
//! at the end, each once, whatever the polls, sleeps and restarts in between.

use chrono::{DateTime, Duration, Utc};
use oncall_model::{AccountId, OnCallShift};
use oncall_policy::shifts::merge;
use oncall_policy::{
    evaluate_shifts, next_shift_moment, Decision, PolicyState, ShiftMoment, ShiftRecord,
    ShiftSettings,
};

fn at(hh_mm: &str) -> DateTime<Utc> {
    format!("2026-12-07T{hh_mm}:00Z").parse().unwrap()
}

fn shift(place: &str, start: &str, end: &str) -> OnCallShift {
    OnCallShift {
        escalation_policy: Some(format!("{place} policy")),
        escalation_policy_id: Some(place.to_string()),
        schedule: Some("Primary".into()),
        schedule_id: Some("PS1".into()),
        level: Some(1),
        start: Some(at(start)),
        end: Some(at(end)),
    }
}

const REMIND_15: ShiftSettings = ShiftSettings {
    remind_before: Some(Duration::minutes(15)),
};

fn account() -> AccountId {
    AccountId::new("work")
}

/// Runs one step and returns what rang, as (moment, shift start "HH:MM").
fn step(
    state: &mut PolicyState,
    fetched: Option<&[OnCallShift]>,
    now: &str,
) -> Vec<(ShiftMoment, String)> {
    step_with(state, fetched, now, REMIND_15, 0)
}

fn step_with(
    state: &mut PolicyState,
    fetched: Option<&[OnCallShift]>,
    now: &str,
    settings: ShiftSettings,
    open: usize,
) -> Vec<(ShiftMoment, String)> {
    evaluate_shifts(state, &account(), fetched, settings, open, at(now))
        .into_iter()
        .map(|d| match d {
            Decision::Shift(n) => (n.moment, n.shift.start.unwrap().format("%H:%M").to_string()),
            other => panic!("not a shift notice: {other:?}"),
        })
        .collect()
}

fn ended(early: bool, open_incidents: usize) -> ShiftMoment {
    ShiftMoment::Ended {
        early,
        open_incidents,
    }
}

/// A state that has read the account's shifts before (and found none).
fn seen() -> PolicyState {
    let mut state = PolicyState::default();
    step(&mut state, Some(&[]), "00:00");
    state
}

#[test]
fn a_shift_under_way_when_the_account_is_first_read_is_not_news_but_its_end_is() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    assert_eq!(step(&mut state, Some(&rows), "10:00"), []);
    assert_eq!(
        step(&mut state, None, "17:00"),
        vec![(ended(false, 0), "09:00".to_string())]
    );
}

#[test]
fn a_shift_is_reminded_started_and_ended_once_each() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    assert_eq!(step(&mut state, Some(&rows), "08:00"), []);
    assert_eq!(step(&mut state, None, "08:44"), []);
    let reminder = vec![(ShiftMoment::Reminder, "09:00".to_string())];
    assert_eq!(step(&mut state, None, "08:45"), reminder);
    assert_eq!(step(&mut state, Some(&rows), "08:50"), []);
    let started = vec![(ShiftMoment::Started, "09:00".to_string())];
    assert_eq!(step(&mut state, None, "09:00"), started);
    assert_eq!(step(&mut state, Some(&rows), "12:00"), []);
    assert_eq!(
        step_with(&mut state, None, "17:00", REMIND_15, 2),
        vec![(ended(false, 2), "09:00".to_string())]
    );
    // The service no longer lists it; nothing more rings.
    assert_eq!(step(&mut state, Some(&[]), "17:10"), []);
    assert_eq!(step(&mut state, None, "18:00"), []);
}

#[test]
fn the_memory_survives_a_restart_through_its_saved_form() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    step(&mut state, Some(&rows), "08:50"); // reminder
    step(&mut state, None, "09:01"); // started
    let saved = serde_json::to_string(&state).unwrap();
    let mut restarted: PolicyState = serde_json::from_str(&saved).unwrap();
    assert_eq!(step(&mut restarted, Some(&rows), "09:05"), []);
    assert_eq!(
        step(&mut restarted, None, "17:00"),
        vec![(ended(false, 0), "09:00".to_string())]
    );
}

#[test]
fn a_shift_first_seen_inside_the_reminder_window_is_reminded_at_once() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    assert_eq!(
        step(&mut state, Some(&rows), "08:55"),
        vec![(ShiftMoment::Reminder, "09:00".to_string())]
    );
}

#[test]
fn reminders_can_be_turned_off_and_the_start_still_rings() {
    let mut state = PolicyState::default();
    let off = ShiftSettings {
        remind_before: None,
    };
    let rows = [shift("PEP1", "09:00", "17:00")];
    assert_eq!(step_with(&mut state, Some(&rows), "08:50", off, 0), []);
    assert_eq!(
        step_with(&mut state, None, "09:00", off, 0),
        vec![(ShiftMoment::Started, "09:00".to_string())]
    );
}

#[test]
fn waking_inside_a_shift_says_you_are_on_call_without_a_late_reminder() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    step(&mut state, Some(&rows), "08:00");
    // Asleep from 08:00 to 10:30.
    assert_eq!(
        step(&mut state, None, "10:30"),
        vec![(ShiftMoment::Started, "09:00".to_string())]
    );
}

#[test]
fn a_shift_slept_through_whole_rings_nothing() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "10:00")];
    step(&mut state, Some(&rows), "08:00");
    assert_eq!(step(&mut state, None, "12:00"), []);
    assert_eq!(step(&mut state, Some(&[]), "12:01"), []);
}

#[test]
fn an_end_slept_through_long_ago_is_not_announced_late() {
    let mut state = seen();
    let rows = [shift("PEP1", "09:00", "10:00")];
    step(&mut state, Some(&rows), "09:30"); // started
    assert_eq!(
        step(&mut state, None, "10:30"),
        vec![(ended(false, 0), "09:00".into())]
    );

    let mut state = seen();
    step(&mut state, Some(&rows), "09:30");
    assert_eq!(step(&mut state, None, "13:00"), []);
    assert_eq!(step(&mut state, None, "13:05"), []);
}

#[test]
fn a_shift_taken_over_before_its_end_ends_early_once() {
    let mut state = seen();
    let rows = [shift("PEP1", "09:00", "17:00")];
    step(&mut state, Some(&rows), "09:10");
    assert_eq!(
        step_with(&mut state, Some(&[]), "11:00", REMIND_15, 3),
        vec![(ended(true, 3), "09:00".to_string())]
    );
    assert_eq!(step(&mut state, None, "17:00"), []);
    assert_eq!(step(&mut state, Some(&[]), "17:05"), []);
}

#[test]
fn a_shift_cancelled_before_it_starts_is_forgotten_quietly() {
    let mut state = PolicyState::default();
    step(
        &mut state,
        Some(&[shift("PEP1", "09:00", "17:00")]),
        "08:50",
    ); // reminder
    assert_eq!(step(&mut state, Some(&[]), "08:55"), []);
    assert_eq!(step(&mut state, None, "09:00"), []);
    assert_eq!(state.shifts[&account()], []);
}

#[test]
fn a_shift_that_appears_under_way_later_is_news() {
    let mut state = seen();
    assert_eq!(
        step(
            &mut state,
            Some(&[shift("PEP1", "09:00", "17:00")]),
            "10:00"
        ),
        vec![(ShiftMoment::Started, "09:00".to_string())]
    );
}

#[test]
fn a_longer_shift_under_way_is_the_same_shift() {
    let mut state = PolicyState::default();
    step(
        &mut state,
        Some(&[shift("PEP1", "09:00", "17:00")]),
        "09:00",
    );
    // Someone handed me the evening too: the service lists it as one longer span,
    // or as two rows that touch.
    let longer = [shift("PEP1", "09:00", "22:00")];
    assert_eq!(step(&mut state, Some(&longer), "12:00"), []);
    assert_eq!(step(&mut state, None, "17:00"), []);
    let touching = [
        shift("PEP1", "09:00", "17:00"),
        shift("PEP1", "17:00", "23:00"),
    ];
    assert_eq!(step(&mut state, Some(&touching), "18:00"), []);
    assert_eq!(
        step(&mut state, None, "23:00"),
        vec![(ended(false, 0), "09:00".to_string())]
    );
}

#[test]
fn a_shift_under_way_whose_start_moved_does_not_start_again() {
    let mut state = seen();
    step(
        &mut state,
        Some(&[shift("PEP1", "09:00", "17:00")]),
        "09:30",
    );
    let moved = [shift("PEP1", "08:00", "17:00")];
    assert_eq!(step(&mut state, Some(&moved), "10:00"), []);
    assert_eq!(step(&mut state, None, "17:00").len(), 1);
}

#[test]
fn two_places_are_two_shifts() {
    let mut state = seen();
    let rows = [
        shift("PEP1", "09:00", "17:00"),
        shift("PEP2", "09:00", "12:00"),
    ];
    assert_eq!(step(&mut state, Some(&rows), "09:00").len(), 2);
    assert_eq!(step(&mut state, None, "12:00").len(), 1);
}

#[test]
fn permanent_on_call_never_rings() {
    let mut state = PolicyState::default();
    let permanent = OnCallShift {
        start: None,
        end: None,
        ..shift("PEP1", "09:00", "10:00")
    };
    assert_eq!(step(&mut state, Some(&[permanent]), "09:00"), []);
    assert_eq!(state.shifts[&account()], []);
}

#[test]
fn merging_joins_touching_rows_of_one_place_only() {
    let merged = merge(&[
        shift("PEP1", "17:00", "23:00"),
        shift("PEP2", "12:00", "13:00"),
        shift("PEP1", "09:00", "17:00"),
        shift("PEP1", "23:30", "23:45"),
    ]);
    let spans: Vec<(String, String, String)> = merged
        .iter()
        .map(|s| {
            (
                s.escalation_policy_id.clone().unwrap(),
                s.start.unwrap().format("%H:%M").to_string(),
                s.end.unwrap().format("%H:%M").to_string(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("PEP1".into(), "09:00".into(), "23:00".into()),
            ("PEP2".into(), "12:00".into(), "13:00".into()),
            ("PEP1".into(), "23:30".into(), "23:45".into()),
        ]
    );
}

#[test]
fn the_next_moment_is_the_reminder_then_the_start_then_the_end() {
    let mut state = PolicyState::default();
    let rows = [shift("PEP1", "09:00", "17:00")];
    step(&mut state, Some(&rows), "08:00");
    assert_eq!(
        next_shift_moment(&state, &account(), REMIND_15),
        Some(at("08:45"))
    );
    step(&mut state, None, "08:45");
    assert_eq!(
        next_shift_moment(&state, &account(), REMIND_15),
        Some(at("09:00"))
    );
    step(&mut state, None, "09:00");
    assert_eq!(
        next_shift_moment(&state, &account(), REMIND_15),
        Some(at("17:00"))
    );
    step(&mut state, None, "17:00");
    assert_eq!(next_shift_moment(&state, &account(), REMIND_15), None);
}

#[test]
fn forgetting_an_account_forgets_its_shifts() {
    let mut state = PolicyState::default();
    step(
        &mut state,
        Some(&[shift("PEP1", "09:00", "17:00")]),
        "08:00",
    );
    assert!(!state.shifts.is_empty());
    state.forget_account(&account());
    assert!(state.shifts.is_empty());
}

#[test]
fn only_the_next_two_days_are_remembered_and_a_later_shift_is_reminded_all_the_same() {
    let mut state = seen();
    let later = OnCallShift {
        start: Some(at("09:00") + Duration::days(3)),
        end: Some(at("17:00") + Duration::days(3)),
        ..shift("PEP1", "09:00", "17:00")
    };
    let rows = [shift("PEP1", "09:00", "17:00"), later];
    step(&mut state, Some(&rows), "08:00");
    assert_eq!(
        state.shifts[&account()].len(),
        1,
        "the one three days away waits"
    );
    // Two days on, a refresh remembers it, and its reminder comes on time.
    let two_days_on = |t: &str| at(t) + Duration::days(2);
    let decisions = evaluate_shifts(
        &mut state,
        &account(),
        Some(&rows[1..]),
        REMIND_15,
        0,
        two_days_on("10:00"),
    );
    assert!(decisions.is_empty());
    assert_eq!(
        state.shifts[&account()],
        [ShiftRecord {
            shift: rows[1].clone(),
            reminded: false,
            started: false,
            start_rang: false,
            ended: false,
        }]
    );
    let reminder = evaluate_shifts(
        &mut state,
        &account(),
        None,
        REMIND_15,
        0,
        at("08:45") + Duration::days(3),
    );
    assert_eq!(reminder.len(), 1);
}
