// The incident table: rows for the view's incidents, selection, per-row actions and the
// j/k/a/r/s/o/x/d keys. A quiet incident keeps its row, marked; actions on their way are
// said on it. Rows whose incident did not change are kept across views, so
// focus and hover survive updates.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, el, type ShowMessage } from "../dom";
import {
  actionsFor,
  capabilitiesOf,
  filterIncidents,
  keyOf,
  sortIncidents,
} from "../incidents";
import { muteOf, quietWords } from "../respond";
import type { ActionKind, Capabilities, IncidentKey, IncidentView, Mute, Quiet, View } from "../types";
import { age, incidentName, progressWords } from "../words";

export class IncidentList {
  private view: View | null = null;
  /** The row j/k moved to. */
  private currentKey: string | null = null;
  private readonly selected = new Set<string>();
  /** What each row was built from. */
  private readonly signatures = new WeakMap<HTMLTableRowElement, string>();

  private readonly body = document.querySelector<HTMLTableSectionElement>("#incidents tbody")!;
  private readonly filter = byId<HTMLInputElement>("filter");
  private readonly accountFilter = byId<HTMLSelectElement>("account-filter");
  private readonly selectAll = byId<HTMLInputElement>("select-all");
  private readonly ackSelected = byId<HTMLButtonElement>("ack-selected");

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
    /** Opens the detail pane on an incident. */
    private readonly openDetails: (key: IncidentKey) => void,
  ) {
    const rerender = (): void => {
      if (this.view) this.render(this.view, Date.now());
    };
    this.accountFilter.addEventListener("change", rerender);
    this.filter.addEventListener("input", rerender);
    this.filter.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.filter.blur();
        this.move(0);
      }
    });
    this.selectAll.addEventListener("change", () => {
      for (const tr of this.rows()) {
        const key = tr.dataset.key ?? "";
        if (this.selectAll.checked) this.selected.add(key);
        else this.selected.delete(key);
        this.pickOf(tr).checked = this.selectAll.checked;
      }
      this.updateSelection();
    });
    this.ackSelected.addEventListener("click", () => {
      const keys = this.selectedToAcknowledge();
      this.selected.clear();
      void this.act(keys, { kind: "acknowledge" });
      rerender();
    });
  }

  render(view: View, now: number): void {
    this.view = view;
    const several = this.accountChoices(view);
    const shown = filterIncidents(sortIncidents(view.incidents), this.accountFilter.value, this.filter.value);

    // Forget selections of incidents that are gone.
    const open = new Set(view.incidents.map((i) => keyOf(i.incident)));
    for (const key of this.selected) if (!open.has(key)) this.selected.delete(key);

    const focused = document.activeElement instanceof HTMLElement && this.body.contains(document.activeElement)
      ? document.activeElement
      : null;
    const focusId = focused ? (focused.dataset.focus ?? `${focused.dataset.key}|row`) : null;
    const existing = new Map(this.rows().map((tr) => [tr.dataset.key, tr]));
    const rows = shown.map((item) => {
      const can = capabilitiesOf(view, item.incident.key.account);
      const muted = muteOf(view, item.incident.key.account, item.incident.service, now);
      const signature = JSON.stringify([item, can, several, muted]);
      const old = existing.get(keyOf(item.incident));
      if (old && this.signatures.get(old) === signature) return old;
      const tr = this.buildRow(item, can, several, muted, now);
      this.signatures.set(tr, signature);
      return tr;
    });
    this.body.replaceChildren(...rows);
    for (const tr of rows) this.pickOf(tr).checked = this.selected.has(tr.dataset.key ?? "");
    if (focusId) {
      const key = focusId.slice(0, focusId.lastIndexOf("|"));
      const what = focusId.slice(focusId.lastIndexOf("|") + 1);
      const row = rows.find((tr) => tr.dataset.key === key);
      const target =
        row && (what === "row" ? row : row.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focusId)}"]`));
      (target ?? row)?.focus();
    }
    if (!rows.some((tr) => tr.dataset.key === this.currentKey)) this.currentKey = null;
    this.markCurrent();
    this.updateSelection();
    byId("empty").hidden = shown.length > 0;
  }

  /** Ages move with the clock, not with the view. */
  tick(now: number): void {
    for (const td of this.body.querySelectorAll<HTMLTableCellElement>("td.age")) {
      td.textContent = age(td.dataset.since ?? "", now);
    }
  }

  /** The list's single-key shortcuts; true when `key` was one. */
  handleKey(key: string): boolean {
    const keys: Record<string, () => void> = {
      j: () => this.move(1),
      k: () => this.move(-1),
      a: () => this.pressOnCurrent("ack"),
      r: () => this.pressOnCurrent("resolve"),
      s: () => this.pressOnCurrent("snooze3600"),
      o: () => this.pressOnCurrent("open"),
      x: () => this.toggleCurrent(),
      d: () => this.detailsOfCurrent(),
      Enter: () => this.detailsOfCurrent(),
      "/": () => this.filter.focus(),
    };
    const action = keys[key];
    if (!action) return false;
    action();
    return true;
  }

  /** Makes `key`'s row the current one and focuses it (the detail pane closed). */
  focusRow(key: string): void {
    const row = this.rows().find((tr) => tr.dataset.key === key);
    if (!row) return;
    this.currentKey = key;
    this.markCurrent();
    row.focus();
  }

  /** An incident by its row key, for naming it in messages. */
  incidentOf(key: IncidentKey): IncidentView | null {
    return this.view?.incidents.find((i) => keyOf(i.incident) === `${key.account}/${key.id}`) ?? null;
  }

  private async act(keys: IncidentKey[], kind: ActionKind): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.api.act(keys, kind);
    } catch (e) {
      this.showMessage(`Could not ${kind.kind}: ${reason(e)}`);
    }
  }

  private async unmute(account: string, service: string): Promise<void> {
    try {
      await this.api.unmuteService(account, service);
    } catch (e) {
      this.showMessage(`Could not unmute ${service}: ${reason(e)}`);
    }
  }

  private detailsOfCurrent(): void {
    const item = this.view?.incidents.find((i) => keyOf(i.incident) === this.currentKey);
    if (item) this.openDetails(item.incident.key);
  }

  private async open(key: IncidentKey): Promise<void> {
    try {
      await this.api.openIncident(key);
    } catch (e) {
      this.showMessage(`Could not open the incident: ${reason(e)}`);
    }
  }

  private rows(): HTMLTableRowElement[] {
    return [...this.body.querySelectorAll<HTMLTableRowElement>("tr")];
  }

  private pickOf(tr: HTMLTableRowElement): HTMLInputElement {
    return tr.querySelector<HTMLInputElement>(".pick")!;
  }

  private buildRow(
    item: IncidentView,
    can: Capabilities,
    several: boolean,
    mute: Mute | null,
    now: number,
  ): HTMLTableRowElement {
    const { incident, pending, pending_error: pendingError } = item;
    const key = keyOf(incident);
    const name = incidentName(incident);
    const tr = document.createElement("tr");
    tr.dataset.key = key;
    tr.dataset.status = incident.status;
    tr.dataset.pending = pending ? pending.kind : "";
    const sending = item.sending ?? [];
    tr.dataset.sending = sending.map((kind) => kind.kind).join(" ");
    // Muted by the user shows as muted even before the engine marks the incident quiet.
    const quiet: Quiet | null = item.quiet ?? (mute ? { reason: "muted", until: mute.until } : null);
    tr.dataset.quiet = quiet ? quiet.reason : "";
    tr.classList.toggle("quiet", quiet !== null);
    tr.tabIndex = -1;
    tr.setAttribute("aria-label", `${name}, ${incident.status}${quiet ? `, ${quietWords(quiet, now)}` : ""}`);

    const pick = document.createElement("input");
    pick.type = "checkbox";
    pick.className = "pick";
    pick.dataset.focus = `${key}|pick`;
    pick.checked = this.selected.has(key);
    pick.setAttribute("aria-label", `Select ${name}`);
    pick.addEventListener("change", () => {
      if (pick.checked) this.selected.add(key);
      else this.selected.delete(key);
      this.updateSelection();
    });
    const pickCell = document.createElement("td");
    pickCell.append(pick);
    tr.append(pickCell);

    const cell = (text: string, className = ""): HTMLTableCellElement => {
      const td = document.createElement("td");
      td.textContent = text;
      if (className) td.className = className;
      return td;
    };
    if (several) tr.append(cell(incident.key.account, "account"));
    tr.append(
      cell(incident.urgency, incident.urgency),
      cell(incident.number != null ? String(incident.number) : ""),
      cell(incident.title),
      cell(incident.service ?? ""),
    );

    const status = document.createElement("td");
    const statusText = document.createElement("span");
    statusText.className = "status-text";
    statusText.textContent = pending ? progressWords(pending) : incident.status;
    status.append(statusText);
    if (pending && pendingError) {
      const error = document.createElement("div");
      error.className = "pending-error";
      error.textContent = `retrying: ${pendingError}`;
      status.append(error);
    }
    for (const kind of sending) {
      status.append(el("div", { class: "sending", "data-kind": kind.kind }, progressWords(kind)));
    }
    if (quiet) {
      status.append(el("div", { class: "quiet-marker", title: "Listed, but it never pages." }, quietWords(quiet, now)));
    }
    tr.append(status);

    const ageCell = cell(age(incident.created_at, now), "age");
    ageCell.dataset.since = incident.created_at;
    tr.append(ageCell);

    const actions = document.createElement("td");
    actions.className = "actions";
    for (const action of actionsFor(item, can)) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = action.text;
      button.dataset.action = action.id;
      button.dataset.focus = `${key}|${action.id}`;
      button.setAttribute("aria-label", action.label);
      button.disabled = !action.enabled;
      button.addEventListener("click", () => {
        this.currentKey = key;
        if (action.kind) void this.act([incident.key], action.kind);
        else void this.open(incident.key);
      });
      actions.append(button);
    }
    const details = el("button", {
      type: "button",
      "data-action": "details",
      "data-focus": `${key}|details`,
      "aria-label": `Details of ${name}`,
    }, "Details");
    details.addEventListener("click", () => {
      this.currentKey = key;
      this.markCurrent();
      this.openDetails(incident.key);
    });
    actions.append(details);
    const service = incident.service;
    if (service !== null && quiet?.reason === "muted") {
      const unmute = el("button", {
        type: "button",
        "data-action": "unmute",
        "data-focus": `${key}|unmute`,
        "aria-label": `Unmute ${service}`,
      }, "Unmute");
      unmute.addEventListener("click", () => void this.unmute(incident.key.account, service));
      actions.append(unmute);
    }
    tr.append(actions);
    return tr;
  }

  /** With several accounts: an account column, and a filter to show one of them. */
  private accountChoices(view: View): boolean {
    const several = view.accounts.length > 1;
    byId("filters").hidden = !several;
    for (const th of document.querySelectorAll<HTMLElement>("#incidents .account-col")) th.hidden = !several;
    const select = this.accountFilter;
    const names = view.accounts.map((a) => a.account);
    const current = [...select.options].slice(1).map((o) => o.value);
    if (names.join("\n") !== current.join("\n")) {
      const chosen = select.value;
      const all = select.options[0]!;
      select.replaceChildren(all, ...names.map((name) => el("option", { value: name }, name)));
      select.value = names.includes(chosen) ? chosen : "";
    }
    return several;
  }

  private markCurrent(): void {
    for (const tr of this.rows()) tr.classList.toggle("current", tr.dataset.key === this.currentKey);
  }

  private move(step: number): void {
    const rows = this.rows();
    if (rows.length === 0) return;
    const at = rows.findIndex((tr) => tr.dataset.key === this.currentKey);
    const next =
      at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
    const row = rows[next]!;
    this.currentKey = row.dataset.key ?? null;
    this.markCurrent();
    row.focus();
  }

  /** Performs the row button `id` on the current row, if that row offers it right now. */
  private pressOnCurrent(id: string): void {
    const row = this.rows().find((tr) => tr.dataset.key === this.currentKey);
    const button = row?.querySelector<HTMLButtonElement>(`button[data-action="${id}"]`);
    if (button && !button.disabled) button.click();
  }

  private toggleCurrent(): void {
    const key = this.currentKey;
    if (!key) return;
    if (this.selected.has(key)) this.selected.delete(key);
    else this.selected.add(key);
    const row = this.rows().find((tr) => tr.dataset.key === key);
    if (row) this.pickOf(row).checked = this.selected.has(key);
    this.updateSelection();
  }

  /** Selected incidents (shown ones only) that can be acknowledged now. */
  private selectedToAcknowledge(): IncidentKey[] {
    return this.rows()
      .filter((tr) => this.selected.has(tr.dataset.key ?? "") && tr.dataset.status === "triggered" && !tr.dataset.pending)
      .map((tr) => this.view?.incidents.find((i) => keyOf(i.incident) === tr.dataset.key)?.incident.key)
      .filter((key): key is IncidentKey => key !== undefined);
  }

  private updateSelection(): void {
    const rows = this.rows();
    this.ackSelected.disabled = this.selectedToAcknowledge().length === 0;
    const picked = rows.filter((tr) => this.selected.has(tr.dataset.key ?? "")).length;
    this.selectAll.checked = rows.length > 0 && picked === rows.length;
    this.selectAll.indeterminate = picked > 0 && picked < rows.length;
  }
}
