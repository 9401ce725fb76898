//! Schedules rendered on the fake's clock: who is on call when, from one rotation
//! ([`ScheduleSpec`]) per schedule, with `oncall_fake_service::turns` doing the
//! arithmetic. What the reference calls final shifts are these turns, cut to the asked
//! window; `on_call_now` is whose turn it is now.

use chrono::{DateTime, Duration, Utc};
use oncall_fake_service::turns::Turns;

use crate::types::ScheduleSpec;

fn turns(spec: &ScheduleSpec) -> Turns<'_> {
    Turns {
        people: &spec.people,
        virtual_start: spec.start,
        length: spec.turn,
        // The rotation runs both ways from its start.
        start: DateTime::<Utc>::MIN_UTC,
        end: None,
    }
}

/// The user ids on call at `at`.
pub(crate) fn on_call_at(spec: &ScheduleSpec, at: DateTime<Utc>) -> Vec<String> {
    turns(spec)
        .person_at(at)
        .map(|p| vec![p.to_owned()])
        .unwrap_or_default()
}

/// Every turn within `from..to` (cut to it), in time order: (user id, start, end).
pub(crate) fn final_shifts(
    spec: &ScheduleSpec,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    let turns = turns(spec);
    let mut cuts = vec![from, to];
    turns.cuts(from, to, &mut cuts);
    cuts.retain(|c| *c >= from && *c <= to);
    cuts.sort();
    cuts.dedup();
    let mut shifts: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for pair in cuts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let Some(person) = turns.person_at(start) else {
            continue;
        };
        match shifts.last_mut() {
            Some(last) if last.0 == person && last.2 == start => last.2 = end,
            _ => shifts.push((person.to_owned(), start, end)),
        }
    }
    shifts
}

/// The rotation as an on-call shift's `frequency` and `interval`: the largest of week,
/// day and hour that divides the turn.
pub(crate) fn frequency(turn: Duration) -> (&'static str, i64) {
    let hours = turn.num_hours().max(1);
    if hours % (24 * 7) == 0 {
        ("weekly", hours / (24 * 7))
    } else if hours % 24 == 0 {
        ("daily", hours / 24)
    } else {
        ("hourly", hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn turns_become_final_shifts_cut_to_the_window() {
        let spec = ScheduleSpec {
            name: "Primary".into(),
            team_id: None,
            people: vec!["U1".into(), "U2".into()],
            turn: Duration::hours(12),
            start: t("2024-05-01T00:00:00Z"),
        };
        let shifts = final_shifts(&spec, t("2024-04-30T18:00:00Z"), t("2024-05-01T18:00:00Z"));
        assert_eq!(
            shifts,
            vec![
                (
                    "U2".into(),
                    t("2024-04-30T18:00:00Z"),
                    t("2024-05-01T00:00:00Z")
                ),
                (
                    "U1".into(),
                    t("2024-05-01T00:00:00Z"),
                    t("2024-05-01T12:00:00Z")
                ),
                (
                    "U2".into(),
                    t("2024-05-01T12:00:00Z"),
                    t("2024-05-01T18:00:00Z")
                ),
            ]
        );
        assert_eq!(on_call_at(&spec, t("2024-05-01T13:00:00Z")), ["U2"]);
        assert_eq!(frequency(Duration::hours(12)), ("hourly", 12));
        assert_eq!(frequency(Duration::days(2)), ("daily", 2));
        assert_eq!(frequency(Duration::weeks(1)), ("weekly", 1));
    }
}
