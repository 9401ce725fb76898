// The shapes the tray app sends and accepts, as the Rust side serializes them
// (crates/engine/src/view.rs, crates/model, crates/policy, src-tauri/src/window).
// Nothing here is a provider's own JSON, and nothing here ever holds a token.

export type Provider = "pagerduty" | "alertmanager" | "opsgenie";
export type Status = "triggered" | "acknowledged" | "resolved";
export type Urgency = "high" | "low";

export interface IncidentKey {
  account: string;
  id: string;
}

export interface Person {
  id: string;
  name: string;
}

export interface Incident {
  key: IncidentKey;
  number: number | null;
  title: string;
  status: Status;
  urgency: Urgency;
  service: string | null;
  created_at: string;
  status_changed_at: string;
  web_url: string | null;
  assignees: Person[];
  assigned_to_me_at: string | null;
  escalation_policy: string | null;
  priority: string | null;
}

export type ActionKind =
  | { kind: "acknowledge" }
  | { kind: "resolve" }
  | { kind: "snooze"; seconds: number }
  | { kind: "unacknowledge" };

export interface Capabilities {
  resolve: boolean;
  snooze: boolean;
  unacknowledge: boolean;
}

export interface OnCallShift {
  escalation_policy: string | null;
  schedule: string | null;
  level: number | null;
  start: string | null;
  /** `null`: always on call. */
  end: string | null;
}

export type Connection =
  | { state: "connecting" }
  | { state: "ok" }
  | { state: "offline"; reason: string; retry_at: string }
  | { state: "auth_failed"; reason: string }
  | { state: "token_unavailable"; reason: string; retry_at: string }
  | { state: "rate_limited"; retry_at: string }
  | { state: "misconfigured"; reason: string };

export interface AccountView {
  account: string;
  provider: Provider;
  capabilities: Capabilities;
  connection: Connection;
  last_success: string | null;
  next_poll: string | null;
  on_call: OnCallShift[];
}

export interface IncidentView {
  incident: Incident;
  /** An action the user took that the service has not confirmed yet. */
  pending: ActionKind | null;
  /** Why the pending action has not gone through yet (it is being retried). */
  pending_error: string | null;
}

/** `oncall_policy::Pause`: adjacently tagged (`kind`, content `until`). */
export type Pause = { kind: "until"; until: string } | { kind: "until_resumed" };

/** `oncall_engine::Delivery`: whether notifications reach the desktop. */
export type Delivery = { state: "ok" } | { state: "failing"; since: string; reason: string };

export interface View {
  accounts: AccountView[];
  /** Most urgent first (the engine sorts them). */
  incidents: IncidentView[];
  pause: Pause | null;
  /** Absent from views of an older tray app: treated as "ok". */
  delivery?: Delivery;
}

export interface ActionFailed {
  incidents: IncidentKey[];
  reason: string;
}

// ---- Settings ---------------------------------------------------------------------

export type Region = "us" | "eu";
export type TokenState = "set" | "not_set" | "rejected" | "command" | "not_needed";

export interface AccountDraft {
  name: string;
  provider: Provider;
  /** PagerDuty and Opsgenie; `null` when `api_url` is set (and for Alertmanager). */
  region: Region | null;
  /** `null` or "" means the region's host; required for Alertmanager. */
  api_url: string | null;
  poll_interval_seconds: number;
  notify: boolean;
  /** PagerDuty: the From header of actions. */
  email: string | null;
  /** Alertmanager: the basic-auth user (the token is the password). */
  basic_user: string | null;
  /** PagerDuty filters. `urgencies` empty means both. */
  assigned_to_me: boolean;
  team_ids: string[];
  service_ids: string[];
  urgencies: Urgency[];
  /** Alertmanager filter: label matchers, one per entry. */
  matchers: string[];
  /** Opsgenie: the responder whose alerts are shown. */
  responder: string | null;
}

export interface AccountSettings extends AccountDraft {
  token: TokenState;
}

export interface QuietHours {
  /** "HH:MM", local time. */
  start: string;
  end: string;
}

export interface NotificationSettings {
  notify_for: "mine" | "all";
  low_urgency: "once" | "never";
  /** 0 = never. */
  repeat_high_urgency_minutes: number;
  storm_threshold: number;
  quiet_hours: QuietHours | null;
  /** "none", a sound theme name or a file path. */
  sound_high: string;
  sound_low: string;
  /** 0 = once per page. */
  alarm_repeat_seconds: number;
  /** 0 to 100. */
  alarm_volume: number;
}

export interface Settings {
  accounts: AccountSettings[];
  notifications: NotificationSettings;
  /** `null`: this platform or install cannot start the app at login. */
  autostart: boolean | null;
  config_file: string;
}

export interface FieldError {
  /** A draft field name, or "" for the form as a whole. */
  field: string;
  message: string;
}

export type SaveResult =
  | { ok: true; settings: Settings }
  | { ok: false; message: string; errors: FieldError[] };

export type TokenResult =
  | { result: "stored"; who: string | null }
  | { result: "rejected" | "unreachable" | "error"; message: string };

export interface TestResult {
  ok: boolean;
  message: string;
}

interface HistoryBase {
  at: string;
  account: string;
  /** The provider's incident id. */
  incident: string | null;
  /** The incident's display name ("#42 Database down") when known. */
  title: string | null;
}

export type HistoryEvent =
  | { event: "paged"; urgency: Urgency; reason: "new" | "repeat" | "released" }
  | { event: "summary"; count: number; reason: "first_start" | "storm" }
  | { event: "withdrawn" }
  | {
      event: "action";
      kind: ActionKind;
      result: "queued" | "confirmed" | "failed";
      reason: string | null;
    }
  | { event: "token_rejected"; reason: string };

export type HistoryEntry = HistoryBase & HistoryEvent;
