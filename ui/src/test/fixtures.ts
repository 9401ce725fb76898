// Builders for the shapes the tray app sends, with overridable defaults.

import type {
  AccountSettings,
  AccountView,
  Incident,
  IncidentView,
  NotificationSettings,
  Report,
  ReportAnswer,
  ReportHours,
  Settings,
  View,
} from "../types";

export const NOW = Date.parse("2026-03-10T12:00:00Z");
export const ago = (minutes: number): string => new Date(NOW - minutes * 60_000).toISOString();
export const ahead = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();

export function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    key: { account: "work", id },
    number: Number(id.replace(/\D/g, "")) || null,
    title: `Incident ${id}`,
    status: "triggered",
    urgency: "high",
    service: "Checkout",
    created_at: ago(10),
    status_changed_at: ago(10),
    web_url: `https://example.pagerduty.com/incidents/${id}`,
    assignees: [],
    assigned_to_me_at: null,
    escalation_policy: null,
    priority: null,
    ...over,
  };
}

export function item(id: string, over: Partial<Incident> = {}, rest: Partial<IncidentView> = {}): IncidentView {
  return { incident: incident(id, over), pending: null, pending_error: null, ...rest };
}

export function accountView(account = "work", over: Partial<AccountView> = {}): AccountView {
  return {
    account,
    provider: "pagerduty",
    capabilities: { resolve: true, snooze: true, unacknowledge: false, schedules: true },
    connection: { state: "ok" },
    last_success: ago(0.2),
    next_poll: ahead(0.05),
    on_call: [],
    rota: [],
    shifts_problem: null,
    ...over,
  };
}

export function view(over: Partial<View> = {}): View {
  return { accounts: [accountView()], incidents: [], pause: null, ...over };
}

export function accountSettings(name = "work", over: Partial<AccountSettings> = {}): AccountSettings {
  return {
    name,
    provider: "pagerduty",
    region: "us",
    api_url: null,
    poll_interval_seconds: 15,
    notify: true,
    email: "pat@example.com",
    basic_user: null,
    assigned_to_me: false,
    team_ids: [],
    service_ids: [],
    urgencies: [],
    matchers: [],
    responder: null,
    shift_reminder_minutes: 15,
    on_call_user: null,
    site: null,
    team_id: null,
    labels: [],
    token: "set",
    ...over,
  };
}

export const NOTIFICATIONS: NotificationSettings = {
  notify_for: "mine",
  low_urgency: "once",
  repeat_high_urgency_minutes: 5,
  storm_threshold: 3,
  quiet_hours: null,
  sound_high: "alarm-clock-elapsed",
  sound_low: "none",
  alarm_repeat_seconds: 0,
  alarm_volume: 100,
};

export const REPORT_HOURS: ReportHours = {
  working_hours: "09:00-18:00",
  working_days: ["mon", "tue", "wed", "thu", "fri"],
  sleep_hours: "22:00-07:00",
};

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    accounts: [accountSettings()],
    notifications: NOTIFICATIONS,
    report: REPORT_HOURS,
    autostart: false,
    config_file: "/home/pat/.config/oncall-tray/config.toml",
    notices: [],
    ...over,
  };
}

/** A report of `days` days ending 2026-03-10 with no pages; `over` replaces parts. */
export function report(days = 7, over: Partial<Report> = {}): Report {
  const dates = Array.from({ length: days }, (_, i) =>
    new Date(Date.parse("2026-03-10T00:00:00Z") - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  return {
    period: { start: `${dates[0]}T00:00:00Z`, end: new Date(NOW).toISOString() },
    days: dates.map((date) => ({ date, working_hours: 0, outside_working_hours: 0, sleep_interruptions: 0 })),
    totals: {
      pages: 0,
      repeat_pages: 0,
      high_urgency_pages: 0,
      incidents: 0,
      working_hours: 0,
      outside_working_hours: 0,
      pages_during_sleep: 0,
      sleep_interruptions: 0,
    },
    time_to_acknowledge: {
      acknowledged_by_me: 0,
      p50_seconds: null,
      p90_seconds: null,
      handled_by_others: 0,
      unacknowledged: 0,
    },
    noisiest_services: [],
    incidents_that_rang_most: [],
    ...over,
  };
}

/** A chart as `oncall_report::render_svg_chart` draws one (a day with 3 pages). */
export const CHART_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 220 146" role="img" aria-label="Pages per day, 2026-03-10 to 2026-03-10: 3 in all, 1 in working hours, 2 outside">' +
  "<title>Pages per day, 2026-03-10 to 2026-03-10: 3 in all, 1 in working hours, 2 outside</title>" +
  '<g class="day" data-date="2026-03-10"><title>Tue 2026-03-10: 3 pages, 1 in working hours, 2 outside, 1 sleep interruption</title>' +
  '<rect class="working" x="8" y="96.7" width="24" height="33.3" fill="#3b6ea8"/>' +
  '<rect class="outside" x="8" y="30.0" width="24" height="66.7" fill="#d9822b"/>' +
  '<text class="count" x="20" y="27.0" font-size="9" font-family="sans-serif" fill="currentColor" text-anchor="middle">3</text>' +
  '<text class="date" x="20" y="142" font-size="9" font-family="sans-serif" fill="currentColor" text-anchor="middle">10</text></g>' +
  '<line x1="8" y1="130" x2="212" y2="130" stroke="#888" stroke-width="1"/></svg>';

export function reportAnswer(days = 7, over: Partial<Report> = {}, chart_svg = CHART_SVG): ReportAnswer {
  return { days, report: report(days, over), chart_svg };
}
