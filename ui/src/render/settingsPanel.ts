// The Settings tab: its notices (moving off Opsgenie), the accounts (with Edit, Test
// connection, token entry, "Move to Jira Service Management…" for Opsgenie ones and
// Remove with an in-page confirmation), the notification policy, pausing, "Your hours"
// and start at login.
// Settings changed elsewhere (the `settings` event) are shown at once, except in a form
// the user is editing.

import type { Api } from "../api";
import { reason } from "../api";
import { button, byId, el, type ShowMessage } from "../dom";
import { canMove } from "../move";
import type { AccountSettings, Notice, Settings, TestResult } from "../types";
import { accountSummary, tokenWords } from "../words";
import { AccountForm } from "./accountForm";
import { HoursForm } from "./hoursForm";
import { MoveForm } from "./moveForm";
import { NotificationsForm } from "./notificationsForm";
import { takesToken, TokenForm } from "./tokenForm";

type Test = { state: "testing" } | { state: "done"; result: TestResult };

export class SettingsPanel {
  private settings: Settings | null = null;
  /** Connection tests by account: running, or their last result. */
  private readonly tests = new Map<string, Test>();
  /** The account whose removal waits for a confirmation. */
  private confirming: string | null = null;
  private asked = 0;

  private readonly list = byId<HTMLUListElement>("account-list");
  private readonly notices = byId<HTMLUListElement>("notices");
  private readonly autostart = byId<HTMLInputElement>("autostart");
  private readonly accountForm: AccountForm;
  private readonly moveForm: MoveForm;
  private readonly tokenForm: TokenForm;
  private readonly notificationsForm: NotificationsForm;
  private readonly hoursForm: HoursForm;

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
  ) {
    this.accountForm = new AccountForm(
      api,
      showMessage,
      (settings, name) => this.accountSaved(settings, name),
      (edited) => {
        if (!this.focus(edited, "edit")) byId("add-account").focus();
      },
    );
    this.moveForm = new MoveForm(
      api,
      showMessage,
      (settings, name) => {
        this.update(settings);
        this.focus(name, "edit");
      },
      (account) => {
        if (!this.focus(account, "move")) byId("add-account").focus();
      },
    );
    this.tokenForm = new TokenForm(api, () => void this.load());
    this.notificationsForm = new NotificationsForm(api, showMessage, (settings) => this.update(settings));
    this.hoursForm = new HoursForm(api, showMessage, (settings) => this.update(settings));
    byId("add-account").addEventListener("click", () => this.accountForm.open(null));
    this.autostart.addEventListener("change", () => void this.setAutostart(this.autostart.checked));
  }

  /** Asks the tray app for the settings and shows them. */
  async load(): Promise<void> {
    const ask = ++this.asked;
    try {
      const settings = await this.api.getSettings();
      if (ask === this.asked) this.update(settings);
    } catch (e) {
      if (ask === this.asked) this.showMessage(`Could not read the settings: ${reason(e)}`);
    }
  }

  /** Shows `settings` (from the tray app, or the answer to a save). */
  update(settings: Settings): void {
    this.asked++; // An answer still on its way is older than this.
    this.settings = settings;
    const names = new Set(settings.accounts.map((a) => a.name));
    for (const name of this.tests.keys()) if (!names.has(name)) this.tests.delete(name);
    if (this.confirming && !names.has(this.confirming)) this.confirming = null;
    const moving = this.moveForm.account;
    if (moving !== null && !settings.accounts.some((a) => a.name === moving && canMove(a))) this.moveForm.close();
    this.renderNotices(settings.notices);
    this.renderAccounts();
    this.tokenForm.update(settings.accounts);
    this.notificationsForm.update(settings.notifications);
    this.hoursForm.update(settings.report);
    this.autostart.disabled = settings.autostart === null;
    this.autostart.checked = settings.autostart === true;
    byId("autostart-note").hidden = settings.autostart !== null;
    byId("config-file").textContent = `Settings are kept in ${settings.config_file}.`;
  }

  private accountSaved(settings: Settings, name: string): void {
    this.update(settings);
    const account = settings.accounts.find((a) => a.name === name);
    if (account && takesToken(account) && account.token !== "set") {
      // A new account (or one whose token was refused) needs its token next.
      byId("token-hint").textContent = `Now enter the token for ${name}. It goes to the system keychain; this window never sees it again.`;
      this.tokenForm.choose(name);
    } else {
      this.focus(name, "edit");
    }
  }

  /** Focuses an account's button; false if there is none. */
  private focus(account: string | null, action: string): boolean {
    if (account === null) return false;
    const target = this.list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(`${account}|${action}`)}"]`);
    target?.focus();
    return target !== null;
  }

  /** The notices above the accounts, each with its button and a Dismiss. */
  private renderNotices(notices: readonly Notice[]): void {
    this.notices.replaceChildren(...notices.map((notice) => this.noticeItem(notice)));
    this.notices.hidden = notices.length === 0;
  }

  private noticeItem(notice: Notice): HTMLLIElement {
    const li = el("li", { class: "notice", "data-notice": notice.id }, el("p", {}, notice.text));
    const buttons = el("div", { class: "buttons" });
    const moving = notice.account;
    const account = this.settings?.accounts.find((a) => a.name === moving);
    if (account && canMove(account)) {
      const move = button(`Move ${account.name} to Jira Service Management…`, { "data-notice-action": "move" });
      move.addEventListener("click", () => this.moveForm.open(account));
      buttons.append(move);
    }
    const dismiss = button("Dismiss", { "data-notice-action": "dismiss", "aria-label": "Dismiss this notice" });
    dismiss.addEventListener("click", () => void this.dismiss(notice.id));
    buttons.append(dismiss);
    li.append(buttons);
    return li;
  }

  private async dismiss(id: string): Promise<void> {
    try {
      const result = await this.api.dismissNotice(id);
      if (result.ok) {
        this.update(result.settings);
        byId("add-account").focus();
      } else {
        this.showMessage(`Could not dismiss the notice: ${result.message}`);
      }
    } catch (e) {
      this.showMessage(`Could not dismiss the notice: ${reason(e)}`);
    }
  }

  private renderAccounts(): void {
    const accounts = this.settings?.accounts ?? [];
    const focused = document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement)
      ? document.activeElement.dataset.focus
      : undefined;
    this.list.replaceChildren(...accounts.map((account) => this.accountItem(account)));
    byId("no-accounts").hidden = accounts.length > 0;
    if (focused) {
      this.list.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
    }
  }

  private accountItem(account: AccountSettings): HTMLLIElement {
    const name = account.name;
    const li = el("li", { "data-account": name, "data-provider": account.provider, "data-token": account.token });
    const summary = el(
      "p",
      { class: "account-line" },
      el("strong", { class: "account-name" }, name),
      " ",
      el("span", { class: "account-summary" }, accountSummary(account)),
      " · ",
      el("span", { class: "token-state", "data-token": account.token }, tokenWords(account.token)),
    );
    const action = (id: string, text: string, label: string, run: () => void): HTMLButtonElement => {
      const b = button(text, { "data-account-action": id, "data-focus": `${name}|${id}`, "aria-label": label });
      b.addEventListener("click", run);
      return b;
    };
    const test = this.tests.get(name);
    const buttons = el(
      "div",
      { class: "buttons" },
      action("edit", "Edit", `Edit ${name}`, () => {
        const current = this.settings?.accounts.find((a) => a.name === name);
        if (current) this.accountForm.open(current);
      }),
      action("test", "Test connection", `Test the connection of ${name}`, () => void this.test(name)),
    );
    if (takesToken(account)) {
      buttons.append(
        action("token", account.token === "set" ? "Replace token" : "Enter token", `Enter a token for ${name}`, () =>
          this.tokenForm.choose(name),
        ),
      );
    }
    if (canMove(account)) {
      buttons.append(
        action("move", "Move to Jira Service Management…", `Move ${name} to Jira Service Management`, () => {
          const current = this.settings?.accounts.find((a) => a.name === name);
          if (current) this.moveForm.open(current);
        }),
      );
    }
    buttons.append(
      action("remove", "Remove", `Remove ${name}`, () => {
        this.confirming = name;
        this.renderAccounts();
        this.focus(name, "cancel-remove");
      }),
    );
    if (test?.state === "testing") buttons.querySelector<HTMLButtonElement>('[data-account-action="test"]')!.disabled = true;
    li.append(summary, buttons);

    if (test) {
      const result = el("p", { class: "test-result", role: "status" });
      if (test.state === "testing") {
        result.dataset.result = "testing";
        result.textContent = "Testing the connection…";
      } else {
        result.dataset.result = test.result.ok ? "ok" : "failed";
        result.textContent = test.result.message;
      }
      li.append(result);
    }

    if (this.confirming === name) {
      li.append(
        el(
          "div",
          { class: "confirm", role: "group", "aria-label": `Confirm removing ${name}` },
          el("span", {}, `Remove ${name}? Its incidents will no longer be watched. `),
          action("confirm-remove", `Remove ${name}`, `Yes, remove ${name}`, () => void this.remove(name)),
          action("cancel-remove", "Keep it", `Keep ${name}`, () => {
            this.confirming = null;
            this.renderAccounts();
            this.focus(name, "remove");
          }),
        ),
      );
    }
    return li;
  }

  private async test(name: string): Promise<void> {
    this.tests.set(name, { state: "testing" });
    this.renderAccounts();
    try {
      const result = await this.api.testConnection(name);
      this.tests.set(name, { state: "done", result });
    } catch (e) {
      this.tests.delete(name);
      this.showMessage(`Could not test the connection of ${name}: ${reason(e)}`);
    }
    this.renderAccounts();
  }

  private async remove(name: string): Promise<void> {
    this.confirming = null;
    try {
      const result = await this.api.removeAccount(name);
      if (result.ok) {
        if (this.accountForm.editing === name) this.accountForm.close();
        this.update(result.settings);
        byId("add-account").focus();
      } else {
        this.renderAccounts();
        this.showMessage(`Could not remove ${name}: ${[result.message, ...result.errors.map((e) => e.message)].filter(Boolean).join(" ")}`);
      }
    } catch (e) {
      this.renderAccounts();
      this.showMessage(`Could not remove ${name}: ${reason(e)}`);
    }
  }

  private async setAutostart(enabled: boolean): Promise<void> {
    this.autostart.disabled = true;
    try {
      const result = await this.api.setAutostart(enabled);
      if (result.ok) {
        this.update(result.settings);
      } else {
        this.autostart.checked = !enabled;
        this.showMessage(`Could not change starting at login: ${result.message}`);
      }
    } catch (e) {
      this.autostart.checked = !enabled;
      this.showMessage(`Could not change starting at login: ${reason(e)}`);
    } finally {
      this.autostart.disabled = this.settings?.autostart === null;
    }
  }
}
