// The one module that talks to tauri. Command arguments are single words on the Rust
// side, so the JavaScript keys are the same words.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { Api } from "./api";

export const tauriApi: Api = {
  getView: () => invoke("get_view"),
  act: (incidents, kind) => invoke("act", { incidents, kind }),
  openIncident: (incident) => invoke("open_incident", { incident }),

  getSettings: () => invoke("get_settings"),
  saveAccount: (original, draft) => invoke("save_account", { original, draft }),
  removeAccount: (name) => invoke("remove_account", { name }),
  setToken: (account, token) => invoke("set_token", { account, token }),
  testConnection: (account) => invoke("test_connection", { account }),
  saveNotifications: (draft) => invoke("save_notifications", { draft }),
  setAutostart: (enabled) => invoke("set_autostart", { enabled }),
  pause: (minutes) => invoke("pause", { minutes }),
  resume: () => invoke("resume"),
  getHistory: () => invoke("get_history"),

  onView: (handler) => void listen<Parameters<typeof handler>[0]>("view", (e) => handler(e.payload)),
  onActionFailed: (handler) =>
    void listen<Parameters<typeof handler>[0]>("action_failed", (e) => handler(e.payload)),
  onSettings: (handler) =>
    void listen<Parameters<typeof handler>[0]>("settings", (e) => handler(e.payload)),
};
