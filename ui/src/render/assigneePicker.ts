// One assignee picker (the WAI-ARIA combobox with a listbox): type to search the service,
// debounced; arrow keys move through the options, Enter or a click picks one. Used for
// reassigning, escalating (Opsgenie) and adding responders, each on its own markup.

import { reason } from "../api";
import { byId, el } from "../dom";
import { assigneeKey, moveActive, rankAssignees, SEARCH_DELAY_MS } from "../picker";
import { kindWords } from "../respond";
import type { Assignee, AssigneeKind } from "../types";

export interface PickerSetup {
  /** The markup's prefix: `#ID-query` (the combobox), `#ID-options` (the listbox), `#ID-status`. */
  id: string;
  /** Asks the service; rejections are words for the user. */
  search(query: string, kinds: AssigneeKind[]): Promise<Assignee[]>;
  /** Whether focusing the empty combobox lists what the service offers (a short list, such
   * as Opsgenie's escalations); otherwise nothing is asked before something is typed. */
  searchOnFocus?: boolean;
  /** Who is already chosen, so not offered again. */
  chosen?(): ReadonlySet<string>;
  onPick(assignee: Assignee): void;
}

/** The status under the combobox once the service answered. */
function matchWords(count: number, query: string): string {
  if (count === 1) return "1 match: arrow keys and Enter to choose.";
  if (count > 1) return `${count} matches: arrow keys and Enter to choose.`;
  return query ? `No match for “${query}”.` : "Nobody to offer.";
}

export class AssigneePicker {
  readonly input: HTMLInputElement;
  private readonly listbox: HTMLElement;
  private readonly status: HTMLElement;
  private kinds: AssigneeKind[] = [];
  /** The service's last answer, and the text it answered. */
  private found: Assignee[] = [];
  private foundFor = "";
  private options: Assignee[] = [];
  private active = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts searches, so an answer to an older one (or to before a reset) is dropped. */
  private asked = 0;
  /** Whether the options answer the input's text (else focusing the input searches). */
  private answered = false;

  constructor(private readonly setup: PickerSetup) {
    this.input = byId<HTMLInputElement>(`${setup.id}-query`);
    this.listbox = byId(`${setup.id}-options`);
    this.status = byId(`${setup.id}-status`);
    this.input.addEventListener("input", () => {
      this.answered = false;
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.input.value.trim() === "" && !setup.searchOnFocus) {
        this.asked += 1;
        this.show([]);
        this.say("");
        return;
      }
      this.timer = setTimeout(() => void this.search(), SEARCH_DELAY_MS);
    });
    this.input.addEventListener("focus", () => {
      if (setup.searchOnFocus && !this.answered && this.timer === undefined) void this.search();
    });
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    // A click on an option must not take the focus from the combobox first.
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const li = event.target instanceof Element ? event.target.closest<HTMLElement>("li[role=option]") : null;
      const at = li ? Number(li.dataset.index) : -1;
      const picked = this.options[at];
      if (picked) this.setup.onPick(picked);
    });
  }

  /** Empties the picker for `kinds` (the account's), forgetting any search on its way. */
  reset(kinds: AssigneeKind[]): void {
    this.kinds = kinds;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.asked += 1;
    this.answered = false;
    this.input.value = "";
    this.found = [];
    this.foundFor = "";
    this.show([]);
    this.say("");
  }

  /** Shows the options again without the chosen ones (after one was picked). */
  refilter(): void {
    this.show(rankAssignees(this.found, this.foundFor, this.kinds, this.setup.chosen?.()));
  }

  private async search(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const asked = ++this.asked;
    const query = this.input.value.trim();
    this.answered = true;
    this.say("Searching…");
    try {
      const found = await this.setup.search(query, this.kinds);
      if (asked !== this.asked) return;
      this.found = found;
      this.foundFor = query;
      const options = rankAssignees(found, query, this.kinds, this.setup.chosen?.());
      this.show(options);
      this.say(matchWords(options.length, query));
    } catch (e) {
      if (asked !== this.asked) return;
      this.answered = false;
      this.show([]);
      this.say(`Could not search: ${reason(e)}`);
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === "Enter") {
      event.preventDefault();
      const picked = this.options[this.active];
      if (picked) this.setup.onPick(picked);
      else if (!this.answered && (this.input.value.trim() !== "" || this.setup.searchOnFocus)) void this.search();
      return;
    }
    if (event.key === "Escape" && this.options.length > 0) {
      // The first Escape closes the list; the next one reaches the pane.
      event.preventDefault();
      event.stopPropagation();
      this.show([]);
      this.answered = false;
      return;
    }
    const next = moveActive(this.active, this.options.length, event.key);
    if (next === null) return;
    event.preventDefault();
    this.setActive(next);
  }

  private show(options: Assignee[]): void {
    this.options = options;
    this.active = -1;
    const id = this.setup.id;
    this.listbox.replaceChildren(
      ...options.map((a, i) =>
        el(
          "li",
          {
            role: "option",
            id: `${id}-option-${i}`,
            "aria-selected": "false",
            "data-index": String(i),
            "data-kind": a.kind,
            "data-id": a.id,
            "data-key": assigneeKey(a),
          },
          el("span", { class: "name" }, a.name),
          " ",
          el("span", { class: "kind" }, kindWords(a.kind)),
        ),
      ),
    );
    this.listbox.hidden = options.length === 0;
    this.input.setAttribute("aria-expanded", String(options.length > 0));
    this.input.removeAttribute("aria-activedescendant");
  }

  private setActive(index: number): void {
    this.active = index;
    for (const li of this.listbox.querySelectorAll<HTMLElement>("li[role=option]")) {
      const on = Number(li.dataset.index) === index;
      li.setAttribute("aria-selected", String(on));
      li.classList.toggle("active", on);
      if (on) li.scrollIntoView?.({ block: "nearest" });
    }
    if (index >= 0) this.input.setAttribute("aria-activedescendant", `${this.setup.id}-option-${index}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  private say(text: string): void {
    this.status.textContent = text;
  }
}
