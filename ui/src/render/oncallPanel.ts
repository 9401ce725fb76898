// The On call tab: per account, who is on call now and next in each of the user's
// schedules and policy levels, the user's own shifts for the coming two weeks, and
// covering a shift. A cover is sent only from the confirmation, which shows exactly
// what will be sent; the tab then changes when the tray's next view does.

import type { Api } from "../api";
import { reason } from "../api";
import { button, byId, el } from "../dom";
import {
  confirmationText,
  COVER_HOURS,
  coverButtonText,
  coveredText,
  coverKinds,
  coverPlan,
  type CoverKind,
  type CoverPlan,
  mergedShifts,
  nextSpan,
  nowSpan,
  personName,
  placeName,
  shiftSpan,
} from "../oncall";
import type { AccountView, OnCallPerson, RotaEntry, View } from "../types";
import { providerName } from "../words";

/** The cover the confirmation asks about. */
interface Asking {
  account: AccountView;
  entry: RotaEntry;
  kind: CoverKind;
  /** What Confirm sends: kept as shown. */
  plan: CoverPlan;
}

export class OncallPanel {
  private readonly accounts = byId("oncall-accounts");
  private readonly dialog = byId("cover-confirm");
  private readonly text = byId("cover-text");
  private readonly hoursField = byId("cover-hours-field");
  private readonly hours = byId<HTMLSelectElement>("cover-hours");
  private readonly confirm = byId<HTMLButtonElement>("cover-ok");
  private readonly cancel = byId<HTMLButtonElement>("cover-cancel");
  private readonly result = byId("cover-result");
  /** What the list was last drawn from, so an unchanged view keeps focus where it is. */
  private drawn = "";
  private asking: Asking | null = null;
  /** The button that opened the confirmation: focus goes back there. */
  private opener: { account: string; entry: string; kind: CoverKind } | null = null;

  constructor(private readonly api: Api) {
    this.hours.replaceChildren(
      ...COVER_HOURS.map((h) => el("option", { value: String(h) }, h === 1 ? "1 hour" : `${h} hours`)),
    );
    this.hours.addEventListener("change", () => this.replan(Date.now()));
    this.confirm.addEventListener("click", () => void this.send());
    this.cancel.addEventListener("click", () => this.close(true));
    this.dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close(true);
      }
    });
  }

  render(view: View, now: number): void {
    // Only what the tab shows, to the minute: a poll that changed none of it leaves the
    // list (and the focus in it) alone.
    const shown = view.accounts.map((a) => [a.account, a.provider, a.capabilities.schedules, a.rota, a.on_call, a.shifts_problem]);
    const drawn = JSON.stringify([shown, Math.floor(now / 60_000)]);
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    const focused = document.activeElement;
    const again =
      focused instanceof HTMLButtonElement && this.accounts.contains(focused) ? { ...focused.dataset } : null;
    this.accounts.replaceChildren(...view.accounts.map((account) => this.accountSection(account, now)));
    if (again) this.coverButton(again.account, again.entry, again.cover)?.focus();
  }

  /** The clock moved: the confirmation's "from now" follows it to the minute. */
  tick(view: View | null, now: number): void {
    if (view) this.render(view, now);
    if (this.asking && !this.confirm.disabled) this.replan(now);
  }

  private accountSection(account: AccountView, now: number): HTMLElement {
    const section = el(
      "section",
      { class: "oncall-account", "data-account": account.account },
      el("h2", {}, `${account.account} · ${providerName(account.provider)}`),
    );
    if (!account.capabilities.schedules) {
      const words = `${providerName(account.provider)} has no on-call schedules.`;
      section.append(el("p", { class: "muted no-schedules" }, words));
      return section;
    }
    if (account.shifts_problem) {
      section.append(el("p", { class: "trouble shifts-problem" }, account.shifts_problem));
    }
    section.append(el("h3", {}, "Who is on call"));
    if (account.rota.length > 0) {
      const items = account.rota.map((entry, i) => this.rotaItem(account, entry, i, now));
      section.append(el("ul", { class: "rota", "aria-label": `Who is on call for ${account.account}` }, ...items));
    } else if (!account.shifts_problem) {
      section.append(el("p", { class: "muted" }, "You are in no escalation policy or schedule of this account."));
    }
    section.append(el("h3", {}, "Your shifts, next two weeks"));
    const shifts = mergedShifts(account.on_call, now).map((shift) =>
      el(
        "li",
        { class: Date.parse(shift.start ?? "") > now ? "" : "current" },
        el("span", { class: "place" }, placeName(shift)),
        " ",
        el("span", { class: "span" }, shiftSpan(shift, now)),
      ),
    );
    section.append(
      shifts.length > 0
        ? el("ul", { class: "shifts", "aria-label": `Your shifts for ${account.account}` }, ...shifts)
        : el("p", { class: "muted no-shifts" }, "No shifts in the coming two weeks."),
    );
    return section;
  }

  private rotaItem(account: AccountView, entry: RotaEntry, index: number, now: number): HTMLElement {
    // One schedule may serve several policy levels: the key names the level too.
    const key = `${entry.escalation_policy_id ?? ""}/${entry.level ?? ""}/${entry.schedule_id ?? index}`;
    const li = el("li", { "data-entry": key }, el("span", { class: "place" }, placeName(entry)));
    if (entry.schedule_id) li.dataset.schedule = entry.schedule_id;
    li.append(
      el("p", { class: "now" }, "Now: ", ...this.people(entry.now, (p) => nowSpan(p, now), "nobody is on call")),
      el("p", { class: "next" }, "Next: ", ...this.people(entry.next, (p) => nextSpan(p, now), "not known")),
    );
    if (entry.now.some((p) => p.is_me)) li.classList.add("mine");
    const kinds = coverKinds(entry, now);
    if (kinds.length > 0) {
      const buttons = kinds.map((kind) => {
        const b = button(coverButtonText(kind), {
          "data-cover": kind,
          "data-account": account.account,
          "data-entry": key,
          "aria-label": `${coverButtonText(kind)}: ${placeName(entry)}`,
        });
        b.addEventListener("click", () => this.open(account, entry, kind, key));
        return b;
      });
      li.append(el("div", { class: "buttons" }, ...buttons));
    }
    return li;
  }

  /** People in a line: "Alice Example until Mon 09:00", the user marked. */
  private people(people: OnCallPerson[], span: (p: OnCallPerson) => string, none: string): (Node | string)[] {
    if (people.length === 0) return [el("span", { class: "muted" }, none)];
    return people.flatMap((p, i) => [
      ...(i > 0 ? ["; "] : []),
      el("span", { class: p.is_me ? "person me" : "person", "data-user": p.user_id }, personName(p)),
      ` ${span(p)}`,
    ]);
  }

  private coverButton(account?: string, entry?: string, kind?: string): HTMLButtonElement | null {
    if (!account || !entry || !kind) return null;
    return [...this.accounts.querySelectorAll<HTMLButtonElement>("button[data-cover]")].find(
      (b) => b.dataset.account === account && b.dataset.entry === entry && b.dataset.cover === kind,
    ) ?? null;
  }

  private open(account: AccountView, entry: RotaEntry, kind: CoverKind, key: string): void {
    const now = Date.now();
    this.hours.value = "1";
    const plan = coverPlan(entry, kind, now);
    if (!plan) return;
    this.asking = { account, entry, kind, plan };
    this.opener = { account: account.account, entry: key, kind };
    this.hoursField.hidden = kind !== "hours";
    this.result.hidden = true;
    this.confirm.disabled = false;
    this.replan(now);
    this.dialog.hidden = false;
    (kind === "hours" ? this.hours : this.confirm).focus();
  }

  /** Recomputes the cover from the clock and the chosen hours, and says it. */
  private replan(now: number): void {
    const asking = this.asking;
    if (!asking) return;
    const plan = coverPlan(asking.entry, asking.kind, now, Number(this.hours.value));
    if (!plan) {
      // The shift ended while the confirmation was open: nothing left to take.
      this.close(true);
      this.say("That shift is over; nothing was changed.", "failed");
      return;
    }
    asking.plan = plan;
    this.text.textContent = confirmationText(asking.entry, plan, asking.account.provider, now);
    this.dialog.dataset.start = plan.start;
    this.dialog.dataset.end = plan.end;
    this.dialog.dataset.schedule = plan.schedule;
  }

  private close(refocus: boolean): void {
    this.asking = null;
    this.dialog.hidden = true;
    const opener = this.opener;
    this.opener = null;
    if (refocus && opener) this.coverButton(opener.account, opener.entry, opener.kind)?.focus();
  }

  private say(text: string, state: "sending" | "ok" | "failed"): void {
    this.result.textContent = text;
    this.result.dataset.result = state;
    this.result.classList.toggle("trouble", state === "failed");
    this.result.hidden = false;
  }

  private async send(): Promise<void> {
    const asking = this.asking;
    if (!asking || this.confirm.disabled) return;
    const { account, entry, plan } = asking;
    this.confirm.disabled = true;
    this.say(`Asking ${providerName(account.provider)}…`, "sending");
    try {
      const covered = await this.api.coverShift(account.account, plan.schedule, plan.start, plan.end);
      this.say(coveredText(entry, covered, account.provider, Date.now()), "ok");
    } catch (e) {
      this.say(`Could not cover the shift: ${reason(e)}`, "failed");
    } finally {
      this.confirm.disabled = false;
      this.close(false);
      this.result.focus();
    }
  }
}
