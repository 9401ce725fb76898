// The window's tab bar, after the WAI-ARIA tabs pattern: one tab in the Tab order, arrow
// keys, Home and End move between tabs and show them (automatic activation).

import { byId } from "./dom";

export type TabName = "incidents" | "oncall" | "history" | "report" | "settings";
export const TABS: readonly TabName[] = ["incidents", "oncall", "history", "report", "settings"];

export class Tabs {
  private current: TabName = "incidents";

  constructor(private readonly onShow: (tab: TabName) => void) {
    for (const name of TABS) {
      const tab = byId(`tab-${name}`);
      tab.addEventListener("click", () => this.show(name));
      tab.addEventListener("keydown", (event) => this.onKey(event, name));
    }
  }

  get shown(): TabName {
    return this.current;
  }

  /** Shows tab `name`'s panel; `focus` moves focus to its tab. */
  show(name: TabName, focus = false): void {
    const changed = name !== this.current;
    this.current = name;
    for (const other of TABS) {
      const tab = byId(`tab-${other}`);
      const selected = other === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      byId(`panel-${other}`).hidden = !selected;
    }
    if (focus) byId(`tab-${name}`).focus();
    if (changed) this.onShow(name);
  }

  private onKey(event: KeyboardEvent, name: TabName): void {
    const at = TABS.indexOf(name);
    const to: Record<string, number> = {
      ArrowRight: (at + 1) % TABS.length,
      ArrowLeft: (at + TABS.length - 1) % TABS.length,
      Home: 0,
      End: TABS.length - 1,
    };
    const index = to[event.key];
    const next = index === undefined ? undefined : TABS[index];
    if (next) {
      event.preventDefault();
      event.stopPropagation();
      this.show(next, true);
    }
  }
}
