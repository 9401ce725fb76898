import { describe, expect, it } from "vitest";

import {
  accountDraft,
  accountValues,
  checkAccount,
  checkHours,
  checkNotifications,
  fieldsFor,
  hoursDraft,
  hoursValues,
  notificationDraft,
  notificationValues,
  placeErrors,
  splitList,
  wholeNumber,
  type AccountFormValues,
  type HoursFormValues,
  type NotificationFormValues,
} from "./settingsForm";
import { accountSettings, NOTIFICATIONS, REPORT_HOURS } from "./test/fixtures";

const values = (over: Partial<AccountFormValues> = {}): AccountFormValues => ({
  ...accountValues(null),
  name: "work",
  ...over,
});
const fields = (errors: { field: string }[]) => errors.map((e) => e.field);

describe("fields by provider", () => {
  it("shows each provider's own fields only", () => {
    expect(fieldsFor("pagerduty").has("email")).toBe(true);
    expect(fieldsFor("pagerduty").has("matchers")).toBe(false);
    expect(fieldsFor("alertmanager").has("basic_user")).toBe(true);
    expect(fieldsFor("alertmanager").has("region")).toBe(false);
    expect(fieldsFor("opsgenie").has("responder")).toBe(true);
    expect(fieldsFor("opsgenie").has("team_ids")).toBe(false);
    for (const provider of ["pagerduty", "alertmanager", "opsgenie"] as const) {
      expect(fieldsFor(provider).has("poll_interval_seconds")).toBe(true);
    }
  });
});

describe("checkAccount", () => {
  it("accepts a plain new PagerDuty account", () => {
    expect(checkAccount(values())).toEqual([]);
  });

  it.each(["", "my work", "wörk", "a/b", "x".repeat(65)])("rejects the name %j, saying what is allowed", (name) => {
    const errors = checkAccount(values({ name }));
    expect(fields(errors)).toEqual(["name"]);
    expect(errors[0]!.message).toMatch(/letters|Enter a name/);
  });

  it.each(["work", "on-call.eu_2", "x".repeat(64)])("accepts the name %j", (name) => {
    expect(checkAccount(values({ name }))).toEqual([]);
  });

  it.each(["1", "3601", "", "ten", "15.5", "-5"])("rejects the poll interval %j with the range", (interval) => {
    const errors = checkAccount(values({ poll_interval_seconds: interval }));
    expect(fields(errors)).toEqual(["poll_interval_seconds"]);
    expect(errors[0]!.message).toContain("from 2 to 3600");
  });

  it.each(["2", "3600", " 60 "])("accepts the poll interval %j", (interval) => {
    expect(checkAccount(values({ poll_interval_seconds: interval }))).toEqual([]);
  });

  it("requires an API URL for Alertmanager only", () => {
    expect(fields(checkAccount(values({ provider: "alertmanager" })))).toEqual(["api_url"]);
    expect(checkAccount(values({ provider: "alertmanager", api_url: "https://am.example.com" }))).toEqual([]);
    expect(checkAccount(values({ provider: "opsgenie" }))).toEqual([]);
  });

  it("rejects an API URL that is not http(s)", () => {
    expect(fields(checkAccount(values({ api_url: "api.pagerduty.com" })))).toEqual(["api_url"]);
    expect(fields(checkAccount(values({ api_url: "ftp://x" })))).toEqual(["api_url"]);
  });

  it("checks the email only for PagerDuty", () => {
    expect(fields(checkAccount(values({ email: "pat" })))).toEqual(["email"]);
    expect(checkAccount(values({ provider: "opsgenie", email: "pat" }))).toEqual([]);
  });

  it("asks for at least one urgency", () => {
    expect(fields(checkAccount(values({ urgencies: [] })))).toEqual(["urgencies"]);
    expect(checkAccount(values({ urgencies: ["low"] }))).toEqual([]);
  });

  it("reports every problem at once", () => {
    expect(fields(checkAccount(values({ name: "", poll_interval_seconds: "0", api_url: "x" })))).toEqual([
      "name",
      "poll_interval_seconds",
      "api_url",
    ]);
  });
});

describe("accountDraft", () => {
  it("sends the region only without an API URL", () => {
    expect(accountDraft(values({ region: "eu" }))).toMatchObject({ region: "eu", api_url: null });
    expect(accountDraft(values({ region: "eu", api_url: " http://127.0.0.1:8080 " }))).toMatchObject({
      region: null,
      api_url: "http://127.0.0.1:8080",
    });
  });

  it("splits lists and drops empty entries", () => {
    const draft = accountDraft(values({ team_ids: "PT1, PT2,, ", service_ids: "", urgencies: ["high"] }));
    expect(draft.team_ids).toEqual(["PT1", "PT2"]);
    expect(draft.service_ids).toEqual([]);
    expect(draft.urgencies).toEqual(["high"]);
  });

  it("sends both urgencies as no filter", () => {
    expect(accountDraft(values({ urgencies: ["high", "low"] })).urgencies).toEqual([]);
  });

  it("empties the fields another provider has", () => {
    const draft = accountDraft(
      values({
        provider: "alertmanager",
        api_url: "https://am.example.com",
        email: "pat@example.com",
        team_ids: "PT1",
        basic_user: " pat ",
        matchers: 'team="checkout"\n\nseverity=~"critical|page"\r\n',
      }),
    );
    expect(draft).toEqual({
      name: "work",
      provider: "alertmanager",
      region: null,
      api_url: "https://am.example.com",
      poll_interval_seconds: 15,
      notify: true,
      email: null,
      basic_user: "pat",
      assigned_to_me: false,
      team_ids: [],
      service_ids: [],
      urgencies: [],
      matchers: ['team="checkout"', 'severity=~"critical|page"'],
      responder: null,
      shift_reminder_minutes: null,
      on_call_user: null,
      site: null,
      team_id: null,
      labels: [],
    });
  });

  it("round-trips an account's settings through the form", () => {
    const account = accountSettings("work", {
      region: "eu",
      assigned_to_me: true,
      team_ids: ["PT1", "PT2"],
      urgencies: ["high"],
      poll_interval_seconds: 30,
    });
    const { token: _token, ...expected } = account;
    expect(accountDraft(accountValues(account))).toEqual(expected);
  });

  it("shows an account without an urgency filter with both urgencies checked", () => {
    expect(accountValues(accountSettings("work", { urgencies: [] })).urgencies).toEqual(["high", "low"]);
  });
});

describe("shift reminder", () => {
  it("is a PagerDuty and Opsgenie field only", () => {
    expect(fieldsFor("pagerduty").has("shift_reminder_minutes")).toBe(true);
    expect(fieldsFor("opsgenie").has("shift_reminder_minutes")).toBe(true);
    expect(fieldsFor("alertmanager").has("shift_reminder_minutes")).toBe(false);
  });

  it("starts a new account at the config's default of 15 minutes", () => {
    expect(accountValues(null).shift_reminder_minutes).toBe("15");
    expect(accountDraft(values()).shift_reminder_minutes).toBe(15);
  });

  it("sends empty and 0 as no reminder, and whole minutes as they are", () => {
    expect(accountDraft(values({ shift_reminder_minutes: "" })).shift_reminder_minutes).toBe(0);
    expect(accountDraft(values({ shift_reminder_minutes: " 0 " })).shift_reminder_minutes).toBe(0);
    expect(accountDraft(values({ provider: "opsgenie", shift_reminder_minutes: "45" })).shift_reminder_minutes).toBe(45);
    expect(checkAccount(values({ shift_reminder_minutes: "" }))).toEqual([]);
    expect(checkAccount(values({ shift_reminder_minutes: "1440" }))).toEqual([]);
  });

  it.each(["1441", "-5", "2.5", "soon"])("rejects %j with the range", (minutes) => {
    const errors = checkAccount(values({ shift_reminder_minutes: minutes }));
    expect(fields(errors)).toEqual(["shift_reminder_minutes"]);
    expect(errors[0]!.message).toContain("0 (no reminder) to 1440");
  });

  it("is not checked or sent for Alertmanager", () => {
    const alertmanager = values({ provider: "alertmanager", api_url: "https://am.example.com", shift_reminder_minutes: "soon" });
    expect(checkAccount(alertmanager)).toEqual([]);
    expect(accountDraft(alertmanager).shift_reminder_minutes).toBeNull();
  });

  it("shows an account's reminder, off as 0", () => {
    expect(accountValues(accountSettings("work", { shift_reminder_minutes: 0 })).shift_reminder_minutes).toBe("0");
    expect(accountValues(accountSettings("work", { shift_reminder_minutes: 30 })).shift_reminder_minutes).toBe("30");
    const am = accountSettings("am", { provider: "alertmanager", shift_reminder_minutes: null });
    expect(accountValues(am).shift_reminder_minutes).toBe("15");
  });
});

describe("your Opsgenie user", () => {
  it("is an Opsgenie field only", () => {
    expect(fieldsFor("opsgenie").has("on_call_user")).toBe(true);
    expect(fieldsFor("pagerduty").has("on_call_user")).toBe(false);
    expect(fieldsFor("alertmanager").has("on_call_user")).toBe(false);
  });

  it("is sent trimmed, empty as none, and never for another provider", () => {
    const opsgenie = (on_call_user: string) => values({ provider: "opsgenie", on_call_user });
    expect(accountValues(null).on_call_user).toBe("");
    expect(accountDraft(opsgenie(" pat@example.com ")).on_call_user).toBe("pat@example.com");
    expect(accountDraft(opsgenie("  ")).on_call_user).toBeNull();
    expect(accountDraft(values({ on_call_user: "pat@example.com" })).on_call_user).toBeNull();
  });

  it("round-trips an Opsgenie account's user through the form", () => {
    const account = accountSettings("ops", {
      provider: "opsgenie",
      email: null,
      on_call_user: "pat@example.com",
      shift_reminder_minutes: 30,
    });
    expect(accountValues(account).on_call_user).toBe("pat@example.com");
    const draft = accountDraft(accountValues(account));
    expect(draft.on_call_user).toBe("pat@example.com");
    expect(draft.shift_reminder_minutes).toBe(30);
  });
});

describe("your hours", () => {
  const form = (over: Partial<HoursFormValues> = {}): HoursFormValues => ({
    ...hoursValues(REPORT_HOURS),
    ...over,
  });

  it("shows the ranges as times and sends the defaults back unchanged", () => {
    expect(form()).toEqual({
      working_start: "09:00",
      working_end: "18:00",
      working_days: ["mon", "tue", "wed", "thu", "fri"],
      sleep_start: "22:00",
      sleep_end: "07:00",
    });
    expect(checkHours(form())).toEqual([]);
    expect(hoursDraft(form())).toEqual(REPORT_HOURS);
  });

  it("reads a range written by hand with a one-digit hour and spaces", () => {
    const values = hoursValues({ ...REPORT_HOURS, working_hours: "7:30 - 16:00" });
    expect([values.working_start, values.working_end]).toEqual(["07:30", "16:00"]);
  });

  it("sends the days in week order, seconds cut, and no days at all", () => {
    const draft = hoursDraft(form({ working_days: ["sun", "mon"], working_start: "08:30:00", sleep_end: "06:15:00" }));
    expect(draft).toEqual({ working_hours: "08:30-18:00", working_days: ["mon", "sun"], sleep_hours: "22:00-06:15" });
    expect(hoursDraft(form({ working_days: [] })).working_days).toEqual([]);
    expect(checkHours(form({ working_days: [] }))).toEqual([]);
  });

  it.each([
    ["working_hours", { working_start: "" }, "start and an end"],
    ["working_hours", { working_start: "18:00", working_end: "09:00" }, "start before they end"],
    ["working_hours", { working_start: "09:00", working_end: "09:00" }, "start before they end"],
    ["sleep_hours", { sleep_end: "" }, "start and an end"],
    ["sleep_hours", { sleep_start: "23:00", sleep_end: "23:00" }, "different"],
  ] as const)("rejects %s %j", (field, over, words) => {
    const errors = checkHours(form(over));
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]!.message).toContain(words);
  });

  it("accepts sleep hours within one day", () => {
    expect(checkHours(form({ sleep_start: "01:00", sleep_end: "09:00" }))).toEqual([]);
  });

  it("places the tray app's [report] errors on their fields", () => {
    const placed = placeErrors(
      [
        { field: "report.working_days[1]", message: "not a day" },
        { field: "sleep_hours", message: "empty" },
      ],
      new Set(["", "working_hours", "working_days", "sleep_hours"]),
    );
    expect(placed.get("working_days")).toEqual(["not a day"]);
    expect(placed.get("sleep_hours")).toEqual(["empty"]);
  });
});

describe("notifications", () => {
  const form = (over: Partial<NotificationFormValues> = {}): NotificationFormValues => ({
    ...notificationValues(NOTIFICATIONS),
    ...over,
  });

  it("accepts the defaults and sends them back unchanged", () => {
    expect(checkNotifications(form())).toEqual([]);
    expect(notificationDraft(form())).toEqual(NOTIFICATIONS);
  });

  it.each([
    ["repeat_high_urgency_minutes", { repeat_high_urgency_minutes: "1441" }, "0 (never repeat) to 1440"],
    ["repeat_high_urgency_minutes", { repeat_high_urgency_minutes: "" }, "0 (never repeat) to 1440"],
    ["storm_threshold", { storm_threshold: "0" }, "from 1 to 1000"],
    ["storm_threshold", { storm_threshold: "1001" }, "from 1 to 1000"],
    ["quiet_hours", { quiet_hours: true, quiet_start: "", quiet_end: "07:00" }, "start and an end"],
    ["quiet_hours", { quiet_hours: true, quiet_start: "22:00", quiet_end: "22:00" }, "different"],
    ["sound_high", { sound_high: "Loud Siren" }, "none, a sound name"],
    ["sound_low", { sound_low: "" }, "none, a sound name"],
    ["alarm_repeat_seconds", { alarm_repeat_seconds: "3601" }, "0 (play once) to 3600"],
    ["alarm_repeat_seconds", { alarm_repeat_seconds: "-1" }, "0 (play once) to 3600"],
    ["alarm_volume", { alarm_volume: "101" }, "0 to 100"],
  ] as const)("rejects a bad %s, naming what is allowed", (field, over, words) => {
    const errors = checkNotifications(form(over));
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]!.message).toContain(words);
  });

  it("accepts 0 minutes (never repeat) and ignores the times while quiet hours are off", () => {
    expect(checkNotifications(form({ repeat_high_urgency_minutes: "0", quiet_start: "" }))).toEqual([]);
  });

  it("sends quiet hours as HH:MM, or null when off", () => {
    expect(notificationDraft(form({ quiet_hours: true, quiet_start: "22:00:00", quiet_end: "07:30" })).quiet_hours).toEqual({
      start: "22:00",
      end: "07:30",
    });
    expect(notificationDraft(form({ quiet_hours: false })).quiet_hours).toBeNull();
  });

  it("accepts sound names, file paths and none, and sends them trimmed", () => {
    const sounds = form({ sound_high: " /home/pat/siren.ogg ", sound_low: "bell", alarm_repeat_seconds: "20", alarm_volume: "0" });
    expect(checkNotifications(sounds)).toEqual([]);
    expect(notificationDraft(sounds)).toMatchObject({
      sound_high: "/home/pat/siren.ogg",
      sound_low: "bell",
      alarm_repeat_seconds: 20,
      alarm_volume: 0,
    });
    expect(checkNotifications(form({ sound_high: "none", sound_low: "C:\\Sounds\\siren.wav" }))).toEqual([]);
  });

  it("shows settings with quiet hours in the form", () => {
    const shown = notificationValues({ ...NOTIFICATIONS, quiet_hours: { start: "23:00", end: "06:00" } });
    expect(shown).toMatchObject({ quiet_hours: true, quiet_start: "23:00", quiet_end: "06:00" });
  });
});

describe("placeErrors", () => {
  const slots = new Set(["", "name", "poll_interval_seconds", "quiet_hours", "matchers"]);

  it("puts each message in its field's slot", () => {
    const placed = placeErrors(
      [
        { field: "poll_interval_seconds", message: "too short: the minimum is 2 seconds" },
        { field: "name", message: "already taken" },
      ],
      slots,
    );
    expect(placed.get("poll_interval_seconds")).toEqual(["too short: the minimum is 2 seconds"]);
    expect(placed.get("name")).toEqual(["already taken"]);
    expect(placed.has("")).toBe(false);
  });

  it("puts a part of a field in the field's slot", () => {
    const placed = placeErrors(
      [
        { field: "quiet_hours.start", message: "not a time" },
        { field: "matchers[1]", message: "bad matcher" },
      ],
      slots,
    );
    expect(placed.get("quiet_hours")).toEqual(["not a time"]);
    expect(placed.get("matchers")).toEqual(["bad matcher"]);
  });

  it("reads a config key path from its field name on", () => {
    const placed = placeErrors(
      [
        { field: "accounts[0].poll_interval_seconds", message: "too short" },
        { field: "notifications.quiet_hours.end", message: "not a time" },
      ],
      slots,
    );
    expect(placed.get("poll_interval_seconds")).toEqual(["too short"]);
    expect(placed.get("quiet_hours")).toEqual(["not a time"]);
  });

  it("puts the form's own message and unknown fields in the form's slot, naming the field", () => {
    const placed = placeErrors(
      [
        { field: "", message: "The account could not be saved." },
        { field: "token_command", message: "cannot be set here" },
      ],
      slots,
    );
    expect(placed.get("")).toEqual(["The account could not be saved.", "token_command: cannot be set here"]);
  });

  it("shows a repeated message once", () => {
    const placed = placeErrors(
      [
        { field: "name", message: "already taken" },
        { field: "name", message: "already taken" },
      ],
      slots,
    );
    expect(placed.get("name")).toEqual(["already taken"]);
  });
});

describe("helpers", () => {
  it("reads whole numbers only", () => {
    expect(wholeNumber(" 42 ")).toBe(42);
    expect(wholeNumber("4.2")).toBeNull();
    expect(wholeNumber("-1")).toBeNull();
    expect(wholeNumber("")).toBeNull();
  });

  it("splits lists on commas or a given separator", () => {
    expect(splitList(" a ,b,,c ")).toEqual(["a", "b", "c"]);
    expect(splitList("x\n\ny", /\n/)).toEqual(["x", "y"]);
  });
});
