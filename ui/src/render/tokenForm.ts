// The token form (`form#token-form`). A token is handed to the tray app once, in the
// `set_token` call, and the input is emptied in the same turn, before the answer comes:
// the token is never kept in a variable, the DOM (no `value` attribute), or a message.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, el } from "../dom";
import type { AccountSettings, TokenResult } from "../types";
import { tokenLabel, tokenWords } from "../words";

/** Accounts whose token can be entered here (not a `token_command`, not tokenless). */
export function takesToken(account: AccountSettings): boolean {
  return account.token !== "command" && account.token !== "not_needed";
}

/** The result line for a `set_token` answer. */
export function tokenResultWords(account: string, answer: TokenResult): string {
  if (answer.result === "stored") {
    const who = answer.who ? `, signed in as ${answer.who}` : "";
    return `Token for ${account} checked and stored in the keychain${who}.`;
  }
  switch (answer.result) {
    case "rejected":
      return `The service rejected this token for ${account}: ${answer.message}`;
    case "unreachable":
      return `Could not reach the service to check the token for ${account}: ${answer.message}`;
    case "error":
      return `The token for ${account} was not stored: ${answer.message}`;
  }
}

export class TokenForm {
  readonly form = byId<HTMLFormElement>("token-form");
  private readonly account = byId<HTMLSelectElement>("token-account");
  private readonly input = byId<HTMLInputElement>("token-input");
  private readonly result = byId("token-result");
  private readonly error = byId("token-error");
  private readonly save = byId<HTMLButtonElement>("save-token");
  private sending = false;
  /** The accounts offered, for the token field's label. */
  private choices: readonly AccountSettings[] = [];

  constructor(
    private readonly api: Api,
    /** Called after a token was stored (the account's token state changed). */
    private readonly onStored: () => void,
  ) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    this.account.addEventListener("change", () => this.labelToken());
  }

  /** Names the token the chosen account's service asks for ("Atlassian API token"). */
  private labelToken(): void {
    const chosen = this.choices.find((a) => a.name === this.account.value);
    byId("token-input-label").textContent = chosen ? tokenLabel(chosen.provider) : "Token";
  }

  /** Lists the accounts that take a token, keeping the chosen one. */
  update(accounts: readonly AccountSettings[]): void {
    const chosen = this.account.value;
    const choices = accounts.filter(takesToken);
    this.account.replaceChildren(
      ...choices.map((a) => el("option", { value: a.name }, `${a.name} (${tokenWords(a.token)})`)),
    );
    const keep = choices.find((a) => a.name === chosen) ?? choices[0];
    if (keep) this.account.value = keep.name;
    this.choices = choices;
    this.labelToken();
    this.form.hidden = choices.length === 0;
    byId("token-none").hidden = choices.length > 0;
  }

  /** Chooses `account` and puts the cursor in the token field. */
  choose(account: string): void {
    if ([...this.account.options].some((o) => o.value === account)) this.account.value = account;
    this.labelToken();
    this.input.focus();
  }

  private async submit(): Promise<void> {
    const account = this.account.value;
    this.error.hidden = true;
    this.input.removeAttribute("aria-invalid");
    if (this.sending) return;
    if (!account) return;
    if (this.input.value.trim() === "") {
      this.input.value = "";
      this.error.textContent = "Paste the token first.";
      this.error.hidden = false;
      this.input.setAttribute("aria-invalid", "true");
      this.input.focus();
      return;
    }
    this.sending = true;
    this.save.disabled = true;
    this.show("checking", `Checking the token for ${account} with the service…`);
    let answer: Promise<TokenResult>;
    try {
      answer = this.api.setToken(account, this.input.value.trim());
    } finally {
      // Emptied before the answer is awaited, whatever happens.
      this.input.value = "";
    }
    try {
      const result = await answer;
      this.show(result.result, tokenResultWords(account, result));
      if (result.result === "stored") this.onStored();
    } catch (e) {
      this.show("error", `The token for ${account} was not stored: ${reason(e)}`);
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
