// @vitest-environment happy-dom
// The On call tab on the real markup and a fake tray app: what it shows, and that a
// cover is sent only from its confirmation, exactly as the confirmation says it.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { TABS } from "./tabs";
import { accountView, view } from "./test/fixtures";
import { $, openPage, press, settle, type Page } from "./test/page";
import type { AccountView, OnCallPerson, RotaEntry } from "./types";
import { clockTime } from "./words";

// Local times, so the words hold in any time zone: Tuesday 10 March 2026, 14:05:37.
const local = (day: number, hour: number, minute = 0, second = 0): Date => new Date(2026, 2, day, hour, minute, second);
const iso = (d: Date): string => d.toISOString();
const weekday = (d: Date): string => d.toLocaleDateString([], { weekday: "short" });

const alice: OnCallPerson = { user_id: "PALICE1", name: "Alice Example", is_me: false, start: iso(local(9, 9)), end: iso(local(16, 9)) };
const pat: OnCallPerson = { user_id: "PUSER01", name: "Pat Oncall", is_me: true, start: iso(local(16, 9)), end: iso(local(23, 9)) };
const checkout: RotaEntry = {
  escalation_policy: "Checkout",
  escalation_policy_id: "PEP1",
  level: 1,
  schedule: "Primary",
  schedule_id: "PSCHED1",
  now: [alice],
  next: [pat],
};

function work(over: Partial<AccountView> = {}): AccountView {
  return accountView("work", {
    rota: [checkout],
    on_call: [
      { escalation_policy: "Checkout", escalation_policy_id: "PEP1", schedule: "Primary", schedule_id: "PSCHED1", level: 1, start: pat.start, end: iso(local(17, 9)) },
      { escalation_policy: "Checkout", escalation_policy_id: "PEP1", schedule: "Primary", schedule_id: "PSCHED1", level: 1, start: iso(local(17, 9)), end: pat.end },
    ],
    ...over,
  });
}

let page: Page;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(local(10, 14, 5, 37));
  page = openPage();
});
afterEach(() => {
  page.stop();
  vi.useRealTimers();
});

async function showOncall(accounts: AccountView[] = [work()]): Promise<void> {
  page.emitView(view({ accounts }));
  press(String(TABS.indexOf("oncall") + 1));
  await settle();
}

const rotaItem = (schedule: string): HTMLElement => $(`#oncall-accounts li[data-schedule="${schedule}"]`);

describe("who is on call", () => {
  it("is a tab of its own, reached with its digit key", async () => {
    await showOncall();
    expect($("#panel-oncall").hidden).toBe(false);
    expect($("#tab-oncall").getAttribute("aria-selected")).toBe("true");
  });

  it("shows who is on call now and next, and marks me", async () => {
    await showOncall();
    const li = rotaItem("PSCHED1");
    expect(li.querySelector(".place")?.textContent).toBe("Checkout · level 1 · Primary");
    const until = `${weekday(local(16, 9))} ${clockTime(local(16, 9))}`;
    expect(li.querySelector(".now")?.textContent).toBe(`Now: Alice Example until ${until}`);
    expect(li.querySelector(".next")?.textContent).toMatch(/^Next: Pat Oncall \(you\) from /);
    expect(li.querySelector(".next .person.me")?.getAttribute("data-user")).toBe("PUSER01");
    expect(li.querySelector(".now .me")).toBeNull();
  });

  it("lists my shifts of the next two weeks, touching rows as one", async () => {
    await showOncall();
    const rows = [...document.querySelectorAll("#oncall-accounts .shifts li")];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toContain("Checkout · level 1 · Primary");
    expect(rows[0]?.textContent).toContain(` until ${weekday(local(23, 9))} `);
  });

  it("says when an account has no schedules, or cannot read them", async () => {
    await showOncall([
      accountView("am", { provider: "alertmanager", capabilities: { resolve: false, snooze: false, unacknowledge: true, schedules: false } }),
      work({ rota: [], on_call: [], shifts_problem: "the token may not read schedules (PagerDuty said: Access Denied)" }),
    ]);
    expect($('[data-account="am"] .no-schedules').textContent).toBe("Alertmanager has no on-call schedules.");
    expect($('[data-account="work"] .shifts-problem').textContent).toBe(
      "the token may not read schedules (PagerDuty said: Access Denied)",
    );
    expect($('[data-account="work"] .no-shifts').textContent).toBe("No shifts in the coming two weeks.");
  });
});

describe("covering a shift", () => {
  const takeThis = '#oncall-accounts button[data-cover="take"]';

  it("asks first, saying exactly what will change, and sends nothing before Confirm", async () => {
    await showOncall();
    $<HTMLButtonElement>(takeThis).click();
    expect($("#cover-confirm").hidden).toBe(false);
    expect($("#cover-text").textContent).toBe(
      `You will be on call for Checkout · level 1 (schedule Primary) from ${clockTime(local(10, 14, 5))} today ` +
        `until ${weekday(local(16, 9))} ${clockTime(local(16, 9))} instead of Alice Example. ` +
        "This adds an override to the schedule in PagerDuty.",
    );
    expect(document.activeElement?.id).toBe("cover-ok");
    expect(page.api.coverShift).not.toHaveBeenCalled();
  });

  it("sends nothing on Cancel or Escape, and gives focus back", async () => {
    await showOncall();
    $<HTMLButtonElement>(takeThis).click();
    $<HTMLButtonElement>("#cover-cancel").click();
    expect($("#cover-confirm").hidden).toBe(true);
    expect((document.activeElement as HTMLElement | null)?.dataset.cover).toBe("take");
    $<HTMLButtonElement>(takeThis).click();
    press("Escape", $("#cover-ok"));
    expect($("#cover-confirm").hidden).toBe(true);
    await settle();
    expect(page.api.coverShift).not.toHaveBeenCalled();
  });

  it("sends on Confirm the start and end the confirmation showed, and says it is done", async () => {
    await showOncall();
    $<HTMLButtonElement>(takeThis).click();
    const shown = { ...$("#cover-confirm").dataset };
    $<HTMLButtonElement>("#cover-ok").click();
    await settle();
    expect(page.api.coverShift).toHaveBeenCalledTimes(1);
    expect(page.api.coverShift).toHaveBeenCalledWith("work", "PSCHED1", iso(local(10, 14, 5)), alice.end);
    expect([shown.start, shown.end]).toEqual([iso(local(10, 14, 5)), alice.end]);
    expect($("#cover-confirm").hidden).toBe(true);
    expect($("#cover-result").dataset.result).toBe("ok");
    expect($("#cover-result").textContent).toMatch(/^Done: you are on call for Checkout · level 1 \(schedule Primary\) from .* PagerDuty added the override\.$/);
  });

  it("covers the hours chosen in the confirmation", async () => {
    await showOncall();
    $<HTMLButtonElement>('#oncall-accounts button[data-cover="hours"]').click();
    expect($("#cover-hours-field").hidden).toBe(false);
    expect(document.activeElement?.id).toBe("cover-hours");
    const hours = $<HTMLSelectElement>("#cover-hours");
    expect(hours.options).toHaveLength(24);
    hours.value = "3";
    hours.dispatchEvent(new Event("change"));
    expect($("#cover-text").textContent).toContain(`until ${clockTime(local(10, 17, 5))} today instead of Alice Example.`);
    $<HTMLButtonElement>("#cover-ok").click();
    await settle();
    expect(page.api.coverShift).toHaveBeenCalledWith("work", "PSCHED1", iso(local(10, 14, 5)), iso(local(10, 17, 5)));
  });

  it("offers the next shift when I am on call now, and nothing without a schedule", async () => {
    const mine: RotaEntry = { ...checkout, now: [{ ...pat, start: alice.start, end: alice.end }], next: [{ ...alice, start: pat.start, end: pat.end }] };
    const level2: RotaEntry = { ...checkout, level: 2, schedule: null, schedule_id: null };
    await showOncall([work({ rota: [mine, level2] })]);
    const buttons = [...document.querySelectorAll<HTMLButtonElement>("#oncall-accounts button[data-cover]")];
    expect(buttons.map((b) => b.textContent)).toEqual(["Take the next shift"]);
    expect(rotaItem("PSCHED1").classList.contains("mine")).toBe(true);
    buttons[0]!.click();
    expect($("#cover-text").textContent).toContain(" instead of Alice Example.");
    $<HTMLButtonElement>("#cover-ok").click();
    await settle();
    expect(page.api.coverShift).toHaveBeenCalledWith("work", "PSCHED1", pat.start, pat.end);
  });

  it("shows the service's refusal in words", async () => {
    page.api.coverShift.mockRejectedValueOnce("PagerDuty refused it (400): Override must end after its start");
    await showOncall();
    $<HTMLButtonElement>(takeThis).click();
    $<HTMLButtonElement>("#cover-ok").click();
    await settle();
    expect($("#cover-result").dataset.result).toBe("failed");
    expect($("#cover-result").textContent).toBe(
      "Could not cover the shift: PagerDuty refused it (400): Override must end after its start",
    );
  });

  it("shows the change once the next view has it", async () => {
    await showOncall();
    const after: RotaEntry = { ...checkout, now: [{ ...pat, start: iso(local(10, 14, 5)), end: alice.end }] };
    page.emitView(view({ accounts: [work({ rota: [after] })] }));
    expect(rotaItem("PSCHED1").querySelector(".now .person.me")?.textContent).toBe("Pat Oncall (you)");
    expect(document.querySelector('#oncall-accounts button[data-cover="take"]')).toBeNull();
  });
});
