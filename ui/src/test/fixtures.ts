// Builders for the shapes the tray app sends, with overridable defaults.

import type {
  AccountSettings,
  AccountView,
  Incident,
  IncidentView,
  NotificationSettings,
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
    capabilities: { resolve: true, snooze: true, unacknowledge: false },
    connection: { state: "ok" },
    last_success: ago(0.2),
    next_poll: ahead(0.05),
    on_call: [],
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

export function settings(over: Partial<Settings> = {}): Settings {
  return {
    accounts: [accountSettings()],
    notifications: NOTIFICATIONS,
    autostart: false,
    config_file: "/home/pat/.config/oncall-tray/config.toml",
    ...over,
  };
}
