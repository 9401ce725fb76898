// The History tab: the last 24 hours of pages and actions, fetched from the tray app when
// the tab opens and again after each view while it is shown.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, el, type ShowMessage } from "../dom";
import { historyText, historyTime, isTrouble, newestFirst } from "../history";
import type { HistoryEntry } from "../types";

export class HistoryPanel {
  /** Counts requests, so an answer that arrives after a newer one is dropped. */
  private asked = 0;
  private readonly list = byId<HTMLUListElement>("history");
  private readonly empty = byId("history-empty");

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
  ) {}

  async refresh(): Promise<void> {
    const ask = ++this.asked;
    try {
      const entries = await this.api.getHistory();
      if (ask === this.asked) this.render(entries, Date.now());
    } catch (e) {
      if (ask === this.asked) this.showMessage(`Could not read the history: ${reason(e)}`);
    }
  }

  render(entries: readonly HistoryEntry[], now: number): void {
    const items = newestFirst(entries).map((entry) => {
      const at = el("time", { datetime: entry.at, class: "when" }, historyTime(entry.at, now));
      const li = el(
        "li",
        { "data-event": entry.event, "data-account": entry.account },
        at,
        " ",
        el("span", { class: "account" }, entry.account),
        " ",
        el("span", { class: "what" }, historyText(entry)),
      );
      if (entry.incident) li.dataset.incident = entry.incident;
      if (isTrouble(entry)) li.classList.add("trouble");
      return li;
    });
    this.list.replaceChildren(...items);
    this.list.hidden = items.length === 0;
    this.empty.hidden = items.length > 0;
  }
}
