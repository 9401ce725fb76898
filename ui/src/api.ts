// Everything the page asks of the tray app, and hears from it. `tauri.ts` implements it
// over tauri's IPC; tests pass a fake, so no other module needs tauri.

import type {
  AccountDraft,
  ActionFailed,
  ActionKind,
  HistoryEntry,
  IncidentKey,
  NotificationSettings,
  SaveResult,
  Settings,
  TestResult,
  TokenResult,
  Urgency,
  View,
} from "./types";

export interface Api {
  getView(): Promise<View | null>;
  act(incidents: IncidentKey[], kind: ActionKind): Promise<void>;
  openIncident(incident: IncidentKey): Promise<void>;

  getSettings(): Promise<Settings>;
  saveAccount(original: string | null, draft: AccountDraft): Promise<SaveResult>;
  removeAccount(name: string): Promise<SaveResult>;
  /** Hands a token over once; the page never gets it back. */
  setToken(account: string, token: string): Promise<TokenResult>;
  testConnection(account: string): Promise<TestResult>;
  /** Plays the saved sound of this urgency once. */
  testAlarm(urgency: Urgency): Promise<TestResult>;
  saveNotifications(draft: NotificationSettings): Promise<SaveResult>;
  setAutostart(enabled: boolean): Promise<SaveResult>;
  /** `null` minutes: until resumed. */
  pause(minutes: number | null): Promise<void>;
  resume(): Promise<void>;
  getHistory(): Promise<HistoryEntry[]>;
  /** Opens the tray app's log folder in the file manager (the tray app knows which). */
  openLogFolder(): Promise<void>;

  /** Each resolves once the page listens (rejects if the window may not listen). */
  onView(handler: (view: View) => void): Promise<void>;
  onActionFailed(handler: (failed: ActionFailed) => void): Promise<void>;
  onSettings(handler: (settings: Settings) => void): Promise<void>;
}

/** A command's rejection in words (tauri rejects with the command's error string). */
export function reason(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) return error.message;
  return String(error);
}
