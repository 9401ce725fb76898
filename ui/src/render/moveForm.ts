// "Move to Jira Service Management…" (`form#move-form`): an Opsgenie account's site,
// email and new Atlassian API token. As in the token form, the token is handed to the
// tray app once, in the `migrate_account` call, and the input is emptied in the same
// turn: never kept in a variable, the DOM or a message. The tray checks the token with
// JSM before it changes anything; a refusal comes back on the token's field.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, type ShowMessage } from "../dom";
import { checkMove, moveDraft, moveValues, moveWords, type MoveFormValues } from "../move";
import type { AccountSettings, SaveResult, Settings } from "../types";
import { clearErrors, showErrors } from "./formErrors";

export class MoveForm {
  readonly form = byId<HTMLFormElement>("move-form");
  private readonly token = byId<HTMLInputElement>("move-token");
  private readonly result = byId("move-result");
  private readonly save = byId<HTMLButtonElement>("move-save");
  /** The Opsgenie account being moved; `null` while closed. */
  private moving: string | null = null;
  private sending = false;

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
    /** Called with the new settings after the move, and the moved account's name. */
    private readonly onMoved: (settings: Settings, name: string) => void,
    /** Called when the form closes without a move, with the account it was for. */
    private readonly onClosed: (account: string | null) => void,
  ) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    byId("move-cancel").addEventListener("click", () => this.close(true));
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close(true);
      }
    });
  }

  /** The account being moved, if any. */
  get account(): string | null {
    return this.moving;
  }

  /** Opens the form for the Opsgenie account `account`. */
  open(account: AccountSettings): void {
    this.moving = account.name;
    clearErrors(this.form);
    this.result.hidden = true;
    const values = moveValues(account);
    this.input("site").value = values.site;
    this.input("email").value = values.email;
    this.input("api_url").value = values.api_url;
    this.token.value = "";
    byId("move-form-title").textContent = `Move ${account.name} to Jira Service Management`;
    byId("move-text").textContent = moveWords(account.name);
    this.form.hidden = false;
    this.form.scrollIntoView?.({ block: "nearest" });
    this.input("site").focus();
  }

  /** Closes the form; `cancelled` tells the owner to put focus back. */
  close(cancelled = false): void {
    const account = this.moving;
    this.form.hidden = true;
    this.moving = null;
    this.token.value = "";
    clearErrors(this.form);
    if (cancelled) this.onClosed(account);
  }

  private input(name: string): HTMLInputElement {
    const found = this.form.querySelector<HTMLInputElement>(`[name="${name}"]`);
    if (!found) throw new Error(`#move-form has no ${name}`);
    return found;
  }

  private values(): MoveFormValues {
    return { site: this.input("site").value, email: this.input("email").value, api_url: this.input("api_url").value };
  }

  private async submit(): Promise<void> {
    const account = this.moving;
    if (this.sending || account === null) return;
    const values = this.values();
    const problems = checkMove(values, this.token.value.trim() !== "");
    if (problems.length > 0) {
      showErrors(this.form, problems)?.focus();
      return;
    }
    clearErrors(this.form);
    this.sending = true;
    this.save.disabled = true;
    this.show("checking", `Checking the token with Jira Service Management…`);
    let answer: Promise<SaveResult>;
    try {
      answer = this.api.migrateAccount(account, moveDraft(values), this.token.value.trim());
    } finally {
      // Emptied before the answer is awaited, whatever happens.
      this.token.value = "";
    }
    try {
      const result = await answer;
      if (result.ok) {
        this.close();
        this.onMoved(result.settings, account);
      } else {
        this.result.hidden = true;
        showErrors(this.form, result.errors, result.message)?.focus();
      }
    } catch (e) {
      this.result.hidden = true;
      this.showMessage(`Could not move ${account}: ${reason(e)}`);
    } finally {
      this.sending = false;
      this.save.disabled = false;
    }
  }

  private show(result: string, text: string): void {
    this.result.dataset.result = result;
    this.result.textContent = text;
    this.result.hidden = false;
  }
}
