// Everything the page asks of the tray app, and hears from it. `tauri.ts` implements it
// over tauri's IPC; tests pass a fake, so no other module needs tauri.

import type {
  AccountDraft,
  ActionFailed,
  ActionKind,
  Assignee,
  AssigneeKind,
  ExportedCsv,
  HistoryEntry,
  IncidentDetails,
  IncidentKey,
  MoveToJsm,
  NotificationSettings,
  ReportAnswer,
  ReportHours,
  SaveResult,
  ScheduleOverride,
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
  /** "Your hours", which the on-call report counts pages against. */
  saveReport(draft: ReportHours): Promise<SaveResult>;
  setAutostart(enabled: boolean): Promise<SaveResult>;
  /** `null` minutes: until resumed. */
  pause(minutes: number | null): Promise<void>;
  resume(): Promise<void>;
  getHistory(): Promise<HistoryEntry[]>;
  /** Opens the tray app's log folder in the file manager (the tray app knows which). */
  openLogFolder(): Promise<void>;
  /** The on-call report of the last `days` local days (1 to 30), with its chart. */
  getReport(days: number): Promise<ReportAnswer>;
  /** Writes that report's CSV into the download folder (the tray app chooses it). */
  exportReportCsv(days: number): Promise<ExportedCsv>;
  /** Opens the folder the CSV went to (the tray app knows which). */
  openReportFolder(): Promise<void>;
  /** Puts the user on call in `schedule` from `start` to `end` (ISO times): a schedule override. */
  coverShift(account: string, schedule: string, start: string, end: string): Promise<ScheduleOverride>;
  /** The incident's notes, log entries and alerts: asked when its detail pane opens, never per view. */
  incidentDetails(incident: IncidentKey): Promise<IncidentDetails>;
  /** Whom the account's service knows by `query`, of the given kinds (for the pickers). */
  findAssignees(account: string, query: string, kinds: AssigneeKind[]): Promise<Assignee[]>;
  /** No pages from `service` of `account` for `minutes`; its incidents stay listed. */
  muteService(account: string, service: string, minutes: number): Promise<void>;
  unmuteService(account: string, service: string): Promise<void>;
  /** Moves an Opsgenie account to Jira Service Management with a new token, which the
   * tray checks with JSM before anything is changed; the page never gets it back. */
  migrateAccount(account: string, to: MoveToJsm, token: string): Promise<SaveResult>;
  /** Puts a Settings notice away for good. */
  dismissNotice(id: string): Promise<SaveResult>;

  /** Each resolves once the page listens (rejects if the window may not listen). */
  onView(handler: (view: View) => void): Promise<void>;
  onActionFailed(handler: (failed: ActionFailed) => void): Promise<void>;
  onSettings(handler: (settings: Settings) => void): Promise<void>;
  /** The tray asks for a tab (a notification's "Show History" button). */
  onShowTab(handler: (tab: string) => void): Promise<void>;
  /** The tray asks for an incident's details (the tray menu's "Notes, reassign, escalate…"). */
  onShowIncident(handler: (incident: IncidentKey) => void): Promise<void>;
}

/** A command's rejection in words (tauri rejects with the command's error string). */
export function reason(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) return error.message;
  return String(error);
}
