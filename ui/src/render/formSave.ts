// The save of a Settings form that stands alone ("Notifications", "Your hours"): checked
// here first, sent once (a second press while it is on its way does nothing), its
// field errors shown where they belong, "Saved." when the tray wrote it.

import { reason } from "../api";
import type { ShowMessage } from "../dom";
import type { FieldError, SaveResult, Settings } from "../types";
import { clearErrors, showErrors } from "./formErrors";

export interface FormSave {
  form: HTMLFormElement;
  button: HTMLButtonElement;
  /** Where "Saved." goes. */
  saved: HTMLElement;
  /** What the page itself refuses before sending (none: send). */
  problems: FieldError[];
  send: () => Promise<SaveResult>;
  onSaved: (settings: Settings) => void;
  showMessage: ShowMessage;
  /** "the notification settings", for "Could not save …". */
  what: string;
  /** Told when the form is on its way (true) and back (false): no second send meanwhile. */
  busy: (busy: boolean) => void;
}

/** Saves as `save` says; true once the tray has written it. */
export async function saveForm(save: FormSave): Promise<boolean> {
  save.saved.textContent = "";
  if (save.problems.length > 0) {
    showErrors(save.form, save.problems)?.focus();
    return false;
  }
  clearErrors(save.form);
  save.busy(true);
  save.button.disabled = true;
  try {
    const result = await save.send();
    if (result.ok) {
      save.onSaved(result.settings);
      save.saved.textContent = "Saved.";
      return true;
    }
    showErrors(save.form, result.errors, result.message)?.focus();
    return false;
  } catch (e) {
    save.showMessage(`Could not save ${save.what}: ${reason(e)}`);
    return false;
  } finally {
    save.button.disabled = false;
    save.busy(false);
  }
}
