import { describe, expect, it } from "vitest";

import { historyText, historyTime, isTrouble, newestFirst } from "./history";
import type { HistoryEntry } from "./types";
import { clockTime } from "./words";

const base = { at: "2026-03-10T11:00:00Z", account: "work", incident: "P42", title: "#42 Database down" };

describe("historyText", () => {
  it("says what was paged, and why", () => {
    expect(historyText({ ...base, event: "paged", urgency: "high", reason: "new" })).toBe(
      "Paged: #42 Database down (high urgency)",
    );
    expect(historyText({ ...base, event: "paged", urgency: "high", reason: "repeat" })).toBe(
      "Paged again: #42 Database down (high urgency)",
    );
    expect(historyText({ ...base, event: "paged", urgency: "low", reason: "released" })).toBe(
      "Paged after being held back by a pause or quiet hours: #42 Database down (low urgency)",
    );
  });

  it("says how many incidents a summary announced", () => {
    const summary = { ...base, incident: null, title: null, event: "summary" as const };
    expect(historyText({ ...summary, count: 12, reason: "storm" })).toBe("12 new incidents announced together (storm)");
    expect(historyText({ ...summary, count: 4, reason: "first_start" })).toBe(
      "4 incidents already open at start announced together",
    );
  });

  it("says a notification was withdrawn", () => {
    expect(historyText({ ...base, event: "withdrawn" })).toBe("Notification withdrawn: #42 Database down");
  });

  it("says what the user did and how it ended", () => {
    const action = { ...base, event: "action" as const, kind: { kind: "acknowledge" as const } };
    expect(historyText({ ...action, result: "confirmed", reason: null })).toBe(
      "You acknowledged #42 Database down — confirmed by the service",
    );
    expect(historyText({ ...action, result: "queued", reason: "the service cannot be reached" })).toBe(
      "You acknowledged #42 Database down — not confirmed yet: the service cannot be reached",
    );
    expect(historyText({ ...action, result: "queued", reason: null })).toBe(
      "You acknowledged #42 Database down — not confirmed yet",
    );
    expect(
      historyText({ ...action, kind: { kind: "snooze", seconds: 900 }, result: "failed", reason: "incident is resolved" }),
    ).toBe("You snoozed #42 Database down for 15 min — failed: incident is resolved");
  });

  it("says a token was rejected, for which account", () => {
    expect(
      historyText({ ...base, incident: null, title: null, event: "token_rejected", reason: "401 Unauthorized" }),
    ).toBe("Token rejected for work: 401 Unauthorized");
  });

  it("says what someone else did to a page of mine", () => {
    expect(historyText({ ...base, event: "handled_by_others", how: "acknowledged", by: null })).toBe(
      "Acknowledged by someone else: #42 Database down",
    );
    expect(historyText({ ...base, event: "handled_by_others", how: "resolved", by: "Alice" })).toBe(
      "Resolved by Alice: #42 Database down",
    );
  });

  it("says which word about a shift was shown", () => {
    const shift = { ...base, incident: null, title: "Checkout (level 1)", event: "shift" as const };
    const start = "2026-03-10T12:00:00Z";
    const end = "2026-03-10T20:00:00Z";
    expect(historyText({ ...shift, moment: { kind: "reminder" }, start, end })).toBe(
      `Shift reminder: Checkout (level 1) from ${clockTime(new Date(start))}`,
    );
    expect(historyText({ ...shift, moment: { kind: "started" }, start, end })).toBe(
      `On call: Checkout (level 1) until ${clockTime(new Date(end))}`,
    );
    expect(
      historyText({ ...shift, moment: { kind: "ended", early: true, open_incidents: 2 }, start, end }),
    ).toBe("Shift ended early: Checkout (level 1) (2 incidents still open)");
  });

  it("sums up an absence", () => {
    const away = { ...base, incident: null, title: null, event: "while_away" as const };
    expect(historyText({ ...away, paged: 3, handled_by_others: 1, still_open: 2 })).toBe(
      "While you were away: 3 pages, 1 handled by someone else, 2 still open",
    );
  });

  it("falls back to the incident's id, then to 'an incident', without a title", () => {
    expect(historyText({ ...base, title: null, event: "withdrawn" })).toBe("Notification withdrawn: incident P42");
    expect(historyText({ ...base, incident: null, title: null, event: "withdrawn" })).toBe(
      "Notification withdrawn: an incident",
    );
  });
});

describe("historyTime", () => {
  // Local times, so the expectations hold in any time zone.
  const now = new Date(2026, 2, 10, 9, 30).getTime();

  it("gives the clock time for today", () => {
    const at = new Date(2026, 2, 10, 8, 5);
    expect(historyTime(at.toISOString(), now)).toBe(clockTime(at));
  });

  it("says yesterday for the hours before midnight", () => {
    const at = new Date(2026, 2, 9, 23, 10);
    expect(historyTime(at.toISOString(), now)).toBe(`yesterday ${clockTime(at)}`);
  });

  it("knows yesterday across a month boundary", () => {
    const at = new Date(2026, 1, 28, 22, 0);
    expect(historyTime(at.toISOString(), new Date(2026, 2, 1, 6, 0).getTime())).toBe(`yesterday ${clockTime(at)}`);
  });
});

describe("ordering and trouble", () => {
  const at = (iso: string): HistoryEntry => ({ ...base, at: iso, event: "withdrawn" });

  it("puts the newest first", () => {
    const entries = [at("2026-03-10T10:00:00Z"), at("2026-03-10T11:30:00Z"), at("2026-03-09T23:00:00Z")];
    expect(newestFirst(entries).map((e) => e.at)).toEqual([
      "2026-03-10T11:30:00Z",
      "2026-03-10T10:00:00Z",
      "2026-03-09T23:00:00Z",
    ]);
  });

  it("marks failed actions and rejected tokens as trouble, nothing else", () => {
    expect(isTrouble({ ...base, event: "token_rejected", reason: "401" })).toBe(true);
    expect(isTrouble({ ...base, event: "action", kind: { kind: "resolve" }, result: "failed", reason: null })).toBe(true);
    expect(isTrouble({ ...base, event: "action", kind: { kind: "resolve" }, result: "confirmed", reason: null })).toBe(
      false,
    );
    expect(isTrouble({ ...base, event: "paged", urgency: "high", reason: "new" })).toBe(false);
  });
});
