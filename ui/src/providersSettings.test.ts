// @vitest-environment happy-dom
// Settings for the services Opsgenie users move to, on the real page with a fake tray
// app: adding a Jira Service Management or Grafana OnCall account (their own fields,
// hints and errors), the token field's name per service, moving an Opsgenie account
// ("Move to Jira Service Management…", its token never kept by the page) and the notice
// that asks for it.

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { accountSettings, settings } from "./test/fixtures";
import { $, openPage, settle, submit, type, type Page } from "./test/page";
import type { Notice, Settings } from "./types";

let page: Page;
beforeEach(() => {
  page = openPage();
});
afterEach(() => page.stop());

async function openSettings(with_?: Settings): Promise<void> {
  if (with_) page.api.getSettings.mockResolvedValue(with_);
  $("#tab-settings").click();
  await settle();
}

const shown = (selector: string): boolean => !$(selector).closest("[hidden]");

function chooseProvider(provider: string): void {
  const select = $<HTMLSelectElement>('#account-form [name="provider"]');
  select.value = provider;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

const OPSGENIE = accountSettings("ops", {
  provider: "opsgenie",
  email: null,
  on_call_user: "pat@example.com",
  token: "set",
});

const NOTICE: Notice = {
  id: "opsgenie-end",
  text: "Opsgenie stops working on 5 April 2027. Move your Opsgenie accounts to Jira Service Management: your alerts come along, and nothing rings twice.",
  account: "ops",
};

describe("adding a Jira Service Management account", () => {
  it("offers both new services and shows JSM's own fields with their hints", async () => {
    await openSettings();
    $("#add-account").click();
    const options = [...$<HTMLSelectElement>('#account-form [name="provider"]').options].map((o) => [o.value, o.text]);
    expect(options).toContainEqual(["jsm", "Jira Service Management"]);
    expect(options).toContainEqual(["grafana-oncall", "Grafana OnCall"]);

    chooseProvider("jsm");
    for (const field of ["site", "email", "responder", "shift_reminder_minutes", "api_url"]) {
      expect(shown(`#account-form [name="${field}"]`), field).toBe(true);
    }
    for (const field of ["region", "on_call_user", "team_id", "labels", "team_ids", "matchers", "basic_user"]) {
      expect(shown(`#account-form [name="${field}"]`), field).toBe(false);
    }
    expect($("#account-site-hint").textContent).toContain("acme for acme.atlassian.net");
    expect($("#account-email-hint").textContent).toContain("Atlassian account");
    expect($("#account-responder-hint").textContent).toContain("Default: you");
    expect($("#account-api-url-hint").textContent).toContain("api.atlassian.com");
  });

  it("asks for the site and the email before sending", async () => {
    await openSettings();
    $("#add-account").click();
    chooseProvider("jsm");
    type('#account-form [name="name"]', "jira");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).not.toHaveBeenCalled();
    expect($('#account-form [data-error-for="site"]').textContent).toContain("acme");
    expect($('#account-form [data-error-for="email"]').textContent).toContain("Atlassian");
  });

  it("sends the site, email and responder, then asks for the Atlassian API token", async () => {
    const jsm = accountSettings("jira", { provider: "jsm", region: null, site: "acme", token: "not_set" });
    page.api.saveAccount.mockResolvedValue({ ok: true, settings: settings({ accounts: [accountSettings("work"), jsm] }) });
    await openSettings();
    $("#add-account").click();
    chooseProvider("jsm");
    type('#account-form [name="name"]', "jira");
    type('#account-form [name="site"]', " acme ");
    type('#account-form [name="email"]', "pat@example.com");
    type('#account-form [name="responder"]', "Payments");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith(
      null,
      expect.objectContaining({
        name: "jira",
        provider: "jsm",
        region: null,
        site: "acme",
        email: "pat@example.com",
        responder: "Payments",
        shift_reminder_minutes: 15,
        on_call_user: null,
        team_id: null,
        labels: [],
      }),
    );
    expect($('#account-list li[data-account="jira"]').textContent).toContain("Jira Service Management · site acme");
    expect($<HTMLSelectElement>("#token-account").value).toBe("jira");
    expect($("#token-input-label").textContent).toBe("Atlassian API token");
  });

  it("puts the tray app's errors on the site and email fields", async () => {
    page.api.saveAccount.mockResolvedValue({
      ok: false,
      message: "Nothing was saved: please correct the highlighted fields.",
      errors: [
        { field: "site", message: 'site = "acme corp" is not a site name' },
        { field: "email", message: 'email = "pat" is not an e-mail address' },
      ],
    });
    await openSettings();
    $("#add-account").click();
    chooseProvider("jsm");
    type('#account-form [name="name"]', "jira");
    type('#account-form [name="site"]', "acme corp");
    type('#account-form [name="email"]', "pat@example.com");
    submit("#account-form");
    await settle();
    expect($('#account-form [data-error-for="site"]').textContent).toContain("is not a site name");
    expect($("#account-site").getAttribute("aria-invalid")).toBe("true");
    expect($('#account-form [data-error-for="email"]').textContent).toContain("is not an e-mail address");
  });
});

describe("adding a Grafana OnCall account", () => {
  it("requires the OnCall API URL and shows the team and labels", async () => {
    await openSettings();
    $("#add-account").click();
    chooseProvider("grafana-oncall");
    expect($("#account-api-url-label").textContent).toBe("OnCall API URL");
    expect($("#account-api-url-hint").textContent).toContain("OnCall → Settings");
    for (const field of ["team_id", "labels", "shift_reminder_minutes"]) {
      expect(shown(`#account-form [name="${field}"]`), field).toBe(true);
    }
    for (const field of ["site", "email", "region", "responder", "team_ids"]) {
      expect(shown(`#account-form [name="${field}"]`), field).toBe(false);
    }
    type('#account-form [name="name"]', "grafana");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).not.toHaveBeenCalled();
    expect($('#account-form [data-error-for="api_url"]').textContent).toContain("OnCall → Settings");

    // Back to another service and again: the label is each service's own.
    chooseProvider("pagerduty");
    expect($("#account-api-url-label").textContent).toBe("API URL");
  });

  it("sends the labels one per line or comma separated, and refuses one without a value", async () => {
    await openSettings();
    $("#add-account").click();
    chooseProvider("grafana-oncall");
    type('#account-form [name="name"]', "grafana");
    type('#account-form [name="api_url"]', "https://oncall.example.com/oncall");
    type('#account-form [name="labels"]', "team:payments\nenv");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).not.toHaveBeenCalled();
    expect($('#account-form [data-error-for="labels"]').textContent).toContain('"env"');

    type('#account-form [name="labels"]', "team:payments, env:prod\n");
    type('#account-form [name="team_id"]', " TI73TDU19W48J ");
    submit("#account-form");
    await settle();
    expect(page.api.saveAccount).toHaveBeenCalledWith(
      null,
      expect.objectContaining({
        provider: "grafana-oncall",
        api_url: "https://oncall.example.com/oncall",
        team_id: "TI73TDU19W48J",
        labels: ["team:payments", "env:prod"],
        site: null,
        email: null,
        region: null,
      }),
    );
  });

  it("puts the tray app's label and team errors on their fields", async () => {
    page.api.saveAccount.mockResolvedValue({
      ok: false,
      message: "Nothing was saved: please correct the highlighted fields.",
      errors: [
        { field: "labels[1]", message: 'labels[1] = "x:" has no value' },
        { field: "accounts[2].team_id", message: "team_id is empty" },
      ],
    });
    await openSettings();
    $("#add-account").click();
    chooseProvider("grafana-oncall");
    type('#account-form [name="name"]', "grafana");
    type('#account-form [name="api_url"]', "https://oncall.example.com/oncall");
    submit("#account-form");
    await settle();
    expect($('#account-form [data-error-for="labels"]').textContent).toContain("has no value");
    expect($('#account-form [data-error-for="team_id"]').textContent).toContain("team_id is empty");
  });

  it("shows an account's team and labels when it is edited", async () => {
    const grafana = accountSettings("grafana", {
      provider: "grafana-oncall",
      region: null,
      email: null,
      api_url: "https://oncall.example.com/oncall",
      team_id: "TI7",
      labels: ["team:payments", "env:prod"],
    });
    await openSettings(settings({ accounts: [grafana] }));
    expect($('#account-list li[data-account="grafana"]').textContent).toContain("Grafana OnCall · https://oncall.example.com/oncall");
    expect($("#token-input-label").textContent).toBe("OnCall API key");
    $('li[data-account="grafana"] [data-account-action="edit"]').click();
    expect($<HTMLInputElement>('#account-form [name="team_id"]').value).toBe("TI7");
    expect($<HTMLTextAreaElement>('#account-form [name="labels"]').value).toBe("team:payments\nenv:prod");
  });
});

describe("the token field names each service's token", () => {
  it("follows the chosen account", async () => {
    await openSettings(settings({ accounts: [accountSettings("work"), OPSGENIE] }));
    expect($("#token-input-label").textContent).toBe("PagerDuty API token");
    const account = $<HTMLSelectElement>("#token-account");
    account.value = "ops";
    account.dispatchEvent(new Event("change", { bubbles: true }));
    expect($("#token-input-label").textContent).toBe("Opsgenie API key");
  });
});

describe("moving an Opsgenie account", () => {
  it("is offered on Opsgenie accounts only", async () => {
    await openSettings(settings({ accounts: [accountSettings("work"), OPSGENIE] }));
    expect(document.querySelector('li[data-account="work"] [data-account-action="move"]')).toBeNull();
    expect($('li[data-account="ops"] [data-account-action="move"]').textContent).toBe(
      "Move to Jira Service Management…",
    );
  });

  it("says what is kept, fills in the email, and sends the token once, emptied at once", async () => {
    const moved = accountSettings("ops", { provider: "jsm", region: null, site: "acme", email: "pat@example.com" });
    let resolve!: (value: Awaited<ReturnType<Page["api"]["migrateAccount"]>>) => void;
    page.api.migrateAccount.mockReturnValue(new Promise((r) => (resolve = r)));
    await openSettings(settings({ accounts: [OPSGENIE] }));
    $('li[data-account="ops"] [data-account-action="move"]').click();

    expect(shown("#move-form")).toBe(true);
    const words = $("#move-text").textContent ?? "";
    for (const kept of ["name", "search", "settings", "what already rang", "5 April 2027"]) {
      expect(words, kept).toContain(kept);
    }
    expect($<HTMLInputElement>("#move-email").value).toBe("pat@example.com");
    expect($<HTMLInputElement>("#move-token").type).toBe("password");
    expect(document.activeElement).toBe($("#move-site"));

    type("#move-site", " acme ");
    type("#move-token", " ATATT-secret ");
    submit("#move-form");
    // Emptied before the answer comes.
    expect($<HTMLInputElement>("#move-token").value).toBe("");
    expect(page.api.migrateAccount).toHaveBeenCalledWith(
      "ops",
      { site: "acme", email: "pat@example.com", api: null },
      "ATATT-secret",
    );
    expect(document.body.innerHTML).not.toContain("ATATT-secret");
    expect($("#move-result").textContent).toContain("Checking the token");

    resolve({ ok: true, settings: settings({ accounts: [moved] }) });
    await settle();
    expect(shown("#move-form")).toBe(false);
    expect($('#account-list li[data-account="ops"]').dataset.provider).toBe("jsm");
    expect(document.querySelector('li[data-account="ops"] [data-account-action="move"]')).toBeNull();
  });

  it("does not fill in an Opsgenie user that is not an email, and checks before sending", async () => {
    await openSettings(settings({ accounts: [{ ...OPSGENIE, on_call_user: "pat" }] }));
    $('li[data-account="ops"] [data-account-action="move"]').click();
    expect($<HTMLInputElement>("#move-email").value).toBe("");
    submit("#move-form");
    await settle();
    expect(page.api.migrateAccount).not.toHaveBeenCalled();
    for (const field of ["site", "email", "token"]) {
      expect(shown(`#move-form [data-error-for="${field}"]`), field).toBe(true);
    }
  });

  it("shows a refused token beside the token field and keeps the form open", async () => {
    page.api.migrateAccount.mockResolvedValue({
      ok: false,
      message: "Jira Service Management refused the token: nothing was changed.",
      errors: [{ field: "token", message: "Not accepted for pat@example.com (401 Unauthorized)." }],
    });
    await openSettings(settings({ accounts: [OPSGENIE] }));
    $('li[data-account="ops"] [data-account-action="move"]').click();
    type("#move-site", "acme");
    type("#move-token", "wrong");
    submit("#move-form");
    await settle();
    expect(shown("#move-form")).toBe(true);
    expect($('#move-form [data-error-for="token"]').textContent).toContain("Not accepted for pat@example.com");
    expect($('#move-form [data-error-for=""]').textContent).toContain("nothing was changed");
    expect(document.activeElement).toBe($("#move-token"));
    expect($<HTMLInputElement>("#move-token").value).toBe("");
  });

  it("sends a test server's API URL when one is given", async () => {
    await openSettings(settings({ accounts: [OPSGENIE] }));
    $('li[data-account="ops"] [data-account-action="move"]').click();
    type("#move-site", "http://127.0.0.1:4010");
    type("#move-api-url", "http://127.0.0.1:4010");
    type("#move-token", "t");
    submit("#move-form");
    await settle();
    expect(page.api.migrateAccount).toHaveBeenCalledWith(
      "ops",
      { site: "http://127.0.0.1:4010", email: "pat@example.com", api: "http://127.0.0.1:4010" },
      "t",
    );
  });
});

describe("the Opsgenie notice", () => {
  it("is shown with the Move button of its account, and Dismiss puts it away", async () => {
    page.api.dismissNotice.mockResolvedValue({ ok: true, settings: settings({ accounts: [OPSGENIE], notices: [] }) });
    await openSettings(settings({ accounts: [OPSGENIE], notices: [NOTICE] }));
    const notice = $('#notices li[data-notice="opsgenie-end"]');
    expect(shown('#notices li[data-notice="opsgenie-end"]')).toBe(true);
    expect(notice.textContent).toContain("Opsgenie stops working on 5 April 2027");

    $('#notices [data-notice-action="move"]').click();
    expect(shown("#move-form")).toBe(true);
    expect($("#move-form-title").textContent).toBe("Move ops to Jira Service Management");
    $("#move-cancel").click();

    $('#notices [data-notice-action="dismiss"]').click();
    await settle();
    expect(page.api.dismissNotice).toHaveBeenCalledWith("opsgenie-end");
    expect(document.querySelector('#notices li[data-notice="opsgenie-end"]')).toBeNull();
    expect($("#notices").hidden).toBe(true);
  });

  it("is not there when the tray app sends none", async () => {
    await openSettings(settings({ accounts: [OPSGENIE] }));
    expect($("#notices").hidden).toBe(true);
  });
});
