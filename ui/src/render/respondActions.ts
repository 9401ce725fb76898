// The detail pane's actions that hand an incident on or change it: reassign, escalate,
// add responders, change urgency. Each goes through the confirmation, which says what
// will be sent; only its Confirm sends, and it sends exactly that.

import type { Api } from "../api";
import { button, byId, el } from "../dom";
import { assigneeKey } from "../picker";
import { confirmationText, confirmationTitle, kindWords, type Offers } from "../respond";
import type { ActionKind, Assignee, AssigneeKind, Incident, Urgency } from "../types";
import { AssigneePicker } from "./assigneePicker";
import type { Confirmation } from "./confirmation";

/** Sends `kind` for the pane's incident; true once the tray app has saved it. */
export type Send = (kind: ActionKind) => Promise<boolean>;

/** "Find a user or escalation policy". */
function findWords(kinds: AssigneeKind[]): string {
  const words = kinds.map(kindWords);
  return `Find a ${words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}` : words[0] ?? "user"}`;
}

export class RespondActions {
  private readonly reassignSection = byId("reassign-section");
  private readonly escalateSection = byId("escalate-section");
  private readonly escalateNextField = byId("escalate-next-field");
  private readonly escalateNext = byId<HTMLButtonElement>("escalate-next");
  private readonly escalateChoose = byId("escalate-choose");
  private readonly respondersSection = byId("responders-section");
  private readonly chosenList = byId("responders-chosen");
  private readonly message = byId<HTMLTextAreaElement>("responders-message");
  private readonly messageError = byId("responders-error");
  private readonly addResponders = byId<HTMLButtonElement>("add-responders");
  private readonly urgencySection = byId("urgency-section");
  private readonly urgencyNow = byId("urgency-now");
  private readonly setUrgency = byId<HTMLButtonElement>("set-urgency");
  private readonly reassign: AssigneePicker;
  private readonly escalate: AssigneePicker;
  private readonly responders: AssigneePicker;
  private incident: Incident | null = null;
  /** The open incident's account, whose service the pickers search. */
  private account: string | null = null;
  private offers: Offers | null = null;
  private chosen: Assignee[] = [];

  constructor(
    api: Api,
    private readonly confirmation: Confirmation,
    private readonly send: Send,
  ) {
    const search = (query: string, kinds: AssigneeKind[]): Promise<Assignee[]> =>
      this.account !== null ? api.findAssignees(this.account, query, kinds) : Promise.resolve([]);
    this.reassign = new AssigneePicker({
      id: "reassign",
      search,
      onPick: (to) => this.confirm({ kind: "reassign", to }, this.reassign.input, () => this.reassign.reset(this.offers?.reassignKinds ?? [])),
    });
    this.escalate = new AssigneePicker({
      id: "escalate",
      search,
      searchOnFocus: true,
      onPick: (to) => this.confirm({ kind: "escalate", to }, this.escalate.input, () => this.escalate.reset(["escalation"])),
    });
    this.responders = new AssigneePicker({
      id: "responders",
      search,
      chosen: () => new Set(this.chosen.map(assigneeKey)),
      onPick: (who) => {
        this.chosen.push(who);
        this.responders.refilter();
        this.drawChosen();
      },
    });
    this.escalateNext.addEventListener("click", () =>
      this.confirm({ kind: "escalate", to: null }, this.escalateNext, () => {}),
    );
    this.setUrgency.addEventListener("click", () => {
      const urgency = this.setUrgency.dataset.urgency as Urgency | undefined;
      if (urgency) this.confirm({ kind: "set_urgency", urgency }, this.setUrgency, () => {});
    });
    this.message.addEventListener("input", () => {
      this.messageError.hidden = true;
      this.message.removeAttribute("aria-invalid");
    });
    this.addResponders.addEventListener("click", () => this.askResponders());
  }

  /** A newly opened incident: every picker and field empty, the account's actions shown. */
  open(incident: Incident, offers: Offers): void {
    this.account = incident.key.account;
    this.offers = offers;
    this.chosen = [];
    this.message.value = "";
    this.messageError.hidden = true;
    this.message.removeAttribute("aria-invalid");
    this.reassign.reset(offers.reassignKinds);
    this.escalate.reset(["escalation"]);
    this.responders.reset(offers.responderKinds);
    byId("reassign-label").textContent = findWords(offers.reassignKinds);
    byId("responders-label").textContent = `${findWords(offers.responderKinds)} to ask`;
    this.reassignSection.hidden = offers.reassignKinds.length === 0;
    this.escalateSection.hidden = offers.escalate === null;
    this.escalateNextField.hidden = offers.escalate !== "next_level";
    this.escalateChoose.hidden = offers.escalate !== "choose";
    this.respondersSection.hidden = offers.responderKinds.length === 0;
    this.urgencySection.hidden = !offers.urgency;
    this.drawChosen();
    this.update(incident, true);
  }

  /** The incident as the latest view has it; `open` false once it left the list. */
  update(incident: Incident, open: boolean): void {
    this.incident = incident;
    const other: Urgency = incident.urgency === "high" ? "low" : "high";
    this.urgencyNow.textContent = `Now ${incident.urgency} urgency.`;
    this.setUrgency.textContent = `Change to ${other} urgency`;
    this.setUrgency.dataset.urgency = other;
    for (const control of [this.escalateNext, this.setUrgency, this.reassign.input, this.escalate.input, this.responders.input, this.message]) {
      control.disabled = !open;
    }
    this.addResponders.disabled = !open || this.chosen.length === 0;
  }

  private confirm(kind: ActionKind, returnTo: HTMLElement, sent: () => void): void {
    const incident = this.incident;
    if (!incident) return;
    this.confirmation.ask(confirmationTitle(kind), confirmationText(incident, kind), () => {
      void this.send(kind).then((saved) => {
        if (saved) sent();
      });
    }, returnTo);
  }

  private askResponders(): void {
    const message = this.message.value.trim();
    if (this.chosen.length === 0) return;
    if (!message) {
      this.messageError.textContent = "Write a message: they see it with the request.";
      this.messageError.hidden = false;
      this.message.setAttribute("aria-invalid", "true");
      this.message.focus();
      return;
    }
    const kind: ActionKind = { kind: "add_responders", responders: [...this.chosen], message };
    this.confirm(kind, this.addResponders, () => {
      this.chosen = [];
      this.message.value = "";
      this.responders.reset(this.offers?.responderKinds ?? []);
      this.drawChosen();
    });
  }

  private drawChosen(): void {
    this.chosenList.replaceChildren(
      ...this.chosen.map((who) => {
        const remove = button("Remove", { "aria-label": `Remove ${who.name}`, "data-remove": assigneeKey(who) });
        remove.addEventListener("click", () => {
          this.chosen = this.chosen.filter((c) => assigneeKey(c) !== assigneeKey(who));
          this.drawChosen();
          this.responders.refilter();
          this.responders.input.focus();
        });
        return el(
          "li",
          { "data-key": assigneeKey(who) },
          el("span", { class: "name" }, who.name),
          " ",
          el("span", { class: "kind" }, kindWords(who.kind)),
          " ",
          remove,
        );
      }),
    );
    this.chosenList.hidden = this.chosen.length === 0;
    this.addResponders.disabled = this.chosen.length === 0 || this.responders.input.disabled;
  }
}
