// Times, states and the on-call line in words a tired person understands. Pure: every
// function that depends on the clock takes `now` (milliseconds since the epoch).

import type {
  AccountSettings,
  AccountView,
  ActionKind,
  Delivery,
  Incident,
  OnCallShift,
  Pause,
  Provider,
  TokenState,
} from "./types";

/** How old something created at `iso` is: "just now", "12 min", "3 h", "2 d". */
export function age(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

/** "12 s", "3 min", "2 h": how far `iso` is from now, either way. */
export function distance(iso: string, now: number): string {
  const seconds = Math.round(Math.abs(now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** "now" once `iso` has passed, else "in 3 min". */
export function inTime(iso: string, now: number): string {
  return Date.parse(iso) <= now ? "now" : `in ${distance(iso, now)}`;
}

/** A local clock time the way this system writes one ("14:05" or "2:05 PM"). */
export function clockTime(date: Date): string {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "14:05" today, "Fri 09:00" on another day. */
export function when(iso: string, now: number): string {
  const t = new Date(iso);
  const sameDay = t.toDateString() === new Date(now).toDateString();
  return sameDay ? clockTime(t) : `${t.toLocaleDateString([], { weekday: "short" })} ${clockTime(t)}`;
}

export function incidentName(incident: Pick<Incident, "number" | "title">): string {
  return incident.number != null ? `#${incident.number} ${incident.title}` : incident.title;
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol". */
export function namesList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** What a row says while an action is on its way: "acknowledging…", "reassigning to Alice Example…". */
export function progressWords(kind: ActionKind): string {
  switch (kind.kind) {
    case "acknowledge":
      return "acknowledging…";
    case "resolve":
      return "resolving…";
    case "snooze":
      return "snoozing…";
    case "unacknowledge":
      return "un-acknowledging…";
    case "add_note":
      return "note on its way…";
    case "reassign":
      return `reassigning to ${kind.to.name}…`;
    case "escalate":
      return kind.to ? `escalating to ${kind.to.name}…` : "escalating to the next level…";
    case "add_responders":
      return `asking ${namesList(kind.responders.map((r) => r.name))} to respond…`;
    case "set_urgency":
      return `changing to ${kind.urgency} urgency…`;
  }
}

export function connectionWords(account: AccountView, now: number): string {
  const c = account.connection;
  switch (c.state) {
    case "connecting":
      return "connecting…";
    case "ok":
      return "connected";
    case "offline":
      return `offline, retrying ${inTime(c.retry_at, now)} (${c.reason})`;
    case "auth_failed":
      return "token rejected — enter a new one in Settings";
    case "token_unavailable":
      return `cannot get the token, retrying ${inTime(c.retry_at, now)} (${c.reason})`;
    case "rate_limited":
      return `rate limited by the service, trying again ${inTime(c.retry_at, now)}`;
    case "misconfigured":
      return c.reason;
  }
}

/** One account in the status bar: "work: connected · last successful poll 12 s ago · next poll in 3 s". */
export function accountLine(account: AccountView, now: number): string {
  const parts = [`${account.account}: ${connectionWords(account, now)}`];
  parts.push(
    account.last_success
      ? `last successful poll ${distance(account.last_success, now)} ago`
      : "not polled yet",
  );
  if (account.next_poll && account.connection.state !== "auth_failed") {
    parts.push(`next poll ${inTime(account.next_poll, now)}`);
  }
  return parts.join(" · ");
}

/** Said while notifications do not reach the desktop; `null` while they do. */
export function deliveryWords(delivery: Delivery | undefined, now: number): string | null {
  if (!delivery || delivery.state === "ok") return null;
  return (
    `Notifications are not reaching your desktop (${delivery.reason}) since ${distance(delivery.since, now)} ago. ` +
    "Pages wait and are retried; keep this window in view."
  );
}

export function isHealthy(account: AccountView): boolean {
  return account.connection.state === "ok" || account.connection.state === "connecting";
}

/** "You are on call for Checkout on-call (Primary) until 18:00 · next shift: Payments from Fri 09:00". */
export function onCallLine(accounts: AccountView[], now: number): string {
  const shifts = accounts.flatMap((a) => a.on_call);
  const name = (s: OnCallShift): string =>
    [s.escalation_policy, s.schedule && `(${s.schedule})`].filter(Boolean).join(" ") ||
    "a rotation";
  const current = shifts.filter(
    (s) => (!s.start || Date.parse(s.start) <= now) && (!s.end || Date.parse(s.end) > now),
  );
  const next = shifts
    .filter((s): s is OnCallShift & { start: string } => !!s.start && Date.parse(s.start) > now)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
  const parts: string[] = [];
  if (current.length > 0) {
    const names = [...new Set(current.map(name))].join(", ");
    // On call until the last of the current shifts ends; for good if one never ends.
    const ends = current.map((s) => s.end);
    const last = ends.every((end): end is string => end !== null)
      ? ends.sort((a, b) => Date.parse(b) - Date.parse(a))[0]
      : undefined;
    parts.push(
      last ? `You are on call for ${names} until ${when(last, now)}` : `You are on call for ${names}`,
    );
  }
  if (next) parts.push(`next shift: ${name(next)} from ${when(next.start, now)}`);
  return parts.join(" · ");
}

/** The header's pause line; "" when notifications are not paused (or the pause is over). */
export function pauseWords(pause: Pause | null, now: number): string {
  if (!pause) return "";
  if (pause.kind === "until_resumed") return "Notifications paused until you resume them";
  if (Date.parse(pause.until) <= now) return "";
  return `Notifications paused until ${when(pause.until, now)}`;
}

export function providerName(provider: Provider): string {
  switch (provider) {
    case "pagerduty":
      return "PagerDuty";
    case "alertmanager":
      return "Alertmanager";
    case "opsgenie":
      return "Opsgenie";
    case "jsm":
      return "Jira Service Management";
    case "grafana-oncall":
      return "Grafana OnCall";
  }
}

/** What the token field asks for, in the service's own words. */
export function tokenLabel(provider: Provider): string {
  switch (provider) {
    case "pagerduty":
      return "PagerDuty API token";
    case "alertmanager":
      return "Alertmanager password or token";
    case "opsgenie":
      return "Opsgenie API key";
    case "jsm":
      return "Atlassian API token";
    case "grafana-oncall":
      return "OnCall API key";
  }
}

export function tokenWords(token: TokenState): string {
  switch (token) {
    case "set":
      return "token stored in the keychain";
    case "not_set":
      // Tokens are kept per server: a new account and one moved to another server
      // (its old token stays with the old one) both need it entered.
      return "no token for this server";
    case "rejected":
      return "token rejected by the service";
    case "command":
      return "token from a command";
    case "not_needed":
      return "no token needed";
  }
}

/** Where an account's service is: a JSM account's site, else its URL, else its region's host in words. */
export function whereWords(
  account: Pick<AccountSettings, "provider" | "api_url" | "region"> & Partial<Pick<AccountSettings, "site">>,
): string {
  if (account.provider === "jsm") return account.site ? `site ${account.site}` : "no site set";
  if (account.api_url) return account.api_url;
  if (account.provider === "alertmanager" || account.provider === "grafana-oncall") return "no URL set";
  return account.region === "eu" ? "EU region" : "US region";
}

/** "every 15 s", "every 2 min", "every 1 h 30 min". */
export function intervalWords(seconds: number): string {
  if (seconds < 60) return `every ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest ? `every ${minutes} min ${rest} s` : `every ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `every ${hours} h ${minutes % 60} min` : `every ${hours} h`;
}

/** One account in Settings, but for its token: "PagerDuty · US region · polled every 15 s". */
export function accountSummary(account: AccountSettings): string {
  const parts = [
    providerName(account.provider),
    whereWords(account),
    `polled ${intervalWords(account.poll_interval_seconds)}`,
  ];
  if (!account.notify) parts.push("no notifications");
  return parts.join(" · ");
}

/** What the user did, for the history: "You acknowledged #42 …", "You snoozed #42 … for 1 h". */
export function actionSentence(kind: ActionKind, subject: string): string {
  switch (kind.kind) {
    case "acknowledge":
      return `You acknowledged ${subject}`;
    case "resolve":
      return `You resolved ${subject}`;
    case "unacknowledge":
      return `You un-acknowledged ${subject}`;
    case "snooze":
      return `You snoozed ${subject} for ${durationWords(kind.seconds)}`;
    case "add_note":
      return `You added a note to ${subject}`;
    case "reassign":
      return `You reassigned ${subject} to ${kind.to.name}`;
    case "escalate":
      return kind.to
        ? `You escalated ${subject} to ${kind.to.name}`
        : `You escalated ${subject} to the next level`;
    case "add_responders":
      return `You asked ${namesList(kind.responders.map((r) => r.name))} to respond to ${subject}`;
    case "set_urgency":
      return `You changed ${subject} to ${kind.urgency} urgency`;
  }
}

/** "15 min", "1 h", "4 h", "1 h 30 min", "45 s". */
export function durationWords(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
