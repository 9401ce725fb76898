// The window's page: renders the views the tray app sends, the settings and the history,
// and asks the tray app to act. It never polls a service, never keeps a token and never
// opens a URL itself. Everything it needs from tauri comes through `Api` (tauri.ts), so
// tests start it with a fake.

import type { Api } from "./api";
import { reason } from "./api";
import { byId, el, isTextEntry, showMessage } from "./dom";
import { stateLine } from "./incidents";
import { DetailPane } from "./render/detailPane";
import { HistoryPanel } from "./render/historyPanel";
import { IncidentList } from "./render/incidentList";
import { OncallPanel } from "./render/oncallPanel";
import { PauseControls } from "./render/pauseControls";
import { ReportPanel } from "./render/reportPanel";
import { SettingsPanel } from "./render/settingsPanel";
import { Tabs, TABS } from "./tabs";
import type { IncidentKey, View } from "./types";
import { accountLine, deliveryWords, incidentName, isHealthy, onCallLine } from "./words";

/** Wires the page to `api`; returns a function that unhooks it from the document (for tests). */
export function start(api: Api): () => void {
  const started = new AbortController();
  let view: View | null = null;
  // The pane and the list refer to each other: the list opens the pane, the pane gives
  // focus back to the row.
  const incidents: IncidentList = new IncidentList(api, showMessage, (key) => details.open(key));
  const details = new DetailPane(api, (key) => incidents.focusRow(key));
  const history = new HistoryPanel(api, showMessage);
  const settings = new SettingsPanel(api, showMessage);
  const pause = new PauseControls(api, showMessage);
  const report = new ReportPanel(api, showMessage, started.signal);
  const oncall = new OncallPanel(api);
  const tabs = new Tabs((tab) => {
    if (tab === "history") void history.refresh();
    if (tab === "report") void report.refresh();
    if (tab === "settings") void settings.load();
    if (tab === "oncall" && view) oncall.render(view, Date.now());
  });

  /** The status bar: one line per account, in words. */
  const renderAccounts = (now: number): void => {
    byId("accounts").replaceChildren(
      ...(view?.accounts ?? []).map((account) =>
        el(
          "li",
          { "data-account": account.account, class: isHealthy(account) ? "" : "trouble" },
          accountLine(account, now),
        ),
      ),
    );
  };

  /** An incident the tray asked to show, until the view lists it. */
  let asked: IncidentKey | null = null;
  const openAsked = (current: View): void => {
    const key = asked;
    if (!key) return;
    const listed = current.incidents.some(
      (i) => i.incident.key.account === key.account && i.incident.key.id === key.id,
    );
    if (listed) {
      asked = null;
      details.open(key);
    }
  };
  const render = (next: View): void => {
    view = next;
    const now = Date.now();
    incidents.render(next, now);
    details.update(next, now);
    openAsked(next);
    byId("state").textContent = stateLine(next);
    const onCall = onCallLine(next.accounts, now);
    byId("oncall").textContent = onCall;
    // The line is cut to one line (it must not move the tabs); the whole text on hover.
    byId("oncall").title = onCall;
    pause.update(next.pause, now);
    const undelivered = deliveryWords(next.delivery, now);
    byId("delivery-state").textContent = undelivered ?? "";
    byId("delivery-state").hidden = undelivered === null;
    renderAccounts(now);
    if (tabs.shown === "history") void history.refresh();
    if (tabs.shown === "report") void report.refresh();
    if (tabs.shown === "oncall") oncall.render(next, now);
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (isTextEntry(event.target)) return;
    const tab = TABS[Number(event.key) - 1];
    if (/^[1-9]$/.test(event.key) && tab) {
      event.preventDefault();
      tabs.show(tab, true);
      return;
    }
    if (tabs.shown !== "incidents") return;
    // Keys pressed in the detail pane are the pane's (Enter on its buttons above all);
    // Escape elsewhere still closes it.
    if (details.contains(event.target)) return;
    if (event.key === "Escape" && details.isOpen) {
      event.preventDefault();
      details.close();
      return;
    }
    if (event.key === "Enter" && event.target instanceof Element && event.target.closest("button, a, input, select, textarea")) return;
    if (incidents.handleKey(event.key)) event.preventDefault();
  }, { signal: started.signal });

  // In the status bar, beside the accounts' trouble: where a person looks when
  // something is wrong. Disabled while asked, so a double click opens one window.
  const logFolder = byId<HTMLButtonElement>("open-log-folder");
  logFolder.addEventListener("click", () => {
    logFolder.disabled = true;
    api
      .openLogFolder()
      .catch((e: unknown) => showMessage(`Could not open the log folder: ${reason(e)}`))
      .finally(() => {
        logFolder.disabled = false;
      });
  }, { signal: started.signal });

  const notListening = (e: unknown): void => showMessage(`The window cannot follow the tray app: ${reason(e)}`);
  api.onView(render).catch(notListening);
  api
    .onActionFailed(({ incidents: keys, reason: why }) => {
      const names = keys.map((key) => {
        const item = incidents.incidentOf(key);
        return item ? incidentName(item.incident) : key.id;
      });
      showMessage(`${names.join(", ")}: ${why}`);
    })
    .catch(notListening);
  api.onSettings((next) => settings.update(next)).catch(notListening);
  // The tray opens the window on a tab (a notification's "Show History"): in the
  // address when the window starts, as an event when it is already open.
  const showAsked = (asked: string): void => {
    const tab = TABS.find((name) => name === asked);
    if (tab) tabs.show(tab, true);
  };
  showAsked(window.location.hash.slice(1));
  api.onShowTab(showAsked).catch(notListening);
  // The tray menu's "Notes, reassign, escalate…": the incident's details, as soon as
  // the view lists it (a starting window has no view yet).
  const showIncident = (key: IncidentKey): void => {
    tabs.show("incidents", true);
    asked = key;
    if (view) openAsked(view);
  };
  const fromAddress = /^incident=([^/]+)\/(.+)$/.exec(window.location.hash.slice(1));
  if (fromAddress?.[1] && fromAddress[2]) showIncident({ account: fromAddress[1], id: fromAddress[2] });
  api.onShowIncident(showIncident).catch(notListening);
  api.getView().then(
    (first) => {
      if (first && !view) render(first);
    },
    (e: unknown) => showMessage(`Could not reach the tray app: ${reason(e)}`),
  );
  // Ages, "12 s ago" and a pause's end move with the clock, not with the view.
  const clock = setInterval(() => {
    const now = Date.now();
    incidents.tick(now);
    renderAccounts(now);
    if (view) pause.tick(now);
    if (tabs.shown === "oncall") oncall.tick(view, now);
  }, 1000);
  return () => {
    clearInterval(clock);
    started.abort();
  };
}
