// The incident list's logic: order, filter and the actions a row offers. Pure.

import type { ActionKind, Capabilities, Incident, IncidentView, Status, View } from "./types";
import { incidentName } from "./words";

/** "ACCOUNT/ID": a row's `data-key`. */
export function keyOf(incident: Pick<Incident, "key">): string {
  return `${incident.key.account}/${incident.key.id}`;
}

const STATUS_RANK: Record<Status, number> = { triggered: 0, acknowledged: 1, resolved: 2 };

/**
 * Most urgent first, the engine's order (crates/engine/src/view.rs): triggered before
 * acknowledged, high urgency before low, oldest first, then by key so the order is
 * stable. The engine already sends the list sorted; this keeps the page right if not.
 */
export function sortIncidents(items: readonly IncidentView[]): IncidentView[] {
  const compareKeys = (a: Incident, b: Incident): number =>
    a.key.account < b.key.account ? -1 : a.key.account > b.key.account ? 1 :
    a.key.id < b.key.id ? -1 : a.key.id > b.key.id ? 1 : 0;
  return [...items].sort((x, y) => {
    const a = x.incident;
    const b = y.incident;
    return (
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      (a.urgency === b.urgency ? 0 : a.urgency === "high" ? -1 : 1) ||
      Date.parse(a.created_at) - Date.parse(b.created_at) ||
      compareKeys(a, b)
    );
  });
}

/** Whether `incident` matches the filter box: title, service, or number ("#42" or "42"). */
export function matchesFilter(incident: Incident, query: string): boolean {
  const q = query.trim().toLowerCase().replace(/^#/, "");
  if (!q) return true;
  return (
    incident.title.toLowerCase().includes(q) ||
    (incident.service ?? "").toLowerCase().includes(q) ||
    (incident.number != null && String(incident.number).startsWith(q))
  );
}

/** The incidents to show: of one account (or all when `account` is ""), matching `query`. */
export function filterIncidents(
  items: readonly IncidentView[],
  account: string,
  query: string,
): IncidentView[] {
  return items.filter(
    ({ incident }) => (!account || incident.key.account === account) && matchesFilter(incident, query),
  );
}

/** What the UI may offer for an account's incidents (everything but unacknowledge if unknown). */
export function capabilitiesOf(view: View, account: string): Capabilities {
  return (
    view.accounts.find((a) => a.account === account)?.capabilities ?? {
      resolve: true,
      snooze: true,
      unacknowledge: false,
    }
  );
}

export type ActionId =
  | "ack"
  | "unack"
  | "resolve"
  | "snooze900"
  | "snooze3600"
  | "snooze14400"
  | "open";

export interface RowAction {
  /** The button's `data-action`. */
  id: ActionId;
  text: string;
  /** The button's accessible name, naming the incident. */
  label: string;
  /** `null` for "open in the browser". */
  kind: ActionKind | null;
  enabled: boolean;
}

/** The actions a row offers: by the account's capabilities and the incident's status. */
export function actionsFor(item: IncidentView, can: Capabilities): RowAction[] {
  const { incident, pending } = item;
  const idle = !pending;
  const acknowledged = incident.status === "acknowledged";
  const name = incidentName(incident);
  const actions: RowAction[] = [];
  const add = (id: ActionId, text: string, label: string, kind: ActionKind): void => {
    actions.push({ id, text, label: `${label} ${name}`, kind, enabled: idle });
  };
  if (incident.status === "triggered") add("ack", "Acknowledge", "Acknowledge", { kind: "acknowledge" });
  if (can.unacknowledge && acknowledged) {
    add("unack", "Unacknowledge", "Unacknowledge", { kind: "unacknowledge" });
  }
  if (can.resolve) add("resolve", "Resolve", "Resolve", { kind: "resolve" });
  if (can.snooze && acknowledged) {
    add("snooze900", "Snooze 15 min", "Snooze for 15 minutes:", { kind: "snooze", seconds: 900 });
    add("snooze3600", "1 h", "Snooze for 1 hour:", { kind: "snooze", seconds: 3600 });
    add("snooze14400", "4 h", "Snooze for 4 hours:", { kind: "snooze", seconds: 14400 });
  }
  if (incident.web_url) {
    actions.push({ id: "open", text: "Open", label: `Open ${name} in the browser`, kind: null, enabled: true });
  }
  return actions;
}

/** The header's count: "All clear" or "2 triggered · 1 acknowledged". */
export function stateLine(view: View): string {
  const count = (status: Status): number =>
    view.incidents.filter((i) => i.incident.status === status).length;
  // A muted or rule-quiet incident is listed but needs no one: counted apart, as the
  // tray does.
  const quiet = view.incidents.filter((i) => i.incident.status === "triggered" && i.quiet).length;
  const triggered = count("triggered") - quiet;
  const acknowledged = count("acknowledged");
  if (triggered + quiet + acknowledged === 0) return "All clear";
  const quietPart = quiet > 0 ? ` · ${quiet} quiet` : "";
  return `${triggered} triggered${quietPart} · ${acknowledged} acknowledged`;
}
