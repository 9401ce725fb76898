// The detail pane's logic: what an account can do beyond acknowledging, the sentence each
// confirmation asks, and how quiet and muted incidents are said. Pure: functions that
// depend on the clock take `now` (milliseconds since the epoch).

import type {
  ActionKind,
  Assignee,
  AssigneeKind,
  Capabilities,
  Incident,
  Mute,
  Quiet,
  View,
} from "./types";
import { clockTime, incidentName, namesList, when } from "./words";

/** What the detail pane offers for one account's incidents. */
export interface Offers {
  notes: boolean;
  /** Whom an incident can be reassigned to; empty: no reassigning. */
  reassignKinds: AssigneeKind[];
  /** "next_level": PagerDuty's escalate; "choose": Opsgenie's, to a chosen escalation. */
  escalate: "next_level" | "choose" | null;
  /** Whom responders can be asked from; empty: no adding responders. */
  responderKinds: AssigneeKind[];
  urgency: boolean;
  /** Notes, log entries and alerts fetched for the pane. */
  details: boolean;
}

/** The pane's offers by the account's capabilities; absent ones (older views) are not offered. */
export function offersOf(can: Capabilities): Offers {
  const reassignKinds: AssigneeKind[] = [];
  if (can.reassign_to_users) reassignKinds.push("user");
  if (can.reassign_to_policies) reassignKinds.push("escalation_policy");
  if (can.reassign_to_teams) reassignKinds.push("team");
  const needsTarget = can.escalate_needs_target ?? null;
  return {
    notes: can.notes === true,
    reassignKinds,
    escalate: needsTarget === null ? null : needsTarget ? "choose" : "next_level",
    // A responder request goes to people and, where the service has them, policies
    // (PagerDuty's responder_request_targets: user or escalation policy references).
    responderKinds: can.add_responders
      ? ["user", ...(can.reassign_to_policies ? (["escalation_policy"] as const) : [])]
      : [],
    urgency: can.set_urgency === true,
    details: can.details === true,
  };
}

/** "user", "escalation policy": how an assignee's kind is shown beside its name. */
export function kindWords(kind: AssigneeKind): string {
  switch (kind) {
    case "user":
      return "user";
    case "escalation_policy":
      return "escalation policy";
    case "team":
      return "team";
    case "escalation":
      return "escalation";
  }
}

/** "Alice Example", "the escalation policy Checkout", "the team Platform". */
export function targetWords(to: Assignee): string {
  return to.kind === "user" ? to.name : `the ${kindWords(to.kind)} ${to.name}`;
}

/** Who loses the incident when it is handed on: "It will no longer be assigned to you." */
function noLongerWords(incident: Incident): string {
  if (incident.assigned_to_me_at !== null) return " It will no longer be assigned to you.";
  const others = incident.assignees.map((p) => p.name);
  return others.length > 0 ? ` It will no longer be assigned to ${namesList(others)}.` : "";
}

/** What a confirmation asks before `kind` is sent for `incident`: exactly what will happen. */
export function confirmationText(incident: Incident, kind: ActionKind): string {
  const name = incidentName(incident);
  switch (kind.kind) {
    case "reassign": {
      const paged = kind.to.kind === "escalation_policy" ? " Whoever is on call at its first level will be paged." : "";
      return `Reassign ${name} to ${targetWords(kind.to)}?${paged}${noLongerWords(incident)}`;
    }
    case "escalate":
      if (kind.to) {
        return `Escalate ${name} with ${targetWords(kind.to)}? Whoever its next step names will be notified.`;
      }
      return (
        `Escalate ${name} to the next level of ${incident.escalation_policy ?? "its escalation policy"}? ` +
        `Whoever is on call there will be paged.${noLongerWords(incident)}`
      );
    case "add_responders": {
      const who = namesList(kind.responders.map(targetWords));
      return `Ask ${who} to respond to ${name}? They will be paged with your message: “${kind.message}”`;
    }
    case "set_urgency":
      return `Change the urgency of ${name} from ${incident.urgency} to ${kind.urgency}?`;
    case "add_note":
      return `Add this note to ${name}? “${kind.text}”`;
    case "acknowledge":
      return `Acknowledge ${name}?`;
    case "resolve":
      return `Resolve ${name}?`;
    case "unacknowledge":
      return `Un-acknowledge ${name}?`;
    case "snooze":
      return `Snooze ${name}?`;
  }
}

/** The confirmation's title: what the Confirm button will do. */
export function confirmationTitle(kind: ActionKind): string {
  switch (kind.kind) {
    case "reassign":
      return "Reassign this incident?";
    case "escalate":
      return "Escalate this incident?";
    case "add_responders":
      return "Add responders?";
    case "set_urgency":
      return "Change the urgency?";
    default:
      return "Are you sure?";
  }
}

/** The row's and the pane's marker of an incident that never pages. */
export function quietWords(quiet: Quiet, now: number): string {
  return quiet.reason === "muted" ? `muted until ${when(quiet.until, now)}` : `quiet by a rule: ${quiet.rule}`;
}

/** The mute of `service` in `account` that still holds at `now`, if any. */
export function muteOf(view: View | null, account: string, service: string | null, now: number): Mute | null {
  if (!view || service === null) return null;
  return (
    (view.mutes ?? []).find((m) => m.account === account && m.service === service && Date.parse(m.until) > now) ?? null
  );
}

/** How long a service can be muted for, in hours. */
export const MUTE_HOURS: readonly number[] = [1, 2, 4, 8, 24];

/** A note's, log entry's or alert's time: "14:05" today, "Fri 09:00" this week, else with its date. */
export function stampWords(iso: string, now: number): string {
  const t = new Date(iso);
  if (now - t.getTime() < 6 * 86_400_000) return when(iso, now);
  return `${t.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" })} ${clockTime(t)}`;
}

/** The verb of "Could not {verb} #42 …" (the Rust side's `ActionKind::verb`). */
export function verbWords(kind: ActionKind): string {
  switch (kind.kind) {
    case "add_note":
      return "add a note to";
    case "add_responders":
      return "add responders to";
    case "set_urgency":
      return "change the urgency of";
    default:
      return kind.kind;
  }
}
