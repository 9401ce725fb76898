// The one module that talks to tauri. Command arguments are single words on the Rust
// side, so the JavaScript keys are the same words.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Api } from "./api";

/** Calls `handler` with every `event`'s payload, for the window's lifetime. */
async function on<T>(event: string, handler: (payload: T) => void): Promise<void> {
  await listen<T>(event, (e) => handler(e.payload));
}

export const tauriApi: Api = {
  getView: () => invoke("get_view"),
  act: (incidents, kind) => invoke("act", { incidents, kind }),
  openIncident: (incident) => invoke("open_incident", { incident }),

  getSettings: () => invoke("get_settings"),
  saveAccount: (original, draft) => invoke("save_account", { original, draft }),
  removeAccount: (name) => invoke("remove_account", { name }),
  setToken: (account, token) => invoke("set_token", { account, token }),
  testConnection: (account) => invoke("test_connection", { account }),
  testAlarm: (urgency) => invoke("test_alarm", { urgency }),
  saveNotifications: (draft) => invoke("save_notifications", { draft }),
  saveReport: (draft) => invoke("save_report", { draft }),
  setAutostart: (enabled) => invoke("set_autostart", { enabled }),
  pause: (minutes) => invoke("pause", { minutes }),
  resume: () => invoke("resume"),
  getHistory: () => invoke("get_history"),
  openLogFolder: () => invoke("open_log_folder"),
  getReport: (days) => invoke("get_report", { days }),
  exportReportCsv: (days) => invoke("export_report_csv", { days }),
  openReportFolder: () => invoke("open_report_folder"),
  coverShift: (account, schedule, start, end) => invoke("cover_shift", { account, schedule, start, end }),
  incidentDetails: (incident) => invoke("incident_details", { incident }),
  findAssignees: (account, query, kinds) => invoke("find_assignees", { account, query, kinds }),
  muteService: (account, service, minutes) => invoke("mute_service", { account, service, minutes }),
  unmuteService: (account, service) => invoke("unmute_service", { account, service }),
  migrateAccount: (account, to, token) =>
    invoke("migrate_account", { account, site: to.site, email: to.email, api: to.api, token }),
  dismissNotice: (id) => invoke("dismiss_notice", { id }),

  onView: (handler) => on("view", handler),
  onActionFailed: (handler) => on("action_failed", handler),
  onSettings: (handler) => on("settings", handler),
  onShowTab: (handler) => on("show_tab", handler),
  onShowIncident: (handler) => on("show_incident", handler),
};
