// The real page (index.html's body) started on a fake tray app, for DOM tests.

import { vi } from "vitest";

import html from "../../index.html?raw";
import type { Api } from "../api";
import { start } from "../app";
import type { ActionFailed, IncidentKey, Settings, View } from "../types";
import { settings as defaultSettings, reportAnswer } from "./fixtures";

type Mocked<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? ReturnType<typeof vi.fn<(...args: A) => R>> : T[K] };

export interface Page {
  api: Mocked<Api>;
  emitView(view: View): void;
  emitSettings(settings: Settings): void;
  emitActionFailed(failed: ActionFailed): void;
  emitShowTab(tab: string): void;
  emitShowIncident(key: IncidentKey): void;
  stop(): void;
}

/** Loads the page's markup and starts the page; every command answers with a default. */
export function openPage(): Page {
  const body = /<body>([\s\S]*)<\/body>/.exec(html)?.[1] ?? "";
  document.body.innerHTML = body;
  const views: ((view: View) => void)[] = [];
  const settings: ((settings: Settings) => void)[] = [];
  const failures: ((failed: ActionFailed) => void)[] = [];
  const tabRequests: ((tab: string) => void)[] = [];
  const incidentRequests: ((key: IncidentKey) => void)[] = [];
  const api: Mocked<Api> = {
    getView: vi.fn(async () => null),
    act: vi.fn(async () => {}),
    openIncident: vi.fn(async () => {}),
    getSettings: vi.fn(async () => defaultSettings()),
    saveAccount: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    removeAccount: vi.fn(async () => ({ ok: true as const, settings: defaultSettings({ accounts: [] }) })),
    setToken: vi.fn(async () => ({ result: "stored" as const, who: null })),
    testConnection: vi.fn(async () => ({ ok: true, message: "connected" })),
    testAlarm: vi.fn(async () => ({ ok: true, message: "Playing the alarm." })),
    saveNotifications: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    saveReport: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    setAutostart: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    pause: vi.fn(async () => {}),
    resume: vi.fn(async () => {}),
    getHistory: vi.fn(async () => []),
    openLogFolder: vi.fn(async () => {}),
    getReport: vi.fn(async (days: number) => reportAnswer(days)),
    exportReportCsv: vi.fn(async () => ({
      file: "/home/pat/Downloads/oncall-report-2026-12-06.csv",
      folder: "/home/pat/Downloads",
    })),
    openReportFolder: vi.fn(async () => {}),
    coverShift: vi.fn(async (_account: string, schedule: string, start: string, end: string) => ({
      id: "POVERRIDE1",
      schedule_id: schedule,
      start,
      end,
    })),
    incidentDetails: vi.fn(async () => ({ notes: [], log: [], alerts: [] })),
    findAssignees: vi.fn(async () => []),
    muteService: vi.fn(async () => {}),
    unmuteService: vi.fn(async () => {}),
    migrateAccount: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    dismissNotice: vi.fn(async () => ({ ok: true as const, settings: defaultSettings() })),
    onView: vi.fn(async (handler) => void views.push(handler)),
    onActionFailed: vi.fn(async (handler) => void failures.push(handler)),
    onSettings: vi.fn(async (handler) => void settings.push(handler)),
    onShowTab: vi.fn(async (handler) => void tabRequests.push(handler)),
    onShowIncident: vi.fn(async (handler) => void incidentRequests.push(handler)),
  };
  const stop = start(api);
  return {
    api,
    emitView: (view) => views.forEach((h) => h(view)),
    emitSettings: (next) => settings.forEach((h) => h(next)),
    emitActionFailed: (failed) => failures.forEach((h) => h(failed)),
    emitShowTab: (tab) => tabRequests.forEach((h) => h(tab)),
    emitShowIncident: (key) => incidentRequests.forEach((h) => h(key)),
    stop,
  };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

export function $<T extends Element = HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

export function press(key: string, target: Element = document.body): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}

export function type(selector: string, text: string): void {
  const input = $<HTMLInputElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

export function submit(selector: string): void {
  $<HTMLFormElement>(selector).dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
}
