// The On call tab's words and rules: who is on call in each rota entry, the user's own
// shifts (touching rows of one place shown as one), and what covering a shift would
// change. Pure: every function that depends on the clock takes `now` (milliseconds
// since the epoch), so the confirmation's sentence is tested as text.

import type { OnCallPerson, OnCallShift, Provider, RotaEntry } from "./types";
import { clockTime, providerName } from "./words";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The hours "Cover for N hours" offers. */
export const COVER_HOURS: readonly number[] = Array.from({ length: 24 }, (_, i) => i + 1);

/** Where a rota entry or shift is, as a list names it: "Checkout · level 1 · Primary". */
export function placeName(place: Pick<RotaEntry, "escalation_policy" | "level" | "schedule">): string {
  const parts = [
    place.escalation_policy,
    place.escalation_policy !== null && place.level !== null ? `level ${place.level}` : null,
    place.schedule,
  ].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(" · ") : "On call";
}

/** The same place as the confirmation says it: "Checkout · level 1 (schedule Primary)". */
export function placeSentence(place: Pick<RotaEntry, "escalation_policy" | "level" | "schedule">): string {
  const policy = place.escalation_policy
    ? [place.escalation_policy, place.level !== null ? `level ${place.level}` : null].filter(Boolean).join(" · ")
    : null;
  const schedule = place.schedule ? `schedule ${place.schedule}` : null;
  if (policy && schedule) return `${policy} (${schedule})`;
  return policy ?? schedule ?? "this rotation";
}

/** Local calendar days from `now`'s day to `t`'s (negative in the past). */
function daysBetween(now: number, t: Date): number {
  const day = (d: Date): number => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((day(t) - day(new Date(now))) / (24 * HOUR));
}

/**
 * A shift's start or end in local time: "14:05 today", "Mon 09:00" within the coming
 * week, "Mon 16 Mar 09:00" further away (the tab looks two weeks ahead, where a weekday
 * alone would be ambiguous).
 */
export function shiftTime(iso: string, now: number): string {
  const t = new Date(iso);
  const days = daysBetween(now, t);
  if (days === 0) return `${clockTime(t)} today`;
  const weekday = t.toLocaleDateString([], { weekday: "short" });
  if (days > -7 && days < 7) return `${weekday} ${clockTime(t)}`;
  return `${weekday} ${t.toLocaleDateString([], { day: "numeric", month: "short" })} ${clockTime(t)}`;
}

/** "Alice Example", "Pat Oncall (you)". */
export function personName(person: Pick<OnCallPerson, "name" | "is_me">): string {
  return person.is_me ? `${person.name} (you)` : person.name;
}

/** How long someone on call now stays: "until Mon 09:00", or "with no end". */
export function nowSpan(person: Pick<OnCallPerson, "end">, now: number): string {
  return person.end ? `until ${shiftTime(person.end, now)}` : "with no end";
}

/** When someone next comes on call: "from Mon 09:00 until Tue 09:00". */
export function nextSpan(person: Pick<OnCallPerson, "start" | "end">, now: number): string {
  const from = person.start ? `from ${shiftTime(person.start, now)}` : "";
  const until = person.end ? `until ${shiftTime(person.end, now)}` : "with no end";
  return [from, until].filter(Boolean).join(" ");
}

/** "Alice", "Alice and Sam", "Alice, Sam and Kim". */
export function namesSentence(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

// ---- The user's shifts --------------------------------------------------------------

/** What stays the same while a shift lasts: `oncall_model::OnCallShift::place`. */
function shiftPlace(shift: OnCallShift): string {
  return [
    shift.escalation_policy_id ?? shift.escalation_policy ?? "",
    shift.level ?? "",
    shift.schedule_id ?? shift.schedule ?? "",
  ].join("/");
}

const startOf = (s: OnCallShift): number => (s.start ? Date.parse(s.start) : -Infinity);
const endOf = (s: OnCallShift): number => (s.end ? Date.parse(s.end) : Infinity);

/**
 * The user's shifts as the tab lists them: those not yet over, soonest first, where
 * shifts of one place that touch or overlap are one row (a schedule with daily turns
 * lists each day; a week on call is one shift).
 */
export function mergedShifts(shifts: readonly OnCallShift[], now: number): OnCallShift[] {
  const sorted = shifts
    .filter((s) => endOf(s) > now)
    .sort((a, b) => startOf(a) - startOf(b) || endOf(a) - endOf(b));
  const merged: OnCallShift[] = [];
  for (const shift of sorted) {
    const joined = merged.find((m) => shiftPlace(m) === shiftPlace(shift) && startOf(shift) <= endOf(m));
    if (joined) {
      if (endOf(shift) > endOf(joined)) joined.end = shift.end;
    } else {
      merged.push({ ...shift });
    }
  }
  return merged;
}

/** One of the user's shifts: "now until 18:00 today", "Mon 09:00 until Tue 09:00". */
export function shiftSpan(shift: OnCallShift, now: number): string {
  const started = startOf(shift) <= now;
  const from = started ? "now" : shiftTime(shift.start!, now);
  if (!shift.end) return started ? "now, with no end" : `from ${from}, with no end`;
  return `${from} until ${shiftTime(shift.end, now)}`;
}

// ---- Covering a shift ---------------------------------------------------------------

/** "Take this shift", "Cover for N hours", "Take the next shift". */
export type CoverKind = "take" | "hours" | "next";

/** What a cover would send: the user on call in `schedule` from `start` to `end`. */
export interface CoverPlan {
  kind: CoverKind;
  schedule: string;
  /** ISO times, exactly as sent. */
  start: string;
  end: string;
  /** Who would no longer be on call meanwhile (the user left out). */
  replaced: string[];
}

/** Now, to the minute: the time the confirmation shows is the time sent. */
function thisMinute(now: number): number {
  return Math.floor(now / MINUTE) * MINUTE;
}

const overlaps = (p: OnCallPerson, start: number, end: number): boolean =>
  (p.start ? Date.parse(p.start) : -Infinity) < end && (p.end ? Date.parse(p.end) : Infinity) > start;

/** Who of the entry's people other than the user is on call at some time in `start..end`. */
function othersDuring(entry: RotaEntry, start: number, end: number): string[] {
  const names = [...entry.now, ...entry.next]
    .filter((p) => !p.is_me && overlaps(p, start, end))
    .map((p) => p.name);
  return [...new Set(names)];
}

/**
 * What covering would send, or `null` where the entry offers no such cover: only in a
 * schedule (a `schedule_id`); "take" and "hours" only while the user is not the one on
 * call now, "take" only when that shift has an end; "next" only for a next shift that
 * is someone else's and has a start and an end.
 */
export function coverPlan(entry: RotaEntry, kind: CoverKind, now: number, hours = 1): CoverPlan | null {
  const schedule = entry.schedule_id;
  if (!schedule) return null;
  const start = thisMinute(now);
  const plan = (from: number, until: number): CoverPlan | null =>
    until > from
      ? {
          kind,
          schedule,
          start: new Date(from).toISOString(),
          end: new Date(until).toISOString(),
          replaced: othersDuring(entry, from, until),
        }
      : null;
  const meNow = entry.now.some((p) => p.is_me);
  switch (kind) {
    case "take": {
      const current = entry.now[0];
      if (meNow || !current?.end) return null;
      return plan(start, Date.parse(current.end));
    }
    case "hours":
      if (meNow || !COVER_HOURS.includes(hours)) return null;
      return plan(start, start + hours * HOUR);
    case "next": {
      const next = entry.next[0];
      if (!next || next.is_me || !next.start || !next.end) return null;
      return plan(Date.parse(next.start), Date.parse(next.end));
    }
  }
}

/** The covers an entry offers now, in the order its buttons show. */
export function coverKinds(entry: RotaEntry, now: number): CoverKind[] {
  return (["take", "hours", "next"] as const).filter((kind) => coverPlan(entry, kind, now) !== null);
}

export function coverButtonText(kind: CoverKind): string {
  switch (kind) {
    case "take":
      return "Take this shift";
    case "hours":
      return "Cover for N hours";
    case "next":
      return "Take the next shift";
  }
}

/**
 * What Confirm will change, in one sentence and what it does in the service: "You will
 * be on call for Checkout · level 1 (schedule Primary) from 14:05 today until Mon 09:00
 * instead of Alice Example. This adds an override to the schedule in PagerDuty."
 */
export function confirmationText(entry: RotaEntry, plan: CoverPlan, provider: Provider, now: number): string {
  const when = `from ${shiftTime(plan.start, now)} until ${shiftTime(plan.end, now)}`;
  const instead =
    plan.replaced.length > 0 ? ` instead of ${namesSentence(plan.replaced)}` : " (nobody else is on call then)";
  return (
    `You will be on call for ${placeSentence(entry)} ${when}${instead}. ` +
    `This adds an override to the schedule in ${providerName(provider)}.`
  );
}

/** Said once the service confirmed the override. */
export function coveredText(entry: RotaEntry, covered: { start: string; end: string }, provider: Provider, now: number): string {
  return (
    `Done: you are on call for ${placeSentence(entry)} from ${shiftTime(covered.start, now)} ` +
    `until ${shiftTime(covered.end, now)}. ${providerName(provider)} added the override.`
  );
}
