// The incident's detail pane: what the list knows of it (kept current by each view), its
// notes, log entries and alerts (asked for when the pane opens and on Refresh, never on
// a view: a poll costs the service one request, whatever the window shows), and what
// the user can do about it. Escape closes it; focus goes back to the incident's row.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, el } from "../dom";
import { capabilitiesOf, keyOf } from "../incidents";
import { MUTE_HOURS, muteOf, offersOf, quietWords, stampWords, verbWords, type Offers } from "../respond";
import type { AccountView, ActionKind, IncidentDetails, IncidentKey, IncidentView, View } from "../types";
import { incidentName, progressWords, providerName, when } from "../words";
import { Confirmation } from "./confirmation";
import { RespondActions } from "./respondActions";

export class DetailPane {
  private readonly pane = byId("details");
  private readonly title = byId("details-title");
  private readonly gone = byId("details-gone");
  private readonly facts = byId("details-facts");
  private readonly sending = byId("details-sending");
  private readonly result = byId("details-result");
  private readonly noteSection = byId("note-section");
  private readonly noteText = byId<HTMLTextAreaElement>("note-text");
  private readonly noteError = byId("note-error");
  private readonly addNote = byId<HTMLButtonElement>("add-note");
  private readonly muteSection = byId("mute-section");
  private readonly muteState = byId("mute-state");
  private readonly muteButtons = byId("mute-buttons");
  private readonly unmute = byId<HTMLButtonElement>("unmute");
  private readonly refresh = byId<HTMLButtonElement>("details-refresh");
  private readonly loading = byId("details-loading");
  private readonly error = byId("details-error");
  private readonly none = byId("details-none");
  private readonly lists = byId("details-lists");
  private readonly confirmation = new Confirmation();
  private readonly actions: RespondActions;

  private view: View | null = null;
  /** The open incident's key ("ACCOUNT/ID"), and what the last view said of it. */
  private key: string | null = null;
  /** The incident the pane showed last, whose unsent note is kept if it opens again. */
  private lastKey: string | null = null;
  private item: IncidentView | null = null;
  private account: AccountView | null = null;
  private offers: Offers | null = null;
  private details: IncidentDetails | null = null;
  /** Counts fetches, so an answer for an earlier incident or fetch is dropped. */
  private fetched = 0;
  /** While the tray app saves a note, so a view cannot offer Add note twice. */
  private noteBusy = false;
  /** How many actions were on their way at the last view: fewer means one was settled. */
  private sendingCount = 0;

  constructor(
    private readonly api: Api,
    /** Focuses the incident's row again when the pane closes. */
    private readonly focusRow: (key: string) => void,
  ) {
    this.actions = new RespondActions(api, this.confirmation, (kind) => this.send(kind));
    byId("details-close").addEventListener("click", () => this.close());
    this.refresh.addEventListener("click", () => void this.fetch());
    this.addNote.addEventListener("click", () => void this.sendNote());
    this.noteText.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.sendNote();
      }
    });
    this.noteText.addEventListener("input", () => {
      this.noteError.hidden = true;
      this.noteText.removeAttribute("aria-invalid");
    });
    this.muteButtons.replaceChildren(
      ...MUTE_HOURS.map((hours) => {
        const b = el(
          "button",
          { type: "button", "data-mute-hours": String(hours), "aria-label": `Mute this service for ${hours === 1 ? "1 hour" : `${hours} hours`}` },
          `${hours} h`,
        );
        b.addEventListener("click", () => void this.mute(hours));
        return b;
      }),
    );
    this.unmute.addEventListener("click", () => void this.unmuteService());
    this.pane.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) {
        event.preventDefault();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return this.key !== null;
  }

  contains(target: EventTarget | null): boolean {
    return target instanceof Node && this.pane.contains(target);
  }

  /** Opens the pane on `key`'s incident and asks the tray app for its notes, log and alerts. */
  open(key: IncidentKey): void {
    const item = this.view?.incidents.find((i) => keyOf(i.incident) === `${key.account}/${key.id}`);
    if (!item || !this.view) return;
    this.confirmation.cancel();
    this.key = keyOf(item.incident);
    if (this.key !== this.lastKey) this.noteText.value = "";
    this.lastKey = this.key;
    this.account = this.view.accounts.find((a) => a.account === key.account) ?? null;
    this.offers = offersOf(capabilitiesOf(this.view, key.account));
    this.details = null;
    this.noteError.hidden = true;
    this.result.hidden = true;
    this.sendingCount = (item.sending ?? []).length;
    this.actions.open(item.incident, this.offers);
    this.noteSection.hidden = !this.offers.notes;
    this.pane.hidden = false;
    this.draw(item, Date.now());
    this.title.focus();
    void this.fetch();
  }

  close(): void {
    if (!this.key) return;
    const key = this.key;
    this.confirmation.cancel();
    this.key = null;
    this.item = null;
    this.fetched += 1;
    this.pane.hidden = true;
    this.focusRow(key);
  }

  /** A new view: what the pane shows of the incident follows it; nothing is fetched. */
  update(view: View, now: number): void {
    this.view = view;
    if (!this.key) return;
    const item = view.incidents.find((i) => keyOf(i.incident) === this.key) ?? null;
    if (!item) {
      if (this.confirmation.isOpen) {
        this.confirmation.cancel();
        this.say("The incident is no longer open; nothing was sent.", "failed");
      }
      this.gone.hidden = false;
      if (this.item) this.actions.update(this.item.incident, false);
      this.setOpenControls(false);
      return;
    }
    const count = (item.sending ?? []).length;
    // An action was confirmed or refused: the service's notes and log have changed.
    const settled = count < this.sendingCount;
    this.sendingCount = count;
    this.draw(item, now);
    if (settled && this.offers?.details) void this.fetch();
  }

  private draw(item: IncidentView, now: number): void {
    this.item = item;
    const { incident } = item;
    this.gone.hidden = true;
    this.title.textContent = incidentName(incident);
    const facts: [string, string][] = [
      ["Service", incident.service ?? "—"],
      ["Status", item.pending ? progressWords(item.pending) : incident.status],
      ["Urgency", incident.urgency],
      ["Assigned to", incident.assignees.map((p) => p.name).join(", ") || "nobody"],
      ["Teams", (incident.teams ?? []).join(", ") || "—"],
    ];
    if (incident.escalation_policy) facts.push(["Escalation policy", incident.escalation_policy]);
    if (incident.priority) facts.push(["Priority", incident.priority]);
    facts.push(["Opened", when(incident.created_at, now)]);
    if (item.quiet) facts.push(["Pages", `never: ${quietWords(item.quiet, now)}`]);
    this.facts.replaceChildren(
      ...facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", { "data-fact": term.toLowerCase() }, value)]),
    );
    const sending = item.sending ?? [];
    this.sending.replaceChildren(...sending.map((kind) => el("li", { "data-kind": kind.kind }, progressWords(kind))));
    this.sending.hidden = sending.length === 0;
    this.actions.update(incident, true);
    this.setOpenControls(true);
    this.drawMute(now);
    this.drawRecord(now);
  }

  private setOpenControls(open: boolean): void {
    this.noteText.disabled = !open;
    this.addNote.disabled = !open || this.noteBusy;
    for (const b of this.muteButtons.querySelectorAll("button")) b.disabled = !open;
  }

  private drawMute(now: number): void {
    const incident = this.item?.incident;
    if (!incident) return;
    const service = incident.service;
    const mute = muteOf(this.view, incident.key.account, service, now);
    const muted = mute ?? (this.item?.quiet?.reason === "muted" ? this.item.quiet : null);
    this.muteSection.hidden = false;
    this.muteButtons.hidden = service === null;
    this.unmute.hidden = service === null || muted === null;
    this.muteState.textContent =
      service === null
        ? "This incident names no service, so there is nothing to mute."
        : muted
          ? `${service} is muted until ${when(muted.until, now)}: its incidents are listed but never page.`
          : `No pages from ${service} for a while; its incidents stay listed.`;
  }

  /** The notes, log and alerts, with the notes still on their way first. */
  private drawRecord(now: number): void {
    const offers = this.offers;
    const provider = this.account ? providerName(this.account.provider) : "This service";
    const shown = offers?.details === true;
    this.refresh.hidden = !shown;
    this.lists.hidden = !shown;
    this.none.hidden = shown;
    this.none.textContent = shown ? "" : `${provider} gives no notes, log or alerts for its incidents here.`;
    if (!shown) return;
    const notes = (this.item?.sending ?? []).flatMap((kind) =>
      kind.kind === "add_note"
        ? [el("li", { class: "note sending", "data-sending": "" }, el("p", { class: "meta" }, "sending…"), el("p", { class: "text" }, kind.text))]
        : [],
    );
    const details = this.details;
    if (details) {
      notes.push(
        ...details.notes.map((note) =>
          el(
            "li",
            { class: "note" },
            el("p", { class: "meta" }, [stampWords(note.at, now), note.author].filter(Boolean).join(" · ")),
            el("p", { class: "text" }, note.text),
          ),
        ),
      );
    }
    const empty = (text: string): HTMLElement => el("li", { class: "muted empty" }, text);
    const known = details !== null;
    byId("details-notes").replaceChildren(...(notes.length > 0 ? notes : known ? [empty("No notes yet.")] : []));
    byId("details-log").replaceChildren(
      ...(details?.log ?? []).map((entry) =>
        el("li", {}, el("span", { class: "when" }, stampWords(entry.at, now)), " ", entry.summary),
      ),
      ...(known && details.log.length === 0 ? [empty("Nothing in the log.")] : []),
    );
    byId("details-alerts").replaceChildren(
      ...(details?.alerts ?? []).map((alert) =>
        el(
          "li",
          { "data-status": alert.status },
          el("span", { class: "when" }, stampWords(alert.at, now)),
          " ",
          el("span", { class: "alert-status" }, alert.status),
          " ",
          alert.summary,
        ),
      ),
      ...(known && details.alerts.length === 0 ? [empty("No alerts.")] : []),
    );
  }

  private async fetch(): Promise<void> {
    const item = this.item;
    if (!item || !this.offers?.details) return;
    const asked = ++this.fetched;
    this.refresh.disabled = true;
    this.error.hidden = true;
    this.loading.textContent = "Loading notes, log and alerts…";
    try {
      const details = await this.api.incidentDetails(item.incident.key);
      if (asked !== this.fetched) return;
      this.details = details;
      this.loading.textContent = "";
    } catch (e) {
      if (asked !== this.fetched) return;
      this.loading.textContent = "";
      this.error.textContent = `Could not load the notes, log and alerts: ${reason(e)}`;
      this.error.hidden = false;
    } finally {
      if (asked === this.fetched) this.refresh.disabled = false;
    }
    this.drawRecord(Date.now());
  }

  /** Hands `kind` to the tray app, which saves it and sends it; true once saved. */
  private async send(kind: ActionKind): Promise<boolean> {
    const item = this.item;
    const key = this.key;
    if (!item || !key) return false;
    const provider = this.account ? providerName(this.account.provider) : "the service";
    const before = (item.sending ?? []).length;
    // The answer is said only if the pane still shows the incident it was for.
    try {
      await this.api.act([item.incident.key], kind);
      if (this.key === key) {
        this.say(`Saved; on its way to ${provider}.`, "ok");
        // Views come as the latest only: a service that answers within milliseconds
        // settles the action before any view shows it on its way, and then no view
        // shows it settle. Unless the last view shows it on its way, the notes and log
        // are asked for now; and it counts as on its way, so that a later view showing
        // it settled asks again.
        const shown = (this.item?.sending ?? []).length;
        this.sendingCount = Math.max(this.sendingCount, before + 1);
        if (shown <= before && this.offers?.details) void this.fetch();
      }
      return true;
    } catch (e) {
      if (this.key === key) this.say(`Could not ${verbWords(kind)} ${incidentName(item.incident)}: ${reason(e)}`, "failed");
      return false;
    }
  }

  private async sendNote(): Promise<void> {
    const text = this.noteText.value.trim();
    if (!text) {
      this.noteError.textContent = "Write the note first.";
      this.noteError.hidden = false;
      this.noteText.setAttribute("aria-invalid", "true");
      this.noteText.focus();
      return;
    }
    if (this.noteBusy || this.addNote.disabled) return;
    const key = this.key;
    this.noteBusy = true;
    this.addNote.disabled = true;
    const saved = await this.send({ kind: "add_note", text });
    this.noteBusy = false;
    this.addNote.disabled = this.noteText.disabled;
    // Closed and opened again on the same incident, the textarea still holds this note.
    if (saved && this.lastKey === key) this.noteText.value = "";
  }

  private async mute(hours: number): Promise<void> {
    const incident = this.item?.incident;
    if (!incident?.service) return;
    try {
      await this.api.muteService(incident.key.account, incident.service, hours * 60);
      this.say(`${incident.service} is muted for ${hours} h: its incidents stay listed but do not page.`, "ok");
    } catch (e) {
      this.say(`Could not mute ${incident.service}: ${reason(e)}`, "failed");
    }
  }

  private async unmuteService(): Promise<void> {
    const incident = this.item?.incident;
    if (!incident?.service) return;
    try {
      await this.api.unmuteService(incident.key.account, incident.service);
      this.say(`${incident.service} pages again.`, "ok");
    } catch (e) {
      this.say(`Could not unmute ${incident.service}: ${reason(e)}`, "failed");
    }
  }

  private say(text: string, state: "ok" | "failed"): void {
    this.result.textContent = text;
    this.result.dataset.result = state;
    this.result.classList.toggle("trouble", state === "failed");
    this.result.hidden = false;
  }
}
