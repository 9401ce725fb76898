import { describe, expect, it } from "vitest";

import {
  confirmationText,
  coveredText,
  coverKinds,
  coverPlan,
  mergedShifts,
  nextSpan,
  nowSpan,
  placeName,
  placeSentence,
  shiftSpan,
  shiftTime,
} from "./oncall";
import type { OnCallPerson, OnCallShift, RotaEntry } from "./types";
import { clockTime } from "./words";

// Local times, so the words ("today", "Mon") hold in any time zone the tests run in.
// Tuesday 10 March 2026, 14:05:37 local.
const local = (day: number, hour: number, minute = 0, second = 0): Date => new Date(2026, 2, day, hour, minute, second);
const NOW = local(10, 14, 5, 37).getTime();
const iso = (d: Date): string => d.toISOString();
const weekday = (d: Date): string => d.toLocaleDateString([], { weekday: "short" });

const alice: OnCallPerson = {
  user_id: "PALICE1",
  name: "Alice Example",
  is_me: false,
  start: iso(local(9, 9)),
  end: iso(local(16, 9)),
};
const pat: OnCallPerson = {
  user_id: "PUSER01",
  name: "Pat Oncall",
  is_me: true,
  start: iso(local(16, 9)),
  end: iso(local(23, 9)),
};

function entry(over: Partial<RotaEntry> = {}): RotaEntry {
  return {
    escalation_policy: "Checkout",
    escalation_policy_id: "PEP1",
    level: 1,
    schedule: "Primary",
    schedule_id: "PSCHED1",
    now: [alice],
    next: [pat],
    ...over,
  };
}

describe("places", () => {
  it("names a rota entry by policy, level and schedule", () => {
    expect(placeName(entry())).toBe("Checkout · level 1 · Primary");
    expect(placeName(entry({ schedule: null }))).toBe("Checkout · level 1");
    expect(placeName(entry({ escalation_policy: null }))).toBe("Primary");
    expect(placeName(entry({ escalation_policy: null, schedule: null }))).toBe("On call");
  });

  it("says the place in a sentence with the schedule in brackets", () => {
    expect(placeSentence(entry())).toBe("Checkout · level 1 (schedule Primary)");
    expect(placeSentence(entry({ escalation_policy: null }))).toBe("schedule Primary");
  });
});

describe("times", () => {
  it("says today, a weekday within the week, and the date further away", () => {
    expect(shiftTime(iso(local(10, 18)), NOW)).toBe(`${clockTime(local(10, 18))} today`);
    expect(shiftTime(iso(local(16, 9)), NOW)).toBe(`${weekday(local(16, 9))} ${clockTime(local(16, 9))}`);
    const far = local(23, 9);
    const date = far.toLocaleDateString([], { day: "numeric", month: "short" });
    expect(shiftTime(iso(far), NOW)).toBe(`${weekday(far)} ${date} ${clockTime(far)}`);
  });

  it("says until when someone is on call now and when the next one comes", () => {
    expect(nowSpan(alice, NOW)).toBe(`until ${weekday(local(16, 9))} ${clockTime(local(16, 9))}`);
    expect(nowSpan({ end: null }, NOW)).toBe("with no end");
    const end = local(23, 9);
    expect(nextSpan(pat, NOW)).toBe(
      `from ${weekday(local(16, 9))} ${clockTime(local(16, 9))} until ` +
        `${weekday(end)} ${end.toLocaleDateString([], { day: "numeric", month: "short" })} ${clockTime(end)}`,
    );
  });
});

describe("mergedShifts", () => {
  const shift = (start: Date | null, end: Date | null, over: Partial<OnCallShift> = {}): OnCallShift => ({
    escalation_policy: "Checkout",
    escalation_policy_id: "PEP1",
    schedule: "Primary",
    schedule_id: "PSCHED1",
    level: 1,
    start: start && iso(start),
    end: end && iso(end),
    ...over,
  });

  it("joins touching shifts of one place and keeps others apart, soonest first (then soonest over)", () => {
    const shifts = [
      shift(local(12, 9), local(13, 9)),
      shift(local(11, 9), local(12, 9)),
      shift(local(11, 9), local(11, 17), { escalation_policy_id: "PEP2", escalation_policy: "Payments" }),
      shift(local(20, 9), local(21, 9)),
    ];
    const merged = mergedShifts(shifts, NOW);
    expect(merged.map((s) => [s.escalation_policy, s.start, s.end])).toEqual([
      ["Payments", iso(local(11, 9)), iso(local(11, 17))],
      ["Checkout", iso(local(11, 9)), iso(local(13, 9))],
      ["Checkout", iso(local(20, 9)), iso(local(21, 9))],
    ]);
    // The view's own rows are left as they were.
    expect(shifts[1]!.end).toBe(iso(local(12, 9)));
  });

  it("drops shifts already over and says a current one runs from now", () => {
    const merged = mergedShifts([shift(local(9, 9), local(10, 9)), shift(local(10, 9), local(10, 18))], NOW);
    expect(merged).toHaveLength(1);
    expect(shiftSpan(merged[0]!, NOW)).toBe(`now until ${clockTime(local(10, 18))} today`);
    expect(shiftSpan(shift(null, null), NOW)).toBe("now, with no end");
  });
});

describe("covering a shift", () => {
  it("takes this shift from now, to the minute, until the current person's end", () => {
    const plan = coverPlan(entry(), "take", NOW)!;
    expect(plan).toEqual({
      kind: "take",
      schedule: "PSCHED1",
      start: iso(local(10, 14, 5)),
      end: alice.end,
      replaced: ["Alice Example"],
    });
  });

  it("says exactly what will change", () => {
    const plan = coverPlan(entry(), "take", NOW)!;
    expect(confirmationText(entry(), plan, "pagerduty", NOW)).toBe(
      `You will be on call for Checkout · level 1 (schedule Primary) from ${clockTime(local(10, 14, 5))} today ` +
        `until ${weekday(local(16, 9))} ${clockTime(local(16, 9))} instead of Alice Example. ` +
        "This adds an override to the schedule in PagerDuty.",
    );
  });

  it("covers N hours from now, naming everyone it replaces", () => {
    const sam: OnCallPerson = { ...alice, user_id: "PSAM", name: "Sam Second", start: iso(local(10, 16)), end: iso(local(11, 9)) };
    const handover = entry({ now: [{ ...alice, end: iso(local(10, 16)) }], next: [sam] });
    const three = coverPlan(handover, "hours", NOW, 3)!;
    expect([three.start, three.end]).toEqual([iso(local(10, 14, 5)), iso(local(10, 17, 5))]);
    expect(three.replaced).toEqual(["Alice Example", "Sam Second"]);
    expect(confirmationText(handover, three, "opsgenie", NOW)).toContain(
      `until ${clockTime(local(10, 17, 5))} today instead of Alice Example and Sam Second. This adds an override to the schedule in Opsgenie.`,
    );
    expect(coverPlan(handover, "hours", NOW, 1)!.replaced).toEqual(["Alice Example"]);
    expect(coverPlan(handover, "hours", NOW, 0)).toBeNull();
    expect(coverPlan(handover, "hours", NOW, 25)).toBeNull();
  });

  it("says so when nobody else would be on call", () => {
    const gap = entry({ now: [], next: [] });
    const plan = coverPlan(gap, "hours", NOW, 2)!;
    expect(confirmationText(gap, plan, "pagerduty", NOW)).toContain("today (nobody else is on call then). ");
  });

  it("takes the next shift with its own start and end", () => {
    const theirs = entry({ now: [{ ...pat, start: alice.start, end: alice.end }], next: [{ ...alice, start: pat.start, end: pat.end }] });
    const plan = coverPlan(theirs, "next", NOW)!;
    expect([plan.start, plan.end, plan.replaced]).toEqual([pat.start, pat.end, ["Alice Example"]]);
  });

  it("offers only the covers that make sense", () => {
    expect(coverKinds(entry(), NOW)).toEqual(["take", "hours"]);
    // I am on call now: nothing to take now, but someone else's next shift is.
    const mine = entry({ now: [{ ...pat, start: alice.start, end: alice.end }], next: [{ ...alice, start: pat.start, end: pat.end }] });
    expect(coverKinds(mine, NOW)).toEqual(["next"]);
    // An escalation level with no schedule cannot be covered.
    expect(coverKinds(entry({ schedule_id: null }), NOW)).toEqual([]);
    // A shift with no end cannot be taken whole, only covered for hours.
    expect(coverKinds(entry({ now: [{ ...alice, end: null }] }), NOW)).toEqual(["hours"]);
    // A next shift without an end is not offered.
    expect(coverKinds(entry({ next: [{ ...alice, start: pat.start, end: null }] }), NOW)).toEqual(["take", "hours"]);
  });

  it("says what the service confirmed", () => {
    expect(coveredText(entry(), { start: iso(local(10, 14, 5)), end: alice.end! }, "pagerduty", NOW)).toBe(
      `Done: you are on call for Checkout · level 1 (schedule Primary) from ${clockTime(local(10, 14, 5))} today ` +
        `until ${weekday(local(16, 9))} ${clockTime(local(16, 9))}. PagerDuty added the override.`,
    );
  });
});
