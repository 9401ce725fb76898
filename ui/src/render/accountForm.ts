// The add/edit account form (`form#account-form`): shows the fields of the chosen
// provider, checks the obvious, sends the draft and shows every error next to its field.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, type ShowMessage } from "../dom";
import {
  accountDraft,
  accountValues,
  checkAccount,
  fieldsFor,
  needsApiUrl,
  PROVIDERS,
  type AccountFormValues,
} from "../settingsForm";
import type { AccountSettings, Provider, Region, Settings, Urgency } from "../types";
import { clearErrors, showErrors } from "./formErrors";

const API_URL_HINTS: Record<Provider, string> = {
  pagerduty: "Optional: leave empty to use the region's host (api.pagerduty.com or api.eu.pagerduty.com).",
  alertmanager: "Required: the Alertmanager's address, such as https://alertmanager.example.com.",
  opsgenie: "Optional: leave empty to use the region's host (api.opsgenie.com or api.eu.opsgenie.com).",
  jsm: "Optional: leave empty for api.atlassian.com.",
  "grafana-oncall": "Required: the OnCall API URL of your stack, shown in OnCall → Settings.",
};

/** The API URL's label: Grafana calls it the OnCall API URL in its own settings. */
const API_URL_LABELS: Partial<Record<Provider, string>> = {
  "grafana-oncall": "OnCall API URL",
};

/** What the email is for, by provider (only those that have it). */
const EMAIL_HINTS: Partial<Record<Provider, string>> = {
  pagerduty: "PagerDuty records acknowledgements as coming from this address (the From header).",
  jsm: "Your Atlassian account's email: the API token is yours, and JSM signs you in with both.",
};

/** Whose alerts the responder picks, by provider (only those that have it). */
const RESPONDER_HINTS: Partial<Record<Provider, string>> = {
  opsgenie: "Show only alerts for this responder (a team or user). Leave empty for all.",
  jsm: "Optional: show only alerts for this responder (a team, user or schedule). Default: you.",
};

export class AccountForm {
  readonly form = byId<HTMLFormElement>("account-form");
  /** The account being edited; `null` while adding one. */
  private original: string | null = null;
  private saving = false;

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
    /** Called with the new settings after a save, and the saved account's name. */
    private readonly onSaved: (settings: Settings, name: string) => void,
    /** Called when the form closes without saving, with the account that was edited. */
    private readonly onClosed: (edited: string | null) => void,
  ) {
    this.input("provider").addEventListener("change", () => this.showFieldsOf(this.provider()));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    byId("account-cancel").addEventListener("click", () => this.close(true));
    this.form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close(true);
      }
    });
  }

  get isOpen(): boolean {
    return !this.form.hidden;
  }

  /** Opens the form to edit `account`, or to add one when `null`. */
  open(account: AccountSettings | null): void {
    this.original = account?.name ?? null;
    clearErrors(this.form);
    this.fill(accountValues(account));
    const name = this.input("name");
    name.readOnly = account !== null;
    this.input("provider").disabled = account !== null;
    byId("account-form-title").textContent = account ? `Edit ${account.name}` : "Add an account";
    byId("account-save").textContent = account ? "Save changes" : "Add account";
    this.form.hidden = false;
    this.form.scrollIntoView?.({ block: "nearest" });
    (account ? this.input("poll_interval_seconds") : name).focus();
  }

  /** Closes the form; `cancelled` tells the owner to put focus back. */
  close(cancelled = false): void {
    const edited = this.original;
    this.form.hidden = true;
    this.original = null;
    clearErrors(this.form);
    if (cancelled) this.onClosed(edited);
  }

  /** The account being edited, if any (`null` while adding). */
  get editing(): string | null {
    return this.original;
  }

  private input<T extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement = HTMLInputElement>(
    name: string,
  ): T {
    const found = this.form.querySelector<T>(`[name="${name}"]`);
    if (!found) throw new Error(`#account-form has no ${name}`);
    return found;
  }

  private provider(): Provider {
    const value = this.input<HTMLSelectElement>("provider").value;
    return (PROVIDERS as readonly string[]).includes(value) ? (value as Provider) : "pagerduty";
  }

  private showFieldsOf(provider: Provider): void {
    const has = fieldsFor(provider) as Set<string>;
    for (const field of this.form.querySelectorAll<HTMLElement>("[data-field]")) {
      const name = field.dataset.field ?? "";
      if (name !== "filters") field.hidden = !has.has(name);
    }
    // The filters' box is shown when the provider has any filter.
    const filters = this.form.querySelector<HTMLElement>('[data-field="filters"]')!;
    filters.hidden = ![...filters.querySelectorAll<HTMLElement>("[data-field]")].some((f) => !f.hidden);
    byId("account-api-url-hint").textContent = API_URL_HINTS[provider];
    byId("account-api-url-label").textContent = API_URL_LABELS[provider] ?? "API URL";
    byId("account-email-hint").textContent = EMAIL_HINTS[provider] ?? "";
    byId("account-responder-hint").textContent = RESPONDER_HINTS[provider] ?? "";
    // Instead of the shift reminder, which needs a schedule.
    byId("account-no-shifts").hidden = provider !== "alertmanager";
    this.input("api_url").required = needsApiUrl(provider);
    this.input("site").required = provider === "jsm";
    this.input("email").required = provider === "jsm";
  }

  private fill(values: AccountFormValues): void {
    this.input("name").value = values.name;
    this.input<HTMLSelectElement>("provider").value = values.provider;
    this.input<HTMLSelectElement>("region").value = values.region;
    this.input("api_url").value = values.api_url;
    this.input("poll_interval_seconds").value = values.poll_interval_seconds;
    this.input("notify").checked = values.notify;
    this.input("email").value = values.email;
    this.input("basic_user").value = values.basic_user;
    this.input("assigned_to_me").checked = values.assigned_to_me;
    this.input("team_ids").value = values.team_ids;
    this.input("service_ids").value = values.service_ids;
    for (const box of this.form.querySelectorAll<HTMLInputElement>('input[name="urgencies"]')) {
      box.checked = values.urgencies.includes(box.value as Urgency);
    }
    this.input<HTMLTextAreaElement>("matchers").value = values.matchers;
    this.input("responder").value = values.responder;
    this.input("on_call_user").value = values.on_call_user;
    this.input("shift_reminder_minutes").value = values.shift_reminder_minutes;
    this.input("site").value = values.site;
    this.input("team_id").value = values.team_id;
    this.input<HTMLTextAreaElement>("labels").value = values.labels;
    this.showFieldsOf(values.provider);
  }

  private values(): AccountFormValues {
    return {
      name: this.input("name").value,
      provider: this.provider(),
      region: this.input<HTMLSelectElement>("region").value === "eu" ? "eu" : ("us" as Region),
      api_url: this.input("api_url").value,
      poll_interval_seconds: this.input("poll_interval_seconds").value,
      notify: this.input("notify").checked,
      email: this.input("email").value,
      basic_user: this.input("basic_user").value,
      assigned_to_me: this.input("assigned_to_me").checked,
      team_ids: this.input("team_ids").value,
      service_ids: this.input("service_ids").value,
      urgencies: [...this.form.querySelectorAll<HTMLInputElement>('input[name="urgencies"]:checked')].map(
        (box) => box.value as Urgency,
      ),
      matchers: this.input<HTMLTextAreaElement>("matchers").value,
      responder: this.input("responder").value,
      on_call_user: this.input("on_call_user").value,
      shift_reminder_minutes: this.input("shift_reminder_minutes").value,
      site: this.input("site").value,
      team_id: this.input("team_id").value,
      labels: this.input<HTMLTextAreaElement>("labels").value,
    };
  }

  private async save(): Promise<void> {
    if (this.saving) return;
    const values = this.values();
    const problems = checkAccount(values);
    if (problems.length > 0) {
      showErrors(this.form, problems)?.focus();
      return;
    }
    clearErrors(this.form);
    const draft = accountDraft(values);
    const save = byId<HTMLButtonElement>("account-save");
    this.saving = true;
    save.disabled = true;
    try {
      const result = await this.api.saveAccount(this.original, draft);
      if (result.ok) {
        this.close();
        this.onSaved(result.settings, draft.name);
      } else {
        showErrors(this.form, result.errors, result.message)?.focus();
      }
    } catch (e) {
      this.showMessage(`Could not save the account: ${reason(e)}`);
    } finally {
      this.saving = false;
      save.disabled = false;
    }
  }
}
