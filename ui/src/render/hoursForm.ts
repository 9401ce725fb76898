// "Your hours" (`form#hours-form`): working hours and days, and sleep hours, which the
// on-call report counts pages against. Once the user changes a value, updates from
// elsewhere no longer overwrite the form until it is saved.

import type { Api } from "../api";
import { byId, type ShowMessage } from "../dom";
import { checkHours, hoursDraft, hoursValues, WORKING_DAYS, type HoursFormValues } from "../settingsForm";
import type { ReportHours, Settings, WorkingDay } from "../types";
import { saveForm } from "./formSave";

export class HoursForm {
  readonly form = byId<HTMLFormElement>("hours-form");
  private readonly saved = byId("hours-saved");
  /** The user changed something not saved yet. */
  private dirty = false;
  private saving = false;

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
    private readonly onSaved: (settings: Settings) => void,
  ) {
    this.form.addEventListener("input", () => {
      this.dirty = true;
      this.saved.textContent = "";
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
  }

  get isEdited(): boolean {
    return this.dirty;
  }

  /** Shows `hours` unless the user is editing the form. */
  update(hours: ReportHours): void {
    if (this.dirty) return;
    const values = hoursValues(hours);
    this.field("working_hours.start").value = values.working_start;
    this.field("working_hours.end").value = values.working_end;
    for (const box of this.days()) box.checked = values.working_days.includes(box.value as WorkingDay);
    this.field("sleep_hours.start").value = values.sleep_start;
    this.field("sleep_hours.end").value = values.sleep_end;
  }

  private field(name: string): HTMLInputElement {
    const found = this.form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
    if (!found) throw new Error(`#hours-form has no ${name}`);
    return found;
  }

  private days(): HTMLInputElement[] {
    return [...this.form.querySelectorAll<HTMLInputElement>('input[name="working_days"]')];
  }

  private values(): HoursFormValues {
    const checked = this.days()
      .filter((box) => box.checked)
      .map((box) => box.value);
    return {
      working_start: this.field("working_hours.start").value,
      working_end: this.field("working_hours.end").value,
      working_days: WORKING_DAYS.filter((day) => checked.includes(day)),
      sleep_start: this.field("sleep_hours.start").value,
      sleep_end: this.field("sleep_hours.end").value,
    };
  }

  private async save(): Promise<void> {
    if (this.saving) return;
    const values = this.values();
    const saved = await saveForm({
      form: this.form,
      button: byId<HTMLButtonElement>("hours-save"),
      saved: this.saved,
      problems: checkHours(values),
      send: () => this.api.saveReport(hoursDraft(values)),
      onSaved: this.onSaved,
      showMessage: this.showMessage,
      what: "your hours",
      busy: (busy) => {
        this.saving = busy;
      },
    });
    if (saved) this.dirty = false;
  }
}
