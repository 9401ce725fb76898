// The settings forms' logic, apart from the DOM: form values ⇄ drafts, the obvious
// checks done before asking the tray app (which checks everything again), and where each
// error message goes. Pure.

import type {
  AccountDraft,
  AccountSettings,
  FieldError,
  NotificationSettings,
  Provider,
  Region,
  ReportHours,
  Urgency,
  WorkingDay,
} from "./types";

// ---- Accounts ---------------------------------------------------------------------

/** The account form's values as the inputs hold them (strings, checkboxes as booleans). */
export interface AccountFormValues {
  name: string;
  provider: Provider;
  region: Region;
  api_url: string;
  poll_interval_seconds: string;
  notify: boolean;
  email: string;
  basic_user: string;
  assigned_to_me: boolean;
  team_ids: string;
  service_ids: string;
  urgencies: Urgency[];
  matchers: string;
  responder: string;
  /** Minutes; empty means no reminder, as 0 does. */
  shift_reminder_minutes: string;
  /** Opsgenie: your login email; empty means none (no shifts are shown). */
  on_call_user: string;
  /** JSM: the Jira site (`acme` for acme.atlassian.net). */
  site: string;
  /** Grafana OnCall: a team id; empty means every team. */
  team_id: string;
  /** Grafana OnCall: `key:value` labels, one per line or comma separated. */
  labels: string;
}

export const PROVIDERS: readonly Provider[] = ["pagerduty", "alertmanager", "opsgenie", "jsm", "grafana-oncall"];
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const MIN_POLL_SECONDS = 2;
export const MAX_POLL_SECONDS = 3600;
/** What a new account polls at unless changed (the config's default). */
export const DEFAULT_POLL_SECONDS = 15;
/** The config's default shift reminder, what a new account starts with. */
export const DEFAULT_SHIFT_REMINDER_MINUTES = 15;
export const MAX_SHIFT_REMINDER_MINUTES = 1440;

/** The draft fields each provider has, beyond those every account has. */
const PROVIDER_FIELDS: Record<Provider, readonly (keyof AccountDraft)[]> = {
  pagerduty: ["region", "email", "shift_reminder_minutes", "assigned_to_me", "team_ids", "service_ids", "urgencies"],
  alertmanager: ["basic_user", "matchers"],
  opsgenie: ["region", "responder", "on_call_user", "shift_reminder_minutes"],
  jsm: ["site", "email", "responder", "shift_reminder_minutes"],
  "grafana-oncall": ["team_id", "labels", "shift_reminder_minutes"],
};

/** The providers whose API URL must be given: each server, or stack, has its own. */
const NEEDS_API_URL: ReadonlySet<Provider> = new Set(["alertmanager", "grafana-oncall"]);

/** Whether `provider`'s accounts must give their API URL. */
export function needsApiUrl(provider: Provider): boolean {
  return NEEDS_API_URL.has(provider);
}

/** A Grafana OnCall label filter: `key:value`, neither empty. */
const LABEL = /^[^:\s][^:]*:.+$/;
/** One per line or comma separated: how the labels field may be written. */
const LIST_SEPARATOR = /\r?\n|,/;
const COMMON_FIELDS: readonly (keyof AccountDraft)[] = [
  "name",
  "provider",
  "api_url",
  "poll_interval_seconds",
  "notify",
];

/** The fields the form shows for `provider`. */
export function fieldsFor(provider: Provider): Set<keyof AccountDraft> {
  return new Set([...COMMON_FIELDS, ...PROVIDER_FIELDS[provider]]);
}

/** The form's values for editing `account`, or for a new account. */
export function accountValues(account: AccountSettings | null): AccountFormValues {
  if (!account) {
    return {
      name: "",
      provider: "pagerduty",
      region: "us",
      api_url: "",
      poll_interval_seconds: String(DEFAULT_POLL_SECONDS),
      notify: true,
      email: "",
      basic_user: "",
      // PagerDuty's default filter: what is assigned to me.
      assigned_to_me: true,
      team_ids: "",
      service_ids: "",
      urgencies: ["high", "low"],
      matchers: "",
      responder: "",
      shift_reminder_minutes: String(DEFAULT_SHIFT_REMINDER_MINUTES),
      on_call_user: "",
      site: "",
      team_id: "",
      labels: "",
    };
  }
  return {
    name: account.name,
    provider: account.provider,
    region: account.region ?? "us",
    api_url: account.api_url ?? "",
    poll_interval_seconds: String(account.poll_interval_seconds),
    notify: account.notify,
    email: account.email ?? "",
    basic_user: account.basic_user ?? "",
    assigned_to_me: account.assigned_to_me,
    team_ids: account.team_ids.join(", "),
    service_ids: account.service_ids.join(", "),
    // No urgency filter means both.
    urgencies: account.urgencies.length === 0 ? ["high", "low"] : [...account.urgencies],
    matchers: account.matchers.join("\n"),
    responder: account.responder ?? "",
    // Alertmanager has none; switching a new account to PagerDuty then shows the default.
    shift_reminder_minutes: String(account.shift_reminder_minutes ?? DEFAULT_SHIFT_REMINDER_MINUTES),
    on_call_user: account.on_call_user ?? "",
    site: account.site ?? "",
    team_id: account.team_id ?? "",
    labels: account.labels.join("\n"),
  };
}

/** "a, b,,c " → ["a", "b", "c"]. */
export function splitList(text: string, separator: RegExp = /,/): string[] {
  return text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A whole number written in a form field, or `null` if it is not one. */
export function wholeNumber(text: string): number | null {
  const t = text.trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

const orNull = (text: string): string | null => (text.trim() === "" ? null : text.trim());

/**
 * The draft to send. Fields the provider does not have are empty; the region is sent
 * only when no API URL is given; both urgencies checked means no urgency filter.
 * Call `checkAccount` first: an unreadable interval is sent as 0.
 */
export function accountDraft(values: AccountFormValues): AccountDraft {
  const has = fieldsFor(values.provider);
  const apiUrl = orNull(values.api_url);
  const urgencies = values.urgencies.length === 2 ? [] : [...values.urgencies];
  return {
    name: values.name.trim(),
    provider: values.provider,
    region: has.has("region") && apiUrl === null ? values.region : null,
    api_url: apiUrl,
    poll_interval_seconds: wholeNumber(values.poll_interval_seconds) ?? 0,
    notify: values.notify,
    email: has.has("email") ? orNull(values.email) : null,
    basic_user: has.has("basic_user") ? orNull(values.basic_user) : null,
    assigned_to_me: has.has("assigned_to_me") && values.assigned_to_me,
    team_ids: has.has("team_ids") ? splitList(values.team_ids) : [],
    service_ids: has.has("service_ids") ? splitList(values.service_ids) : [],
    urgencies: has.has("urgencies") ? urgencies : [],
    matchers: has.has("matchers") ? splitList(values.matchers, /\r?\n/) : [],
    responder: has.has("responder") ? orNull(values.responder) : null,
    // Empty is "no reminder", as 0 is; the default is written as a number like any other.
    shift_reminder_minutes: has.has("shift_reminder_minutes") ? (wholeNumber(values.shift_reminder_minutes) ?? 0) : null,
    on_call_user: has.has("on_call_user") ? orNull(values.on_call_user) : null,
    site: has.has("site") ? orNull(values.site) : null,
    team_id: has.has("team_id") ? orNull(values.team_id) : null,
    labels: has.has("labels") ? splitList(values.labels, LIST_SEPARATOR) : [],
  };
}

/** The obvious mistakes, each naming what is allowed. The tray app checks everything. */
export function checkAccount(values: AccountFormValues): FieldError[] {
  const errors: FieldError[] = [];
  const has = fieldsFor(values.provider);
  const name = values.name.trim();
  if (name === "") {
    errors.push({ field: "name", message: "Enter a name, such as work." });
  } else if (!NAME_PATTERN.test(name)) {
    errors.push({
      field: "name",
      message: "Use 1 to 64 letters, digits, dots (.), dashes (-) or underscores (_), no spaces.",
    });
  }
  const interval = wholeNumber(values.poll_interval_seconds);
  if (interval === null || interval < MIN_POLL_SECONDS || interval > MAX_POLL_SECONDS) {
    errors.push({
      field: "poll_interval_seconds",
      message: `Enter a whole number of seconds from ${MIN_POLL_SECONDS} to ${MAX_POLL_SECONDS} (one hour).`,
    });
  }
  const url = values.api_url.trim();
  if (url === "" && needsApiUrl(values.provider)) {
    errors.push({
      field: "api_url",
      message:
        values.provider === "alertmanager"
          ? "Enter the Alertmanager's address, such as https://alertmanager.example.com."
          : "Enter the OnCall API URL that OnCall → Settings shows, such as https://oncall-prod-eu-west-0.grafana.net/oncall.",
    });
  } else if (url !== "" && !/^https?:\/\/[^\s/]+/i.test(url)) {
    errors.push({
      field: "api_url",
      message: "Enter an address starting with https:// (http:// only for this computer).",
    });
  }
  if (has.has("site") && values.site.trim() === "") {
    errors.push({ field: "site", message: "Enter your Jira site, such as acme for acme.atlassian.net." });
  }
  if (values.provider === "jsm" && values.email.trim() === "") {
    errors.push({ field: "email", message: "Enter the email of your Atlassian account: the API token is yours." });
  } else if (has.has("email") && values.email.trim() !== "" && !/^[^\s@]+@[^\s@]+$/.test(values.email.trim())) {
    errors.push({ field: "email", message: "Enter an email address, such as pat@example.com." });
  }
  if (has.has("labels")) {
    const bad = splitList(values.labels, LIST_SEPARATOR).filter((label) => !LABEL.test(label));
    if (bad.length > 0) {
      errors.push({
        field: "labels",
        message: `Write each label as key:value, such as team:payments (not ${bad.map((b) => `"${b}"`).join(", ")}).`,
      });
    }
  }
  if (has.has("urgencies") && values.urgencies.length === 0) {
    errors.push({ field: "urgencies", message: "Choose at least one urgency: high, low or both." });
  }
  if (has.has("shift_reminder_minutes") && values.shift_reminder_minutes.trim() !== "") {
    const minutes = wholeNumber(values.shift_reminder_minutes);
    if (minutes === null || minutes > MAX_SHIFT_REMINDER_MINUTES) {
      errors.push({
        field: "shift_reminder_minutes",
        message: `Enter whole minutes from 0 (no reminder) to ${MAX_SHIFT_REMINDER_MINUTES} (one day).`,
      });
    }
  }
  return errors;
}

// ---- Notifications ----------------------------------------------------------------

export interface NotificationFormValues {
  notify_for: "mine" | "all";
  low_urgency: "once" | "never";
  repeat_high_urgency_minutes: string;
  storm_threshold: string;
  quiet_hours: boolean;
  quiet_start: string;
  quiet_end: string;
  sound_high: string;
  sound_low: string;
  alarm_repeat_seconds: string;
  alarm_volume: string;
}

export const MAX_REPEAT_MINUTES = 1440;
export const MAX_ALARM_REPEAT_SECONDS = 3600;
export const MIN_STORM = 1;
export const MAX_STORM = 1000;

export function notificationValues(settings: NotificationSettings): NotificationFormValues {
  return {
    notify_for: settings.notify_for,
    low_urgency: settings.low_urgency,
    repeat_high_urgency_minutes: String(settings.repeat_high_urgency_minutes),
    storm_threshold: String(settings.storm_threshold),
    quiet_hours: settings.quiet_hours !== null,
    quiet_start: settings.quiet_hours?.start ?? "22:00",
    quiet_end: settings.quiet_hours?.end ?? "07:00",
    sound_high: settings.sound_high,
    sound_low: settings.sound_low,
    alarm_repeat_seconds: String(settings.alarm_repeat_seconds),
    alarm_volume: String(settings.alarm_volume),
  };
}

/** A sound theme name (`alarm-clock-elapsed`), as config.toml accepts it. */
const SOUND_NAME = /^[a-z0-9-]+$/;

/** Why `text` cannot be a sound, or null: "none", a theme name, or a file path (the
 * tray checks that the file exists). */
function soundProblem(text: string): string | null {
  const sound = text.trim();
  if (sound === "none" || SOUND_NAME.test(sound) || /[/\\.]/.test(sound)) return null;
  return "Enter none, a sound name such as alarm-clock-elapsed, or the path of a sound file.";
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The draft to send; call `checkNotifications` first. */
export function notificationDraft(values: NotificationFormValues): NotificationSettings {
  return {
    notify_for: values.notify_for,
    low_urgency: values.low_urgency,
    repeat_high_urgency_minutes: wholeNumber(values.repeat_high_urgency_minutes) ?? 0,
    storm_threshold: wholeNumber(values.storm_threshold) ?? 0,
    // A time input may say "22:00:00" when seconds were typed.
    quiet_hours: values.quiet_hours
      ? { start: values.quiet_start.slice(0, 5), end: values.quiet_end.slice(0, 5) }
      : null,
    sound_high: values.sound_high.trim(),
    sound_low: values.sound_low.trim(),
    alarm_repeat_seconds: wholeNumber(values.alarm_repeat_seconds) ?? 0,
    alarm_volume: wholeNumber(values.alarm_volume) ?? 0,
  };
}

export function checkNotifications(values: NotificationFormValues): FieldError[] {
  const errors: FieldError[] = [];
  const repeat = wholeNumber(values.repeat_high_urgency_minutes);
  if (repeat === null || repeat > MAX_REPEAT_MINUTES) {
    errors.push({
      field: "repeat_high_urgency_minutes",
      message: `Enter whole minutes from 0 (never repeat) to ${MAX_REPEAT_MINUTES} (one day).`,
    });
  }
  const storm = wholeNumber(values.storm_threshold);
  if (storm === null || storm < MIN_STORM || storm > MAX_STORM) {
    errors.push({
      field: "storm_threshold",
      message: `Enter a whole number of incidents from ${MIN_STORM} to ${MAX_STORM}.`,
    });
  }
  if (values.quiet_hours) {
    const start = values.quiet_start.slice(0, 5);
    const end = values.quiet_end.slice(0, 5);
    if (!TIME.test(start) || !TIME.test(end)) {
      errors.push({ field: "quiet_hours", message: "Enter a start and an end time, such as 22:00 and 07:00." });
    } else if (start === end) {
      errors.push({ field: "quiet_hours", message: "Quiet hours need an end time different from the start." });
    }
  }
  for (const field of ["sound_high", "sound_low"] as const) {
    const problem = soundProblem(values[field]);
    if (problem !== null) errors.push({ field, message: problem });
  }
  const again = wholeNumber(values.alarm_repeat_seconds);
  if (again === null || again > MAX_ALARM_REPEAT_SECONDS) {
    errors.push({
      field: "alarm_repeat_seconds",
      message: `Enter whole seconds from 0 (play once) to ${MAX_ALARM_REPEAT_SECONDS}.`,
    });
  }
  const volume = wholeNumber(values.alarm_volume);
  if (volume === null || volume > 100) {
    errors.push({ field: "alarm_volume", message: "Enter a volume from 0 to 100 percent." });
  }
  return errors;
}

// ---- Your hours -------------------------------------------------------------------

export const WORKING_DAYS: readonly WorkingDay[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** "Your hours" as the inputs hold them: times as "HH:MM". */
export interface HoursFormValues {
  working_start: string;
  working_end: string;
  working_days: WorkingDay[];
  sleep_start: string;
  sleep_end: string;
}

/** "09:00-18:00" → ["09:00", "18:00"]; anything else → ["", ""] (the form then asks). */
function splitRange(range: string): [string, string] {
  const match = /^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/.exec(range);
  const pad = (time: string): string => time.padStart(5, "0");
  return match ? [pad(match[1]!), pad(match[2]!)] : ["", ""];
}

export function hoursValues(hours: ReportHours): HoursFormValues {
  const [working_start, working_end] = splitRange(hours.working_hours);
  const [sleep_start, sleep_end] = splitRange(hours.sleep_hours);
  return { working_start, working_end, working_days: [...hours.working_days], sleep_start, sleep_end };
}

/** The draft to send; call `checkHours` first. Days go in week order. */
export function hoursDraft(values: HoursFormValues): ReportHours {
  // A time input may say "22:00:00" when seconds were typed.
  const range = (start: string, end: string): string => `${start.slice(0, 5)}-${end.slice(0, 5)}`;
  return {
    working_hours: range(values.working_start, values.working_end),
    working_days: WORKING_DAYS.filter((day) => values.working_days.includes(day)),
    sleep_hours: range(values.sleep_start, values.sleep_end),
  };
}

export function checkHours(values: HoursFormValues): FieldError[] {
  const errors: FieldError[] = [];
  const working = [values.working_start.slice(0, 5), values.working_end.slice(0, 5)] as const;
  if (!TIME.test(working[0]) || !TIME.test(working[1])) {
    errors.push({ field: "working_hours", message: "Enter a start and an end time, such as 09:00 and 18:00." });
  } else if (working[0] >= working[1]) {
    errors.push({
      field: "working_hours",
      message: "Working hours must start before they end, the same day (working through midnight is not supported).",
    });
  }
  const sleep = [values.sleep_start.slice(0, 5), values.sleep_end.slice(0, 5)] as const;
  if (!TIME.test(sleep[0]) || !TIME.test(sleep[1])) {
    errors.push({ field: "sleep_hours", message: "Enter a start and an end time, such as 22:00 and 07:00." });
  } else if (sleep[0] === sleep[1]) {
    errors.push({ field: "sleep_hours", message: "Sleep hours need an end time different from the start." });
  }
  return errors;
}

// ---- Errors -----------------------------------------------------------------------

/**
 * Groups error messages by the slot that shows them: a field's own slot when the form
 * has one (an exact name, or the name before "." or "[": "quiet_hours.start" goes to
 * "quiet_hours", "matchers[2]" to "matchers"; a config key path such as
 * "accounts[0].poll_interval_seconds" or "notifications.storm_threshold" is read from
 * its field name on), else the form's own slot "" — with the field named, so a message
 * about a hidden or unknown field is still understood.
 */
export function placeErrors(
  errors: readonly FieldError[],
  slots: ReadonlySet<string>,
): Map<string, string[]> {
  const placed = new Map<string, string[]>();
  const put = (slot: string, message: string): void => {
    const list = placed.get(slot) ?? [];
    if (!list.includes(message)) list.push(message);
    placed.set(slot, list);
  };
  const slotOf = (field: string): string | undefined => {
    const path = field.replace(/^(accounts\[\d+\]|notifications|report)\./, "");
    const base = path.split(/[.[]/)[0] ?? "";
    return [field, path, base].find((name) => name !== "" && slots.has(name));
  };
  for (const { field, message } of errors) {
    const slot = slotOf(field);
    if (slot !== undefined) put(slot, message);
    else put("", field === "" ? message : `${field}: ${message}`);
  }
  return placed;
}
