//! The oracle: from a run's [`History`] alone, which pages and withdrawals had to happen
//! and by when, and whether every press of the user reached the service exactly once.
//! Written from the rules of the engine issue (issue 2), not from `oncall-policy`.
//!
//! Time allowances: the engine learns about the service only by polling, so a page is
//! *due* one poll interval (plus [`SLACK`]) after its episode began, or after the last
//! window in which it could not have learnt about it or could not ring (outage, a 429's
//! wait, refused token, asleep, not running, paused) ended. Withdrawals are due the
//! same way after the last incident behind a notification stopped needing me, except
//! that a pause does not hold them.
//!
//! The rules, each from issue 2, and what the engine can know when:
//! - An episode (one incident triggered and mine, named by the service's status-change
//!   time and the time it became mine) rings once, alone or as a member of a summary; a
//!   summary member is matched to its episode by the key the engine's view showed, so a
//!   summary drawn from a stale snapshot and the page of the re-trigger after it are two
//!   episodes, not one rung twice. Where the client derives the name itself
//!   (`Rules::exact_names` off: JSM), a ring counts for the incident's episode that
//!   had begun when it rang and by the time its name says (a derived name is never
//!   earlier than the change it names, unless the client's memory was lost since the
//!   change: Grafana OnCall's client then can only name the group's creation).
//! - It rings again only as high urgency repeats: after the repeat interval, while the
//!   engine may take it for high urgency. That is its urgency now, or High until a change
//!   the engine could not have polled yet (out of reach: it goes by its last snapshot).
//! - Nothing rings after my own acknowledgement or resolve: the engine lays my pending
//!   presses over every snapshot, confirmed or not, reachable or not. After any other
//!   end (acknowledged or resolved elsewhere, reassigned away) a ring is allowed until
//!   the engine could have polled the change.
//! - A corrupt state file is lost memory: after it, an episode may ring once more.
//! - My acknowledgement or resolve still on its way covers the incident (the driver
//!   records no episode for it meanwhile): the engine shows it handled, so a snooze that
//!   ends before the service has my resolve starts no episode that needs me.
//!
//! - A muted service (issue 16) holds its incidents' pages like a pause, for that service
//!   only: nothing of it rings while the mute lasts (the engine knows its own mutes, so
//!   there is no poll window of grace, only [`SLACK`]); an episode still needing me when
//!   the mute ends is due one poll window later, and rings then once (a second ring is
//!   judged as any: only as a high-urgency repeat). A muted incident does not need me,
//!   so its notification on screen is due off like that of one acknowledged.
//!
//! Shift reminders and handovers have rules of their own ([`shifts`]).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Duration as Span;
use oncall_model::Urgency;

use super::history::{Block, Episode, History, Shown, Time, UserVerb};

mod shifts;

/// How long after the screen heals a held notification may still wait (the driver's
/// window for it ends that long after the screen is back, in awake time).
const SCREEN_HEAL: std::time::Duration = super::driver::SCREEN_HEAL;

/// Scheduling noise allowed on every deadline.
const SLACK: Span = Span::seconds(2);

pub struct Rules {
    pub poll_interval: Duration,
    /// High urgency rings again after this long, until acknowledged.
    pub repeat: Duration,
    /// More new pages than this in one poll become one summary.
    pub storm_threshold: usize,
    /// How long before a shift starts its reminder rings (`None`: no reminders).
    pub shift_reminder: Option<Duration>,
    /// Pages name their episode as the service does (`service::Scope::exact_names`).
    pub exact_names: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub missed: u64,
    pub duplicate: u64,
    pub late: u64,
    pub lost_ack: u64,
    pub doubled_ack: u64,
    pub late_withdrawal: u64,
    pub bad_summary: u64,
    /// A ring of an incident whose service the user had muted.
    pub rang_muted: u64,
    /// A shift moment the app lived through unhindered that never showed.
    pub shift_missed: u64,
    /// A shift moment shown twice without a memory loss in between.
    pub shift_twice: u64,
    /// A shift notice at the wrong time, or about a shift that is not mine.
    pub shift_misplaced: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.missed
            + self.duplicate
            + self.late
            + self.lost_ack
            + self.doubled_ack
            + self.late_withdrawal
            + self.bad_summary
            + self.rang_muted
            + self.shift_missed
            + self.shift_twice
            + self.shift_misplaced
    }

    pub fn add(&mut self, other: &Counts) {
        self.missed += other.missed;
        self.duplicate += other.duplicate;
        self.late += other.late;
        self.lost_ack += other.lost_ack;
        self.doubled_ack += other.doubled_ack;
        self.late_withdrawal += other.late_withdrawal;
        self.bad_summary += other.bad_summary;
        self.rang_muted += other.rang_muted;
        self.shift_missed += other.shift_missed;
        self.shift_twice += other.shift_twice;
        self.shift_misplaced += other.shift_misplaced;
    }
}

/// One thing the oracle objects to, for the failure report.
#[derive(Debug, Clone)]
pub struct Finding {
    pub at: Time,
    pub what: String,
    /// The script's events in the poll windows before it.
    pub context: Vec<String>,
}

pub struct Verdict {
    /// HTTP requests the service received (for the table: the run was real traffic).
    pub requests: usize,
    /// Shift notices that reached the screen, and shift moments the run owed the user
    /// (for the table: the shift rules had something to judge).
    pub shift_notices: usize,
    pub shift_moments_owed: usize,
    pub counts: Counts,
    pub findings: Vec<Finding>,
    /// Filled in by the runner (see `report::digest`).
    pub digest: u64,
}

pub fn judge(history: &History, rules: &Rules) -> Verdict {
    let mut judge = Judge {
        history,
        rules,
        window: Span::from_std(rules.poll_interval).unwrap() + SLACK,
        counts: Counts::default(),
        findings: Vec::new(),
        end: history.end.expect("the run ended"),
        shift_moments_owed: 0,
    };
    judge.pages();
    judge.summaries_shape();
    judge.withdrawals();
    judge.actions();
    judge.shifts();
    Verdict {
        requests: history.requests.len(),
        shift_notices: history
            .screen
            .iter()
            .filter(|s| matches!(s.shown, Shown::Shift { .. }))
            .count(),
        shift_moments_owed: judge.shift_moments_owed,
        counts: judge.counts,
        findings: judge.findings,
        digest: 0,
    }
}

struct Judge<'a> {
    history: &'a History,
    rules: &'a Rules,
    /// How long the engine may take to learn about a change: one poll interval.
    window: Span,
    counts: Counts,
    findings: Vec<Finding>,
    end: Time,
    /// How many shift moments had to show (see `shifts`).
    shift_moments_owed: usize,
}

/// One ring of an episode: individually, or as a member of a summary.
#[derive(Debug, Clone, Copy)]
struct Ring {
    at: Time,
    epoch: u32,
}

impl Judge<'_> {
    fn find(&mut self, at: Time, what: String) {
        let from = at - self.window * 4;
        let context = self
            .history
            .trace
            .iter()
            .filter(|(t, _)| from <= *t && *t <= at + SLACK)
            .map(|(t, e)| format!("{t}  {e}"))
            .collect();
        self.findings.push(Finding { at, what, context });
    }

    /// When `service` was muted.
    fn muted(&self, service: u8) -> Vec<(Time, Time)> {
        self.history
            .mutes
            .iter()
            .filter(|m| m.service == service)
            .map(|m| (m.from, m.to))
            .collect()
    }

    /// Sorted, merged windows of the given kinds.
    fn blocked(&self, kinds: &[Block], extra: &[(Time, Time)]) -> Vec<(Time, Time)> {
        let mut spans: Vec<(Time, Time)> = self
            .history
            .windows
            .iter()
            .filter(|w| kinds.contains(&w.block))
            .map(|w| (w.from, w.to))
            .chain(extra.iter().copied())
            .collect();
        spans.sort();
        let mut merged: Vec<(Time, Time)> = Vec::new();
        for (from, to) in spans {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        merged
    }

    /// The first moment after `from` that ends a whole poll window free of `blocked`.
    fn due(&self, blocked: &[(Time, Time)], from: Time) -> Time {
        let mut start = from;
        for &(a, b) in blocked {
            if b <= start {
                continue;
            }
            if a >= start + self.window {
                break;
            }
            start = start.max(b);
        }
        start + self.window
    }

    /// The episode (of one incident's `list`) a ring is for, where the client derives
    /// the episode's `name`: of those begun when it rang and by the time its name says,
    /// the one begun nearest that time (a derived name is never earlier than the change
    /// it names, so an episode begun after it is not the one rung). Except where the client cannot know
    /// better than the fields say (Grafana OnCall names a group it has no memory of by
    /// its creation, or by the start of a silence that has ended): a name earlier than
    /// every episode is its first sight of a group created acknowledged, and a state
    /// file lost since the named episode began took the memory that would name the
    /// change; then the ring is the latest episode's begun by the time it rang.
    fn derived_match(&self, list: &[usize], ring: Ring, name: Time) -> Option<usize> {
        let episodes = &self.history.episodes;
        let begun_by = |t: Time| {
            list.iter()
                .rev()
                .copied()
                .find(|&i| episodes[i].start <= t + SLACK)
        };
        // Begun by the ring itself first: a ring never comes before the change it rings
        // for, and an episode begun a moment after it (my press and a re-trigger in the
        // same second) would otherwise take the ring of the one before.
        let by_time = list
            .iter()
            .rev()
            .copied()
            .find(|&i| episodes[i].start <= ring.at)
            .or_else(|| begun_by(ring.at))?;
        let forgotten_since = |start: Time| {
            self.history
                .memory_losses
                .iter()
                .any(|&lost| start <= lost && lost <= ring.at)
        };
        // The slack is for scheduling noise, not for choosing: of the episodes begun by
        // the name's time (give or take the slack), the one whose start the name is
        // nearest to. An episode that began a second after another (acknowledged and
        // taken back elsewhere at once) would otherwise take the first one's ring.
        let at = ring.at.min(name);
        // From the latest: of two begun at the same instant (created and acknowledged at
        // once, then taken back), the later is the one still needing me.
        let named = list
            .iter()
            .rev()
            .copied()
            .filter(|&i| episodes[i].start <= at + SLACK)
            .min_by_key(|&i| (episodes[i].start - at).abs());
        match named {
            Some(named) if !forgotten_since(episodes[named].start) => Some(named),
            _ => Some(by_time),
        }
    }

    /// Every episode rings once when it starts needing me, repeats only as high urgency
    /// does, and never after it stopped needing me.
    fn pages(&mut self) {
        let history = self.history;
        let by_incident = episodes_of(history);
        let mut rings: Vec<Vec<Ring>> = vec![Vec::new(); history.episodes.len()];
        let held = self.blocked(
            &[
                Block::Outage,
                Block::Auth,
                Block::Asleep,
                Block::Down,
                Block::Paused,
                Block::NoScreen,
            ],
            &[],
        );
        let unreachable = self.blocked(
            &[Block::Outage, Block::Auth, Block::Asleep, Block::Down],
            &[],
        );

        for screened in &history.screen {
            let ring = Ring {
                at: screened.at,
                epoch: screened.epoch,
            };
            match &screened.shown {
                Shown::Page {
                    incident,
                    status_changed_at,
                    assigned_to_me_at,
                    reason,
                } => {
                    let exact = self.rules.exact_names;
                    let found = by_incident.get(incident.as_str()).and_then(|list| {
                        if !exact {
                            return self.derived_match(list, ring, *status_changed_at);
                        }
                        list.iter().rev().copied().find(|&i| {
                            let e = &history.episodes[i];
                            e.start <= screened.at + SLACK
                                && e.status_changed_at == *status_changed_at
                                && Some(e.assigned_to_me_at) == *assigned_to_me_at
                        })
                    });
                    match found {
                        Some(index) => rings[index].push(ring),
                        None => {
                            self.counts.duplicate += 1;
                            self.find(
                                screened.at,
                                format!(
                                    "duplicate: page ({reason}) for {incident} whose episode \
                                     (status changed {status_changed_at}) never needed me"
                                ),
                            );
                        }
                    }
                }
                Shown::Summary {
                    incidents,
                    id,
                    episodes,
                    ..
                } => {
                    for (incident, episode) in incidents.iter().zip(episodes) {
                        let exact = self.rules.exact_names;
                        let named = episode.map(|(status, _)| status);
                        let episode = episode.filter(|_| exact);
                        let found = by_incident.get(incident.as_str()).and_then(|list| {
                            if let (false, Some(name)) = (exact, named) {
                                return self.derived_match(list, ring, name);
                            }
                            list.iter().rev().copied().find(|&i| {
                                let e = &history.episodes[i];
                                e.start <= screened.at + SLACK
                                    && episode.is_none_or(|(status, assigned)| {
                                        e.status_changed_at == status
                                            && Some(e.assigned_to_me_at) == assigned
                                    })
                            })
                        });
                        match found {
                            Some(index) => rings[index].push(ring),
                            None => {
                                self.counts.duplicate += 1;
                                self.find(
                                    screened.at,
                                    format!("duplicate: summary {id} names {incident}, which never needed me"),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }

        let repeat = Span::from_std(self.rules.repeat).unwrap();
        for (index, episode) in history.episodes.iter().enumerate() {
            let rings = &rings[index];
            let muted = self.muted(episode.service);
            for ring in rings {
                let during = muted
                    .iter()
                    .find(|&&(from, to)| from + SLACK < ring.at && ring.at < to);
                if let Some((from, to)) = during {
                    self.counts.rang_muted += 1;
                    self.find(
                        ring.at,
                        format!(
                            "rang muted: {} rang at {} while its service was muted ({from} to {to})",
                            episode.incident, ring.at
                        ),
                    );
                }
            }
            for (n, ring) in rings.iter().enumerate() {
                if let Some(end) = episode.end {
                    // My own press is known to the engine the moment it is made (it lays
                    // pending actions over every snapshot), so nothing may ring after it.
                    // Any other end it learns by polling: until it could have, a repeat on
                    // the last snapshot it has is what the rules say.
                    let known_at = if episode.ended_by == "my press" {
                        end
                    } else {
                        (end + SLACK).max(self.due(&unreachable, end))
                    };
                    if ring.at > known_at {
                        self.counts.duplicate += 1;
                        self.find(
                            ring.at,
                            format!(
                                "duplicate: {} rang at {}, after it stopped needing me at {end} ({})",
                                episode.incident, ring.at, episode.ended_by
                            ),
                        );
                        continue;
                    }
                }
                let Some(previous) = n.checked_sub(1).map(|p| rings[p]) else {
                    continue;
                };
                if ring.epoch > previous.epoch {
                    // The engine lost its memory in between: ringing again is all it can do.
                    continue;
                }
                let high = self.believed_high(episode, ring.at, &unreachable);
                if !(high && ring.at - previous.at >= repeat - SLACK) {
                    self.counts.duplicate += 1;
                    self.find(
                        ring.at,
                        format!(
                            "duplicate: {} (episode from {}) rang at {} and again at {} ({})",
                            episode.incident,
                            episode.start,
                            previous.at,
                            ring.at,
                            if high { "too soon" } else { "low urgency" }
                        ),
                    );
                }
            }
            let held = if muted.is_empty() {
                held.clone()
            } else {
                self.blocked(
                    &[
                        Block::Outage,
                        Block::Auth,
                        Block::Asleep,
                        Block::Down,
                        Block::Paused,
                        Block::NoScreen,
                    ],
                    &muted,
                )
            };
            self.check_due(episode, rings.first().copied(), &held);
        }
    }

    /// Whether the engine may take the episode for high urgency at `at`: it is, or it
    /// was until a change the engine could not have polled yet (the service was out of
    /// reach, and a repeat goes by the last snapshot the engine has).
    fn believed_high(&self, episode: &Episode, at: Time, unreachable: &[(Time, Time)]) -> bool {
        episode.urgency_at(at) == Urgency::High
            || episode.urgency_at(at - SLACK) == Urgency::High
            || episode.urgency.windows(2).any(|pair| {
                let (_, before) = pair[0];
                let (changed, _) = pair[1];
                before == Urgency::High && changed <= at && at <= self.due(unreachable, changed)
            })
    }

    fn check_due(&mut self, episode: &Episode, first: Option<Ring>, held: &[(Time, Time)]) {
        let due = self.due(held, episode.start);
        let over = episode.end.unwrap_or(self.end).min(self.end);
        if due >= over {
            return; // It stopped needing me before the engine could have known.
        }
        match first {
            Some(ring) if ring.at <= due => {}
            Some(ring) => {
                self.counts.late += 1;
                self.find(
                    ring.at,
                    format!(
                        "late: {} needed me from {} (due {due}) and rang at {}",
                        episode.incident, episode.start, ring.at
                    ),
                );
            }
            None => {
                self.counts.missed += 1;
                self.find(
                    due,
                    format!(
                        "missed: {} needed me from {} until {} and never rang (due {due})",
                        episode.incident,
                        episode.start,
                        episode.end.map_or("the end".to_string(), |e| e.to_string())
                    ),
                );
            }
        }
    }

    /// A storm summary stands for more than the threshold; a first-start summary comes
    /// once per start without memory and stands for more than one.
    fn summaries_shape(&mut self) {
        let mut first_starts: BTreeMap<u32, u32> = BTreeMap::new();
        // A summary held back while the screen was out (and carried over a restart or a
        // sleep) names, when it finally shows, only what still needs me then: any size from
        // one up is right for it. The retry that shows it comes within `SCREEN_HEAL` of
        // the laptop being awake with a screen again (a sleep stops the retry's clock).
        let held = self.blocked(&[Block::NoScreen, Block::Down, Block::Asleep], &[]);
        let heal = Span::from_std(SCREEN_HEAL).unwrap();
        for screened in &self.history.screen {
            if let Shown::Summary {
                reason, incidents, ..
            } = &screened.shown
            {
                let was_held = held
                    .iter()
                    .any(|&(from, to)| from <= screened.at && screened.at <= to + heal);
                let bad = match reason.as_str() {
                    _ if incidents.is_empty() => true,
                    "Storm" => !was_held && incidents.len() <= self.rules.storm_threshold,
                    "FirstStart" => {
                        let seen = first_starts.entry(screened.epoch).or_default();
                        *seen += 1;
                        *seen > 1 || (!was_held && incidents.len() < 2)
                    }
                    _ => true,
                };
                if bad {
                    self.counts.bad_summary += 1;
                    self.find(
                        screened.at,
                        format!("bad summary: {reason} of {}", incidents.len()),
                    );
                }
            }
        }
    }

    /// A notification on screen is taken off within a poll window of nothing behind it
    /// needing me (a pause does not delay this).
    fn withdrawals(&mut self) {
        let history = self.history;
        let by_incident = episodes_of(history);
        // (what, members, shown at, epoch) and when withdrawn.
        struct Stretch {
            what: String,
            members: Vec<String>,
            from: Time,
            epoch: u32,
            withdrawn: Option<Time>,
        }
        let mut stretches: Vec<Stretch> = Vec::new();
        let mut open_pages: BTreeMap<String, usize> = BTreeMap::new();
        let mut open_summaries: BTreeMap<(u32, u64), usize> = BTreeMap::new();
        for screened in &history.screen {
            match &screened.shown {
                Shown::Page { incident, .. } => {
                    if !open_pages.contains_key(incident) {
                        stretches.push(Stretch {
                            what: format!("page of {incident}"),
                            members: vec![incident.clone()],
                            from: screened.at,
                            epoch: screened.epoch,
                            withdrawn: None,
                        });
                        open_pages.insert(incident.clone(), stretches.len() - 1);
                    }
                }
                Shown::Summary { id, incidents, .. } => {
                    stretches.push(Stretch {
                        what: format!("summary {id}"),
                        members: incidents.clone(),
                        from: screened.at,
                        epoch: screened.epoch,
                        withdrawn: None,
                    });
                    open_summaries.insert((screened.epoch, *id), stretches.len() - 1);
                }
                Shown::WithdrawPage(incident) => {
                    if let Some(index) = open_pages.remove(incident) {
                        stretches[index].withdrawn = Some(screened.at);
                    }
                }
                Shown::WithdrawSummary(id) => {
                    if let Some(index) = open_summaries.remove(&(screened.epoch, *id)) {
                        stretches[index].withdrawn = Some(screened.at);
                    }
                }
                // Shift notices are checked on their own (`shift_rules`).
                Shown::Shift { .. } | Shown::WhileAway => {}
            }
        }
        for stretch in stretches {
            let needed: Vec<(Time, Time)> = stretch
                .members
                .iter()
                .flat_map(|m| by_incident.get(m.as_str()).into_iter().flatten())
                .map(|&i| &history.episodes[i])
                .flat_map(|e| {
                    let span = (e.start, e.end.unwrap_or(self.end));
                    without(span, &self.muted(e.service))
                })
                .collect();
            let blocked = self.blocked(
                &[
                    Block::Outage,
                    Block::Auth,
                    Block::Asleep,
                    Block::Down,
                    Block::NoScreen,
                ],
                &needed,
            );
            let due = self.due(&blocked, stretch.from);
            if due > self.end {
                continue;
            }
            let lost_memory = history
                .memory_losses
                .iter()
                .any(|&m| m > stretch.from && stretch.withdrawn.is_none_or(|w| m <= w))
                || history
                    .screen
                    .iter()
                    .any(|s| s.epoch > stretch.epoch && s.at <= due);
            if lost_memory {
                continue; // What the engine forgot it cannot withdraw.
            }
            if stretch.withdrawn.is_none_or(|w| w > due) {
                self.counts.late_withdrawal += 1;
                self.find(
                    due,
                    format!(
                        "late withdrawal: {} shown at {} was due off at {due}, withdrawn {}",
                        stretch.what,
                        stretch.from,
                        stretch
                            .withdrawn
                            .map_or("never".to_string(), |w| w.to_string())
                    ),
                );
            }
        }
    }

    /// Each press of the user reaches the service: answered at least once, carried out
    /// at most once; and nothing is carried out that the user did not ask for.
    fn actions(&mut self) {
        let history = self.history;
        let requests: Vec<(usize, String, UserVerb, u16, bool)> = history
            .sent
            .iter()
            .map(|s| {
                (
                    s.position,
                    s.incident.clone(),
                    s.verb,
                    s.status,
                    s.carried_out,
                )
            })
            .collect();
        let mut presses: BTreeMap<(String, UserVerb), Vec<(usize, Time)>> = BTreeMap::new();
        for action in &history.actions {
            presses
                .entry((action.incident.clone(), action.verb))
                .or_default()
                .push((action.log_position, action.at));
        }
        for ((incident, verb), list) in &presses {
            for (n, &(position, at)) in list.iter().enumerate() {
                let until = list.get(n + 1).map_or(usize::MAX, |next| next.0);
                let mine: Vec<(u16, bool)> = requests
                    .iter()
                    .filter(|(p, id, v, _, _)| {
                        *p >= position && *p < until && id == incident && v == verb
                    })
                    .map(|r| (r.3, r.4))
                    .collect();
                let answered = mine
                    .iter()
                    .filter(|(s, done)| !done && answered(*s))
                    .count();
                let done = mine.iter().filter(|(_, done)| *done).count();
                if answered == 0 {
                    self.counts.lost_ack += 1;
                    self.find(
                        at,
                        format!(
                            "lost: {verb:?} of {incident} pressed at {at} never answered by the service ({mine:?})"
                        ),
                    );
                }
                if done > 1 {
                    self.counts.doubled_ack += 1;
                    self.find(
                        at,
                        format!("doubled: {verb:?} of {incident} pressed at {at} carried out {done} times"),
                    );
                }
            }
        }
        for (position, incident, verb, _, done) in &requests {
            let asked = presses
                .get(&(incident.clone(), *verb))
                .is_some_and(|list| list.iter().any(|(p, _)| p <= position));
            if !asked && *done {
                self.counts.doubled_ack += 1;
                self.find(
                    self.end,
                    format!("doubled: {verb:?} of {incident} sent though never pressed"),
                );
            }
        }
    }
}

/// `span` with the `holes` taken out: what is left of it, in order.
fn without(span: (Time, Time), holes: &[(Time, Time)]) -> Vec<(Time, Time)> {
    let mut holes = holes.to_vec();
    holes.sort();
    let mut left = Vec::new();
    let mut from = span.0;
    for (a, b) in holes {
        if b <= from || a >= span.1 {
            continue;
        }
        if a > from {
            left.push((from, a));
        }
        from = from.max(b);
    }
    if from < span.1 {
        left.push((from, span.1));
    }
    left
}

fn episodes_of(history: &History) -> BTreeMap<&str, Vec<usize>> {
    let mut by_incident: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, episode) in history.episodes.iter().enumerate() {
        by_incident
            .entry(episode.incident.as_str())
            .or_default()
            .push(index);
    }
    by_incident
}

/// The service answered for good: done, or refused for a reason retrying cannot fix.
pub fn answered(status: u16) -> bool {
    (200..300).contains(&status)
        || ((400..500).contains(&status) && ![401, 403, 408, 429].contains(&status))
}
