// The shapes the tray app sends and accepts, as the Rust side serializes them
// (crates/engine/src/view.rs, crates/model, crates/policy, src-tauri/src/window).
// Nothing here is a provider's own JSON, and nothing here ever holds a token.

export type Provider = "pagerduty" | "alertmanager" | "opsgenie" | "jsm" | "grafana-oncall";
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
  /** The teams the incident belongs to, by name (absent from older views: none). */
  teams?: string[];
}

/** What an incident can be handed to (`oncall_model::AssigneeKind`). */
export type AssigneeKind = "user" | "escalation_policy" | "team" | "escalation";

/** Someone, or some rotation, an incident can be handed to; the service only gets the id. */
export interface Assignee {
  kind: AssigneeKind;
  id: string;
  name: string;
}

export type ActionKind =
  | { kind: "acknowledge" }
  | { kind: "resolve" }
  | { kind: "snooze"; seconds: number }
  | { kind: "unacknowledge" }
  | { kind: "reassign"; to: Assignee }
  /** `to` is `null` for PagerDuty's "the next level", an escalation for Opsgenie's. */
  | { kind: "escalate"; to: Assignee | null }
  | { kind: "add_note"; text: string }
  | { kind: "add_responders"; responders: Assignee[]; message: string }
  | { kind: "set_urgency"; urgency: Urgency };

export interface Capabilities {
  resolve: boolean;
  snooze: boolean;
  unacknowledge: boolean;
  /** On-call schedules: shifts, who is on call, covering a shift (the tray always says; optional for the incident list's defaults). */
  schedules?: boolean;
  // What the detail pane offers. Absent (views of an older tray app): not offered.
  reassign_to_users?: boolean;
  reassign_to_policies?: boolean;
  reassign_to_teams?: boolean;
  /** `null`: no escalating; `false`: to the next level (PagerDuty); `true`: to a chosen escalation (Opsgenie). */
  escalate_needs_target?: boolean | null;
  notes?: boolean;
  add_responders?: boolean;
  set_urgency?: boolean;
  /** The detail pane's notes, log and alerts. */
  details?: boolean;
}

export interface OnCallShift {
  escalation_policy: string | null;
  escalation_policy_id?: string | null;
  schedule: string | null;
  schedule_id?: string | null;
  level: number | null;
  start: string | null;
  /** `null`: always on call. */
  end: string | null;
}

/** Someone on call in a `RotaEntry` (`oncall_model::OnCallPerson`). */
export interface OnCallPerson {
  user_id: string;
  name: string;
  /** The account's own user. */
  is_me: boolean;
  start: string | null;
  end: string | null;
}

/** Who is on call now and next in one schedule or escalation policy level. */
export interface RotaEntry {
  escalation_policy: string | null;
  escalation_policy_id: string | null;
  level: number | null;
  schedule: string | null;
  /** Set when the user can take a shift in this schedule. */
  schedule_id: string | null;
  /** Empty: nobody is on call now. */
  now: OnCallPerson[];
  /** Empty: the service named nobody within two weeks. */
  next: OnCallPerson[];
}

/** The override `cover_shift` created (`oncall_model::ScheduleOverride`). */
export interface ScheduleOverride {
  id: string;
  schedule_id: string;
  start: string;
  end: string;
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
  /** Who is on call now and next in each of the user's schedules and policy levels. */
  rota: RotaEntry[];
  /** Why the account's schedules cannot be read, in words. */
  shifts_problem: string | null;
}

export interface IncidentView {
  incident: Incident;
  /** An action the user took that the service has not confirmed yet. */
  pending: ActionKind | null;
  /** Why the pending action has not gone through yet (it is being retried). */
  pending_error: string | null;
  /** Actions that change no status (notes, reassign, escalate, responders, urgency):
   * saved and on their way, not confirmed yet. Absent from older views: none. */
  sending?: ActionKind[];
  /** Why the incident never pages, though it is listed. Absent from older views: it pages. */
  quiet?: Quiet | null;
}

/** Why a listed incident never pages: its service is muted, or a noise rule matched it. */
export type Quiet =
  | { reason: "muted"; until: string }
  /** `rule`: the rule's words, such as `title matches "staging"`. */
  | { reason: "rule"; rule: string };

/** "Mute this service for N hours": `service` is the incident's service as shown. */
export interface Mute {
  account: string;
  service: string;
  until: string;
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
  /** Services muted for a while. Absent from older views: none. */
  mutes?: Mute[];
}

/** One note on an incident (`oncall_model::IncidentNote`). */
export interface IncidentNote {
  at: string;
  /** Who wrote it, when the service says. */
  author: string | null;
  text: string;
}

/** What the detail pane shows (`oncall_model::IncidentDetails`), newest first in each list. */
export interface IncidentDetails {
  notes: IncidentNote[];
  log: { at: string; summary: string }[];
  /** `status`: "triggered" or "resolved", as the service says. */
  alerts: { at: string; summary: string; status: string }[];
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
  /** PagerDuty: the From header of actions. JSM: your Atlassian account's email. */
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
  /** Opsgenie and JSM: the responder whose alerts are shown (JSM's default: you). */
  responder: string | null;
  /** Every provider but Alertmanager: minutes before a shift to remind the user, 0 = no
   * reminder (the config's default is 15). `null` for Alertmanager, which has no shifts. */
  shift_reminder_minutes: number | null;
  /** Opsgenie: the user the tray is for (login email or user id), whose shifts are shown;
   * `null` when not set (and for the other providers). */
  on_call_user: string | null;
  /** JSM: the Jira site, such as `acme` for acme.atlassian.net. */
  site: string | null;
  /** Grafana OnCall: only this team's alert groups. */
  team_id: string | null;
  /** Grafana OnCall: only alert groups with every one of these labels, each `key:value`. */
  labels: string[];
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

export type WorkingDay = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** "Your hours" (`[report]`), which the on-call report counts pages against. */
export interface ReportHours {
  /** "HH:MM-HH:MM", start before end: "09:00-18:00". */
  working_hours: string;
  /** In week order. */
  working_days: WorkingDay[];
  /** "HH:MM-HH:MM", may run past midnight: "22:00-07:00". */
  sleep_hours: string;
}

export interface Settings {
  accounts: AccountSettings[];
  notifications: NotificationSettings;
  report: ReportHours;
  /** `null`: this platform or install cannot start the app at login. */
  autostart: boolean | null;
  config_file: string;
  /** What the user should do soon, shown above the accounts. */
  notices: Notice[];
}

/** A notice at the top of Settings, with a Dismiss (`opsgenie-end`: move off Opsgenie). */
export interface Notice {
  id: string;
  text: string;
  /** The account its button is about: the Opsgenie account to move. */
  account: string | null;
}

/** What "Move to Jira Service Management…" sends, apart from the token. */
export interface MoveToJsm {
  site: string;
  email: string;
  /** The JSM API when not Atlassian's (a test server); `null`: Atlassian's. */
  api: string | null;
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
  | { event: "token_rejected"; reason: string }
  | { event: "handled_by_others"; how: "acknowledged" | "resolved"; by?: string | null }
  | {
      event: "shift";
      moment: ShiftMoment;
      start: string | null;
      end: string | null;
    }
  | { event: "while_away"; paged: number; handled_by_others: number; still_open: number };

/** Which moment of a shift a notification was about (the entry's title names the shift). */
export type ShiftMoment =
  | { kind: "reminder" }
  | { kind: "started" }
  | { kind: "ended"; early: boolean; open_incidents: number };

export type HistoryEntry = HistoryBase & HistoryEvent;

/** One local day of the on-call report (`oncall_report::DayFigures`). */
export interface ReportDay {
  /** `YYYY-MM-DD`. */
  date: string;
  working_hours: number;
  outside_working_hours: number;
  sleep_interruptions: number;
}

export interface ReportTotals {
  pages: number;
  repeat_pages: number;
  high_urgency_pages: number;
  incidents: number;
  working_hours: number;
  outside_working_hours: number;
  pages_during_sleep: number;
  sleep_interruptions: number;
}

export interface TimeToAcknowledge {
  acknowledged_by_me: number;
  /** Whole seconds; `null` when the user acknowledged nothing. */
  p50_seconds: number | null;
  p90_seconds: number | null;
  handled_by_others: number;
  unacknowledged: number;
}

/** "My on-call report" over one period (`oncall_report::Report`). */
export interface Report {
  period: { start: string; end: string };
  days: ReportDay[];
  totals: ReportTotals;
  time_to_acknowledge: TimeToAcknowledge;
  noisiest_services: { service: string | null; pages: number }[];
  incidents_that_rang_most: {
    incident: IncidentKey;
    title: string;
    service: string | null;
    pages: number;
    repeat_pages: number;
  }[];
}

/** What `get_report` answers (`src-tauri/src/report.rs`, `ReportDto`). */
export interface ReportAnswer {
  days: number;
  report: Report;
  /** The chart as SVG markup, made (and escaped) by the tray app. */
  chart_svg: string;
}

/** Where `export_report_csv` wrote the CSV. */
export interface ExportedCsv {
  file: string;
  folder: string;
}
