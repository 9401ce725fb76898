// @vitest-environment happy-dom
// Settings for shifts and the report, on the real page with a fake tray app: the shift
// reminder of an account (and the word an Alertmanager account gets instead), and
// "Your hours".

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { accountSettings, REPORT_HOURS, settings } from "./test/fixtures";
import { $, openPage, settle, submit, type, type Page } from "./test/page";

let page: Page;
beforeEach(() => {
  page = openPage();
});
afterEach(() => page.stop());

async function openSettings(): Promise<void> {
  $("#tab-settings").click();
  await settle();
}

const shown = (selector: string): boolean => !$(selector).closest("[hidden]");

function chooseProvider(provider: string): void {
  const select = $<HTMLSelectElement>('#account-form [name="provider"]');
  select.value = provider;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

describe("shift reminder", () => {
  it("is offered for every service but Alertmanager, which says why it has none", async () => {
    await openSettings();
    $("#add-account").click();
    const reminder = '#account-form [name="shift_reminder_minutes"]';
    expect(shown(reminder)).toBe(true);
    expect($<HTMLInputElement>(reminder).value).toBe("15");
    expect(shown("#account-no-shifts")).toBe(false);

    chooseProvider("alertmanager");
    expect(shown(reminder)).toBe(false);
    expect(shown("#account-no-shifts")).toBe(true);
    expect($("#account-no-shifts").textContent).toBe(
      "Alertmanager has no on-call schedules: shift reminders and the On call tab need one of the other services.",
    );

    for (const provider of ["opsgenie", "jsm", "grafana-oncall"] as const) {
      chooseProvider(provider);
      expect(shown(reminder), provider).toBe(true);
      expect(shown("#account-no-shifts"), provider).toBe(false);
    }
  });

  it("shows the account's reminder, saves a change, and 0 turns it off", async () => {
    page.api.getSettings.mockResolvedValue(settings({ accounts: [accountSettings("work", { shift_reminder_minutes: 30 })] }));
    await openSettings();
    $('[data-account-action="edit"]').click();
    const reminder = '#account-form [name="shift_reminder_minutes"]';
    expect($<HTMLInputElement>(reminder).value).toBe("30");
    type(reminder, "0");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith("work", expect.objectContaining({ shift_reminder_minutes: 0 }));
  });

  it("shows a bad value next to the field, before and after asking the tray app", async () => {
    await openSettings();
    $('[data-account-action="edit"]').click();
    const reminder = '#account-form [name="shift_reminder_minutes"]';
    type(reminder, "2000");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).not.toHaveBeenCalled();
    expect($("#account-shift-reminder-error").hidden).toBe(false);
    expect($("#account-shift-reminder-error").textContent).toContain("0 (no reminder) to 1440");
    expect($(reminder).getAttribute("aria-invalid")).toBe("true");

    page.api.saveAccount.mockResolvedValueOnce({
      ok: false,
      message: "Nothing was saved: please correct the highlighted fields.",
      errors: [{ field: "shift_reminder_minutes", message: "shift_reminder_minutes = 1441 is out of range" }],
    });
    type(reminder, "45");
    submit("#account-form");
    await settle();
    expect($("#account-shift-reminder-error").textContent).toBe("shift_reminder_minutes = 1441 is out of range");
  });
});

describe("your hours", () => {
  it("shows the hours and saves a change", async () => {
    await openSettings();
    expect($<HTMLInputElement>('#hours-form [name="working_hours.start"]').value).toBe("09:00");
    expect($<HTMLInputElement>('#hours-form [name="sleep_hours.end"]').value).toBe("07:00");
    expect($<HTMLInputElement>("#working-day-fri").checked).toBe(true);
    expect($<HTMLInputElement>("#working-day-sat").checked).toBe(false);

    type('#hours-form [name="working_hours.start"]', "08:00");
    $<HTMLInputElement>("#working-day-sat").checked = true;
    $<HTMLInputElement>("#working-day-mon").checked = false;
    submit("#hours-form");
    await settle();
    expect(page.api.saveReport).toHaveBeenCalledWith({
      working_hours: "08:00-18:00",
      working_days: ["tue", "wed", "thu", "fri", "sat"],
      sleep_hours: "22:00-07:00",
    });
    expect($("#hours-saved").textContent).toBe("Saved.");
  });

  it("shows inline errors and keeps the user's edits over updates from elsewhere", async () => {
    await openSettings();
    type('#hours-form [name="working_hours.start"]', "19:00");
    submit("#hours-form");
    await settle();
    expect(page.api.saveReport).not.toHaveBeenCalled();
    expect($("#working-hours-error").textContent).toContain("start before they end");

    page.emitSettings(settings({ report: { ...REPORT_HOURS, working_hours: "10:00-16:00" } }));
    expect($<HTMLInputElement>('#hours-form [name="working_hours.start"]').value).toBe("19:00");

    page.api.saveReport.mockResolvedValueOnce({
      ok: false,
      message: "Nothing was saved: please correct the highlighted fields.",
      errors: [{ field: "sleep_hours", message: "sleep_hours = \"x\" is not a range of times" }],
    });
    type('#hours-form [name="working_hours.start"]', "07:00");
    submit("#hours-form");
    await settle();
    expect($("#sleep-hours-error").textContent).toBe('sleep_hours = "x" is not a range of times');
  });

  it("follows changes made elsewhere while not edited", async () => {
    await openSettings();
    page.emitSettings(settings({ report: { working_hours: "10:00-16:00", working_days: ["sun"], sleep_hours: "23:30-06:00" } }));
    expect($<HTMLInputElement>('#hours-form [name="working_hours.end"]').value).toBe("16:00");
    expect($<HTMLInputElement>("#working-day-sun").checked).toBe(true);
    expect($<HTMLInputElement>("#working-day-mon").checked).toBe(false);
    expect($<HTMLInputElement>('#hours-form [name="sleep_hours.start"]').value).toBe("23:30");
  });
});
