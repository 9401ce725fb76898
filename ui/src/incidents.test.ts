import { describe, expect, it } from "vitest";

import { actionsFor, capabilitiesOf, filterIncidents, keyOf, matchesFilter, sortIncidents, stateLine } from "./incidents";
import { accountView, ago, incident, item, view } from "./test/fixtures";
import type { Capabilities } from "./types";

const ids = (items: { incident: { key: { id: string } } }[]) => items.map((i) => i.incident.key.id);

describe("sortIncidents", () => {
  it("puts triggered before acknowledged, high before low urgency, then the oldest first", () => {
    const sorted = sortIncidents([
      item("ack-old", { status: "acknowledged", created_at: ago(500) }),
      item("low-old", { urgency: "low", created_at: ago(300) }),
      item("high-new", { created_at: ago(5) }),
      item("high-old", { created_at: ago(60) }),
      item("low-new", { urgency: "low", created_at: ago(1) }),
    ]);
    expect(ids(sorted)).toEqual(["high-old", "high-new", "low-old", "low-new", "ack-old"]);
  });

  it("orders equal incidents by key so the list does not jump", () => {
    const at = ago(10);
    const sorted = sortIncidents([
      item("b", { created_at: at }),
      item("a", { created_at: at, key: { account: "zeta", id: "a" } }),
      item("c", { created_at: at }),
    ]);
    expect(sorted.map((i) => keyOf(i.incident))).toEqual(["work/b", "work/c", "zeta/a"]);
  });

  it("leaves its input alone", () => {
    const input = [item("2", { created_at: ago(1) }), item("1", { created_at: ago(2) })];
    sortIncidents(input);
    expect(ids(input)).toEqual(["2", "1"]);
  });
});

describe("filtering", () => {
  const db = incident("P42", { number: 42, title: "Database down", service: "Payments API" });

  it("matches title and service without regard to case", () => {
    expect(matchesFilter(db, "database")).toBe(true);
    expect(matchesFilter(db, "PAYMENTS")).toBe(true);
    expect(matchesFilter(db, "checkout")).toBe(false);
  });

  it("matches the number with or without #, from its start", () => {
    expect(matchesFilter(db, "#42")).toBe(true);
    expect(matchesFilter(db, "4")).toBe(true);
    expect(matchesFilter(db, "2")).toBe(false);
  });

  it("matches everything with an empty or blank query", () => {
    expect(matchesFilter(db, "")).toBe(true);
    expect(matchesFilter(db, "   ")).toBe(true);
  });

  it("filters by account and query together", () => {
    const items = [
      item("1", { title: "Disk full" }),
      item("2", { title: "Disk full", key: { account: "home", id: "2" } }),
      item("3", { title: "CPU hot" }),
    ];
    expect(ids(filterIncidents(items, "", "disk"))).toEqual(["1", "2"]);
    expect(ids(filterIncidents(items, "home", "disk"))).toEqual(["2"]);
    expect(ids(filterIncidents(items, "work", ""))).toEqual(["1", "3"]);
  });
});

describe("actionsFor", () => {
  const pagerduty: Capabilities = { resolve: true, snooze: true, unacknowledge: false };
  const alertmanager: Capabilities = { resolve: false, snooze: false, unacknowledge: true };
  const actionIds = (...args: Parameters<typeof actionsFor>) => actionsFor(...args).map((a) => a.id);

  it("offers acknowledge, resolve and open on a triggered PagerDuty incident", () => {
    expect(actionIds(item("1"), pagerduty)).toEqual(["ack", "resolve", "open"]);
  });

  it("offers resolve and the three snoozes on an acknowledged one", () => {
    expect(actionIds(item("1", { status: "acknowledged" }), pagerduty)).toEqual([
      "resolve",
      "snooze900",
      "snooze3600",
      "snooze14400",
      "open",
    ]);
  });

  it("offers only what Alertmanager can do: acknowledge, then unacknowledge", () => {
    expect(actionIds(item("1"), alertmanager)).toEqual(["ack", "open"]);
    expect(actionIds(item("1", { status: "acknowledged" }), alertmanager)).toEqual(["unack", "open"]);
  });

  it("has no open button without a web page", () => {
    expect(actionIds(item("1", { web_url: null }), pagerduty)).toEqual(["ack", "resolve"]);
  });

  it("disables the actions while one is pending, but not open", () => {
    const actions = actionsFor(item("1", {}, { pending: { kind: "acknowledge" } }), pagerduty);
    expect(actions.filter((a) => a.enabled).map((a) => a.id)).toEqual(["open"]);
  });

  it("names the incident and what the action sends", () => {
    const [ack, , open] = actionsFor(item("7", { title: "Disk full" }), pagerduty);
    expect(ack).toMatchObject({ label: "Acknowledge #7 Disk full", kind: { kind: "acknowledge" } });
    expect(open).toMatchObject({ label: "Open #7 Disk full in the browser", kind: null });
    const snooze = actionsFor(item("7", { status: "acknowledged" }), pagerduty).find((a) => a.id === "snooze14400");
    expect(snooze?.kind).toEqual({ kind: "snooze", seconds: 14400 });
  });
});

describe("capabilitiesOf and stateLine", () => {
  it("finds the account's capabilities, with a safe default for an unknown account", () => {
    const v = view({ accounts: [accountView("am", { capabilities: { resolve: false, snooze: false, unacknowledge: true } })] });
    expect(capabilitiesOf(v, "am").unacknowledge).toBe(true);
    expect(capabilitiesOf(v, "gone")).toEqual({ resolve: true, snooze: true, unacknowledge: false });
  });

  it("counts triggered and acknowledged incidents", () => {
    expect(stateLine(view())).toBe("All clear");
    expect(stateLine(view({ incidents: [item("1"), item("2", { status: "acknowledged" }), item("3")] }))).toBe(
      "2 triggered · 1 acknowledged",
    );
    const muted = item("3", {}, { quiet: { reason: "muted", until: "2026-03-10T14:00:00Z" } });
    expect(stateLine(view({ incidents: [item("1"), item("2", { status: "acknowledged" }), muted] }))).toBe(
      "1 triggered · 1 quiet · 1 acknowledged",
    );
  });
});
