// @vitest-environment happy-dom
// The page as a user and the WebDriver tests see it: the real markup, a fake tray app.

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import html from "../index.html?raw";
import { accountSettings, accountView, item, settings, view } from "./test/fixtures";
import { $, openPage, press, settle, submit, type, type Page } from "./test/page";
import type { TokenResult } from "./types";

let page: Page;
beforeEach(() => {
  page = openPage();
});
afterEach(() => page.stop());

async function openSettings(): Promise<void> {
  $("#tab-settings").click();
  await settle();
}

describe("markup", () => {
  it("has nothing the CSP would block: no inline script, style or event handler", () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it("labels every control", () => {
    const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea, button")];
    expect(controls.length).toBeGreaterThan(30);
    const unlabelled = controls.filter((c) => {
      if (c.getAttribute("aria-label") || c.getAttribute("aria-labelledby")) return false;
      if (c instanceof HTMLButtonElement) return (c.textContent ?? "").trim() === "";
      return !c.id || !document.querySelector(`label[for="${c.id}"]`);
    });
    expect(unlabelled.map((c) => c.outerHTML)).toEqual([]);
  });

  it("links every error slot to its field and every description to an element", () => {
    for (const described of document.querySelectorAll("[aria-describedby]")) {
      for (const id of described.getAttribute("aria-describedby")!.split(/\s+/)) {
        expect(document.getElementById(id), `#${id}`).not.toBeNull();
      }
    }
    for (const slot of document.querySelectorAll<HTMLElement>("form [data-error-for]")) {
      if (slot.dataset.errorFor === "") continue;
      expect(document.querySelector(`[aria-describedby~="${slot.id}"]`), slot.id).not.toBeNull();
    }
  });

  it("names every account field after its draft field", () => {
    const names = new Set(
      [...document.querySelectorAll<HTMLInputElement>("#account-form [name]")].map((input) => input.name),
    );
    expect([...names].sort()).toEqual(
      [
        "api_url",
        "assigned_to_me",
        "basic_user",
        "email",
        "matchers",
        "name",
        "notify",
        "on_call_user",
        "poll_interval_seconds",
        "provider",
        "region",
        "responder",
        "service_ids",
        "shift_reminder_minutes",
        "site",
        "team_id",
        "team_ids",
        "labels",
        "urgencies",
      ].sort(),
    );
  });
});

describe("incidents", () => {
  it("renders rows with the hooks the WebDriver tests use", () => {
    page.emitView(view({ incidents: [item("P1", { title: "Checkout API is down" })] }));
    const row = $('#incidents tbody tr[data-key="work/P1"]');
    expect(row.querySelector(".status-text")?.textContent).toBe("triggered");
    expect($("#state").textContent).toBe("1 triggered · 0 acknowledged");
    row.querySelector<HTMLButtonElement>('button[data-action="ack"]')!.click();
    expect(page.api.act).toHaveBeenCalledWith([{ account: "work", id: "P1" }], { kind: "acknowledge" });
  });

  it("moves with j and acknowledges with a", () => {
    page.emitView(view({ incidents: [item("P1"), item("P2", { created_at: new Date().toISOString() })] }));
    press("j");
    press("j");
    expect($("#incidents tbody tr.current").dataset.key).toBe("work/P2");
    press("a");
    expect(page.api.act).toHaveBeenCalledWith([{ account: "work", id: "P2" }], { kind: "acknowledge" });
  });

  it("shows a pending action, and an action's refusal in #message", () => {
    page.emitView(view({ incidents: [item("P1", { title: "Disk full", number: 7 }, { pending: { kind: "resolve" } })] }));
    expect($('tr[data-key="work/P1"] .status-text').textContent).toBe("resolving…");
    page.emitActionFailed({ incidents: [{ account: "work", id: "P1" }], reason: "incident is already resolved" });
    expect($("#message").hidden).toBe(false);
    expect($("#message").textContent).toContain("#7 Disk full: incident is already resolved");
  });

  it("says a rejected token in the status bar and points to Settings", () => {
    page.emitView(view({ accounts: [accountView("work", { connection: { state: "auth_failed", reason: "401" } })] }));
    const li = $('#accounts li[data-account="work"]');
    expect(li.textContent).toContain("token rejected — enter a new one in Settings");
    expect(li.classList.contains("trouble")).toBe(true);
  });

  it("shows a pause in the header and resumes from there", () => {
    page.emitView(view({ pause: { kind: "until_resumed" } }));
    expect($("#pause-state").hidden).toBe(false);
    expect($("#pause-text").textContent).toBe("Notifications paused until you resume them");
    $("#resume-now").click();
    expect(page.api.resume).toHaveBeenCalledTimes(1);
    page.emitView(view({ pause: null }));
    expect($("#pause-state").hidden).toBe(true);
  });

  it("opens the log folder from the status bar, once per click, and says when it cannot", async () => {
    const button = $<HTMLButtonElement>("footer #open-log-folder");
    let answer = (): void => {};
    page.api.openLogFolder.mockImplementationOnce(() => new Promise<void>((resolve) => (answer = resolve)));
    button.click();
    expect(button.disabled).toBe(true);
    button.click();
    expect(page.api.openLogFolder).toHaveBeenCalledTimes(1);
    expect(page.api.openLogFolder).toHaveBeenCalledWith();
    answer();
    await settle();
    expect(button.disabled).toBe(false);
    expect($("#message").hidden).toBe(true);

    page.api.openLogFolder.mockRejectedValueOnce("could not open /home/pat/.local/state/oncall-tray: no file manager");
    button.click();
    await settle();
    expect($("#message").textContent).toContain("Could not open the log folder: could not open /home/pat/.local/state/oncall-tray: no file manager");
    expect(button.disabled).toBe(false);
  });

  it("does not take incident keys on another tab", () => {
    page.emitView(view({ incidents: [item("P1")] }));
    press("3");
    press("j");
    press("a");
    expect(page.api.act).not.toHaveBeenCalled();
  });
});

describe("tabs", () => {
  it("switches with the digit keys, loading the history, the report and the settings", async () => {
    press("3");
    expect($("#panel-history").hidden).toBe(false);
    expect($("#panel-incidents").hidden).toBe(true);
    expect($("#tab-history").getAttribute("aria-selected")).toBe("true");
    expect(page.api.getHistory).toHaveBeenCalledTimes(1);
    press("4");
    expect($("#panel-report").hidden).toBe(false);
    expect(page.api.getReport).toHaveBeenCalledTimes(1);
    press("5");
    expect($("#panel-settings").hidden).toBe(false);
    expect(page.api.getSettings).toHaveBeenCalledTimes(1);
    press("1");
    expect($("#panel-incidents").hidden).toBe(false);
  });

  it("does not switch while typing in a field", () => {
    press("3", $("#filter"));
    expect($("#panel-incidents").hidden).toBe(false);
  });

  it("moves between tabs with the arrow keys, Home and End, one tab in the Tab order", () => {
    press("ArrowRight", $("#tab-incidents"));
    expect($("#tab-oncall").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement?.id).toBe("tab-oncall");
    press("End", $("#tab-oncall"));
    expect($("#panel-settings").hidden).toBe(false);
    press("ArrowLeft", $("#tab-settings"));
    expect($("#panel-report").hidden).toBe(false);
    press("Home", $("#tab-report"));
    expect($("#panel-incidents").hidden).toBe(false);
    press("ArrowLeft", $("#tab-incidents"));
    expect($("#panel-settings").hidden).toBe(false);
    press("ArrowRight", $("#tab-settings"));
    expect($("#panel-incidents").hidden).toBe(false);
    expect([...document.querySelectorAll('[role="tab"]')].map((t) => t.getAttribute("tabindex"))).toEqual([
      "0",
      "-1",
      "-1",
      "-1",
      "-1",
    ]);
  });
});

describe("history", () => {
  it("lists entries newest first, and refetches after each view while shown", async () => {
    page.api.getHistory.mockResolvedValue([
      { at: "2026-03-10T10:00:00Z", account: "work", incident: "P42", title: "#42 Database down", event: "paged", urgency: "high", reason: "new" },
      { at: "2026-03-10T10:05:00Z", account: "work", incident: "P42", title: "#42 Database down", event: "action", kind: { kind: "acknowledge" }, result: "confirmed", reason: null },
    ]);
    press("3");
    await settle();
    const items = [...document.querySelectorAll("#history li")];
    expect(items.map((li) => li.querySelector(".what")?.textContent)).toEqual([
      "You acknowledged #42 Database down — confirmed by the service",
      "Paged: #42 Database down (high urgency)",
    ]);
    expect(items[0]?.getAttribute("data-event")).toBe("action");
    expect($("#history-empty").hidden).toBe(true);
    page.emitView(view());
    expect(page.api.getHistory).toHaveBeenCalledTimes(2);
  });

  it("says when nothing happened", async () => {
    press("3");
    await settle();
    expect($("#history-empty").hidden).toBe(false);
    expect($("#history-empty").textContent).toBe("Nothing in the last 24 hours.");
  });
});

describe("settings: accounts", () => {
  it("lists each account with its token state in words", async () => {
    page.api.getSettings.mockResolvedValue(
      settings({ accounts: [accountSettings("work"), accountSettings("am", { provider: "alertmanager", api_url: "https://am.example.com", region: null, token: "not_needed" })] }),
    );
    await openSettings();
    expect($('#account-list li[data-account="work"]').textContent).toContain("token stored in the keychain");
    expect($('#account-list li[data-account="am"]').textContent).toContain("https://am.example.com");
    expect($('#account-list li[data-account="am"]').textContent).toContain("no token needed");
    // A tokenless account has no token button and is not offered in the token form.
    expect(document.querySelector('li[data-account="am"] [data-account-action="token"]')).toBeNull();
    expect([...$<HTMLSelectElement>("#token-account").options].map((o) => o.value)).toEqual(["work"]);
    expect($("#config-file").textContent).toContain("/home/pat/.config/oncall-tray/config.toml");
  });

  it("shows the fields of the chosen provider", async () => {
    await openSettings();
    $("#add-account").click();
    const shown = (name: string) => !$(`#account-form [name="${name}"]`).closest("[hidden]");
    expect(shown("email")).toBe(true);
    expect(shown("matchers")).toBe(false);
    const provider = $<HTMLSelectElement>('#account-form [name="provider"]');
    provider.value = "alertmanager";
    provider.dispatchEvent(new Event("change", { bubbles: true }));
    expect(shown("email")).toBe(false);
    expect(shown("region")).toBe(false);
    expect(shown("matchers")).toBe(true);
    expect(shown("basic_user")).toBe(true);
    expect($("#account-api-url-hint").textContent).toContain("Required");
  });

  it("asks for your Opsgenie user on Opsgenie accounts only, and shows its refusal beside it", async () => {
    page.api.saveAccount.mockResolvedValue({
      ok: false,
      message: "The account was not saved.",
      errors: [{ field: "on_call_user", message: "cannot contain '\"' or control characters" }],
    });
    await openSettings();
    $("#add-account").click();
    const shown = (name: string) => !$(`#account-form [name="${name}"]`).closest("[hidden]");
    expect(shown("on_call_user")).toBe(false);
    const provider = $<HTMLSelectElement>('#account-form [name="provider"]');
    provider.value = "opsgenie";
    provider.dispatchEvent(new Event("change", { bubbles: true }));
    expect(shown("on_call_user")).toBe(true);
    expect($('label[for="account-on-call-user"]').textContent).toBe("Your Opsgenie user (for shifts)");
    type('#account-form [name="name"]', "ops");
    type('#account-form [name="on_call_user"]', ' pat"@example.com ');
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith(
      null,
      expect.objectContaining({ name: "ops", provider: "opsgenie", on_call_user: 'pat"@example.com', email: null }),
    );
    expect($('#account-form [data-error-for="on_call_user"]').textContent).toContain("cannot contain");
    expect($('#account-form [data-error-for="on_call_user"]').hidden).toBe(false);
  });

  it("checks the obvious before asking, with the message next to the field", async () => {
    await openSettings();
    $("#add-account").click();
    type('#account-form [name="name"]', "my work");
    type('#account-form [name="poll_interval_seconds"]', "1");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).not.toHaveBeenCalled();
    expect($('#account-form [data-error-for="name"]').hidden).toBe(false);
    expect($('#account-form [data-error-for="poll_interval_seconds"]').textContent).toContain("from 2 to 3600");
    expect($('#account-form [name="poll_interval_seconds"]').getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe($('#account-form [name="name"]'));
  });

  it("shows the tray app's errors by field, and unknown fields on the form", async () => {
    page.api.saveAccount.mockResolvedValue({
      ok: false,
      message: "The account was not saved.",
      errors: [
        { field: "api_url", message: "http is only allowed on loopback" },
        { field: "region", message: "not used with api_url" },
      ],
    });
    await openSettings();
    $("#add-account").click();
    type('#account-form [name="name"]', "work2");
    type('#account-form [name="api_url"]', "http://pd.example.com");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith(null, expect.objectContaining({ name: "work2", region: null, api_url: "http://pd.example.com" }));
    expect($('#account-form [data-error-for="api_url"]').textContent).toBe("http is only allowed on loopback");
    expect($('#account-form [data-error-for="region"]').textContent).toBe("not used with api_url");
    expect($('#account-form [data-error-for=""]').textContent).toBe("The account was not saved.");
    expect($("#account-form").hidden).toBe(false);
  });

  it("adds an account, then asks for its token", async () => {
    page.api.saveAccount.mockResolvedValue({
      ok: true,
      settings: settings({ accounts: [accountSettings("work"), accountSettings("home", { token: "not_set" })] }),
    });
    await openSettings();
    $("#add-account").click();
    type('#account-form [name="name"]', "home");
    submit("#account-form");
    await settle();
    expect($("#account-form").hidden).toBe(true);
    expect($('#account-list li[data-account="home"]').textContent).toContain("no token for this server");
    expect($<HTMLSelectElement>("#token-account").value).toBe("home");
    expect(document.activeElement).toBe($('input[name="token"]'));
  });

  it("edits an account with its name and provider fixed", async () => {
    await openSettings();
    $('li[data-account="work"] [data-account-action="edit"]').click();
    expect($<HTMLInputElement>('#account-form [name="name"]').readOnly).toBe(true);
    expect($<HTMLSelectElement>('#account-form [name="provider"]').disabled).toBe(true);
    type('#account-form [name="poll_interval_seconds"]', "30");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith("work", expect.objectContaining({ name: "work", poll_interval_seconds: 30 }));
  });

  it("removes an account only after a confirmation in the page", async () => {
    await openSettings();
    $('li[data-account="work"] [data-account-action="remove"]').click();
    expect(page.api.removeAccount).not.toHaveBeenCalled();
    expect(document.activeElement).toBe($('li[data-account="work"] [data-account-action="cancel-remove"]'));
    $('li[data-account="work"] [data-account-action="cancel-remove"]').click();
    expect(document.querySelector('li[data-account="work"] .confirm')).toBeNull();
    $('li[data-account="work"] [data-account-action="remove"]').click();
    $('li[data-account="work"] [data-account-action="confirm-remove"]').click();
    await settle();
    expect(page.api.removeAccount).toHaveBeenCalledWith("work");
    expect(document.querySelector('#account-list li[data-account="work"]')).toBeNull();
    expect($("#no-accounts").hidden).toBe(false);
  });

  it("tests a connection and shows the result inline", async () => {
    page.api.testConnection.mockResolvedValue({ ok: false, message: "the service rejected the token" });
    await openSettings();
    $('li[data-account="work"] [data-account-action="test"]').click();
    expect($('li[data-account="work"] .test-result').dataset.result).toBe("testing");
    await settle();
    const result = $('li[data-account="work"] .test-result');
    expect(result.dataset.result).toBe("failed");
    expect(result.textContent).toBe("the service rejected the token");
  });

  it("keeps an open account form when settings change elsewhere", async () => {
    await openSettings();
    $("#add-account").click();
    type('#account-form [name="name"]', "draft");
    page.emitSettings(settings({ accounts: [accountSettings("work"), accountSettings("other")] }));
    expect($<HTMLInputElement>('#account-form [name="name"]').value).toBe("draft");
    expect(document.querySelector('#account-list li[data-account="other"]')).not.toBeNull();
  });
});

describe("settings: token", () => {
  it("empties the field before the answer comes, and never puts the token in the page", async () => {
    let answer!: (result: TokenResult) => void;
    page.api.setToken.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    await openSettings();
    type('input[name="token"]', "u+secret-token-123");
    submit("#token-form");
    expect(page.api.setToken).toHaveBeenCalledWith("work", "u+secret-token-123");
    expect($<HTMLInputElement>('input[name="token"]').value).toBe("");
    expect($("#token-result").dataset.result).toBe("checking");
    answer({ result: "stored", who: "Pat Doe" });
    await settle();
    expect($("#token-result").dataset.result).toBe("stored");
    expect($("#token-result").textContent).toContain("signed in as Pat Doe");
    expect(document.documentElement.outerHTML).not.toContain("secret-token");
    expect(page.api.getSettings).toHaveBeenCalledTimes(2); // The token state is read again.
  });

  it.each([
    ["rejected", "The service rejected this token"],
    ["unreachable", "Could not reach the service"],
    ["error", "was not stored"],
  ] as const)("says when the token was %s", async (result, words) => {
    page.api.setToken.mockResolvedValue({ result, message: "because" });
    await openSettings();
    type('input[name="token"]', "tok");
    submit("#token-form");
    await settle();
    expect($("#token-result").dataset.result).toBe(result);
    expect($("#token-result").textContent).toContain(words);
    expect($<HTMLInputElement>('input[name="token"]').value).toBe("");
  });

  it("empties the field even when the tray app does not answer", async () => {
    page.api.setToken.mockRejectedValue("the tray app is not answering");
    await openSettings();
    type('input[name="token"]', "tok");
    submit("#token-form");
    expect($<HTMLInputElement>('input[name="token"]').value).toBe("");
    await settle();
    expect($("#token-result").dataset.result).toBe("error");
    expect($("#token-result").textContent).toContain("the tray app is not answering");
  });

  it("asks for a token instead of sending an empty one", async () => {
    await openSettings();
    submit("#token-form");
    expect(page.api.setToken).not.toHaveBeenCalled();
    expect($('#token-form [data-error-for="token"]').hidden).toBe(false);
  });
});

describe("settings: notifications, pause and autostart", () => {
  it("shows the policy and saves a change", async () => {
    await openSettings();
    expect($<HTMLInputElement>('input[name="notify_for"][value="mine"]').checked).toBe(true);
    expect($<HTMLInputElement>('input[name="storm_threshold"]').value).toBe("3");
    expect($<HTMLInputElement>('input[name="quiet_hours.start"]').disabled).toBe(true);
    $('input[name="quiet_hours"]').click();
    type('input[name="repeat_high_urgency_minutes"]', "0");
    submit("#notifications-form");
    await settle();
    expect(page.api.saveNotifications).toHaveBeenCalledWith({
      notify_for: "mine",
      low_urgency: "once",
      repeat_high_urgency_minutes: 0,
      storm_threshold: 3,
      quiet_hours: { start: "22:00", end: "07:00" },
      sound_high: "alarm-clock-elapsed",
      sound_low: "none",
      alarm_repeat_seconds: 0,
      alarm_volume: 100,
    });
    expect($("#notifications-saved").textContent).toBe("Saved.");
  });

  it("saves the sounds and tests the saved alarm", async () => {
    await openSettings();
    expect($<HTMLInputElement>('input[name="sound_high"]').value).toBe("alarm-clock-elapsed");
    type('input[name="sound_low"]', "bell");
    type('input[name="alarm_repeat_seconds"]', "30");
    type('input[name="alarm_volume"]', "101");
    submit("#notifications-form");
    expect($('[data-error-for="alarm_volume"]').textContent).toContain("0 to 100");
    expect(page.api.saveNotifications).not.toHaveBeenCalled();
    type('input[name="alarm_volume"]', "60");
    submit("#notifications-form");
    await settle();
    expect(page.api.saveNotifications).toHaveBeenCalledWith(
      expect.objectContaining({ sound_low: "bell", alarm_repeat_seconds: 30, alarm_volume: 60 }),
    );

    $("#test-alarm-high").click();
    await settle();
    expect(page.api.testAlarm).toHaveBeenCalledWith("high");
    expect($("#test-alarm-result").textContent).toBe("Playing the alarm.");
    expect($("#test-alarm-result").dataset.result).toBe("ok");

    page.api.testAlarm.mockResolvedValue({ ok: false, message: 'The low urgency sound is "none": nothing to play.' });
    $("#test-alarm-low").click();
    await settle();
    expect(page.api.testAlarm).toHaveBeenLastCalledWith("low");
    expect($("#test-alarm-result").dataset.result).toBe("error");
    expect($("#test-alarm-result").textContent).toContain("nothing to play");
  });

  it("shows inline errors and keeps the user's edits over updates from elsewhere", async () => {
    page.api.saveNotifications.mockResolvedValue({
      ok: false,
      message: "",
      errors: [{ field: "quiet_hours.end", message: "not a time of day" }],
    });
    await openSettings();
    type('input[name="storm_threshold"]', "5000");
    submit("#notifications-form");
    expect($('[data-error-for="storm_threshold"]').textContent).toContain("from 1 to 1000");
    page.emitSettings(settings());
    expect($<HTMLInputElement>('input[name="storm_threshold"]').value).toBe("5000");
    type('input[name="storm_threshold"]', "10");
    submit("#notifications-form");
    await settle();
    expect($('[data-error-for="storm_threshold"]').hidden).toBe(true);
    expect($('[data-error-for="quiet_hours"]').textContent).toBe("not a time of day");
  });

  it("pauses for a while or until resumed", async () => {
    await openSettings();
    $("#pause-15").click();
    $("#pause-60").click();
    $("#pause-until-resumed").click();
    expect(page.api.pause.mock.calls).toEqual([[15], [60], [null]]);
    expect($<HTMLButtonElement>("#resume").disabled).toBe(true);
    page.emitView(view({ pause: { kind: "until", until: new Date(Date.now() + 900_000).toISOString() } }));
    expect($<HTMLButtonElement>("#resume").disabled).toBe(false);
    $("#resume").click();
    expect(page.api.resume).toHaveBeenCalledTimes(1);
  });

  it("turns start at login on, follows the tray menu, and is disabled where unavailable", async () => {
    page.api.setAutostart.mockResolvedValue({ ok: true, settings: settings({ autostart: true }) });
    await openSettings();
    const box = $<HTMLInputElement>("#autostart");
    box.click();
    await settle();
    expect(page.api.setAutostart).toHaveBeenCalledWith(true);
    expect(box.checked).toBe(true);
    page.emitSettings(settings({ autostart: false }));
    expect(box.checked).toBe(false);
    page.emitSettings(settings({ autostart: null }));
    expect(box.disabled).toBe(true);
    expect($("#autostart-note").hidden).toBe(false);
  });

  it("puts a command's rejection in #message", async () => {
    page.api.getSettings.mockRejectedValue("the tray app is not answering");
    await openSettings();
    expect($("#message").hidden).toBe(false);
    expect($("#message").textContent).toContain("the tray app is not answering");
  });
});

describe("a tab the tray asks for", () => {
  it("is shown, as a notification's Show History button asks", async () => {
    const page = openPage();
    await settle();
    page.emitShowTab("history");
    await settle();
    expect(document.getElementById("tab-history")?.getAttribute("aria-selected")).toBe("true");
    expect(document.getElementById("panel-history")?.hidden).toBe(false);
    page.emitShowTab("nonsense");
    await settle();
    expect(document.getElementById("tab-history")?.getAttribute("aria-selected")).toBe("true");
    page.stop();
  });
});
