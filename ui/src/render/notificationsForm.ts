// The notification policy form (`form#notifications-form`), with its sounds and their
// "Test alarm" buttons. Once the user changes a value, updates from elsewhere no longer
// overwrite the form until it is saved.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, type ShowMessage } from "../dom";
import {
  checkNotifications,
  notificationDraft,
  notificationValues,
  type NotificationFormValues,
} from "../settingsForm";
import type { NotificationSettings, Settings, Urgency } from "../types";
import { saveForm } from "./formSave";

export class NotificationsForm {
  readonly form = byId<HTMLFormElement>("notifications-form");
  private readonly saved = byId("notifications-saved");
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
      this.enableTimes();
    });
    this.form.addEventListener("change", () => this.enableTimes());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.save();
    });
    byId("test-alarm-high").addEventListener("click", () => void this.testAlarm("high"));
    byId("test-alarm-low").addEventListener("click", () => void this.testAlarm("low"));
  }

  /** Plays the saved sound of `urgency` and says what played, or why nothing did. */
  private async testAlarm(urgency: Urgency): Promise<void> {
    const result = byId("test-alarm-result");
    result.textContent = "";
    delete result.dataset.result;
    try {
      const tested = await this.api.testAlarm(urgency);
      result.textContent = this.dirty ? `${tested.message} (The saved sound: save to test your changes.)` : tested.message;
      result.dataset.result = tested.ok ? "ok" : "error";
    } catch (e) {
      result.textContent = `Could not test the alarm: ${reason(e)}`;
      result.dataset.result = "error";
    }
  }

  get isEdited(): boolean {
    return this.dirty;
  }

  /** Shows `settings` unless the user is editing the form. */
  update(settings: NotificationSettings): void {
    if (this.dirty) return;
    const values = notificationValues(settings);
    this.radio("notify_for", values.notify_for);
    this.radio("low_urgency", values.low_urgency);
    this.field("repeat_high_urgency_minutes").value = values.repeat_high_urgency_minutes;
    this.field("storm_threshold").value = values.storm_threshold;
    this.field("quiet_hours").checked = values.quiet_hours;
    this.field("quiet_hours.start").value = values.quiet_start;
    this.field("quiet_hours.end").value = values.quiet_end;
    this.field("sound_high").value = values.sound_high;
    this.field("sound_low").value = values.sound_low;
    this.field("alarm_repeat_seconds").value = values.alarm_repeat_seconds;
    this.field("alarm_volume").value = values.alarm_volume;
    this.enableTimes();
  }

  private field(name: string): HTMLInputElement {
    const found = this.form.querySelector<HTMLInputElement>(`input[name="${name}"]`);
    if (!found) throw new Error(`#notifications-form has no ${name}`);
    return found;
  }

  private radio(name: string, value: string): void {
    for (const input of this.form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)) {
      input.checked = input.value === value;
    }
  }

  private checked(name: string): string {
    return this.form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? "";
  }

  private enableTimes(): void {
    const on = this.field("quiet_hours").checked;
    this.field("quiet_hours.start").disabled = !on;
    this.field("quiet_hours.end").disabled = !on;
  }

  private values(): NotificationFormValues {
    return {
      notify_for: this.checked("notify_for") === "all" ? "all" : "mine",
      low_urgency: this.checked("low_urgency") === "never" ? "never" : "once",
      repeat_high_urgency_minutes: this.field("repeat_high_urgency_minutes").value,
      storm_threshold: this.field("storm_threshold").value,
      quiet_hours: this.field("quiet_hours").checked,
      quiet_start: this.field("quiet_hours.start").value,
      quiet_end: this.field("quiet_hours.end").value,
      sound_high: this.field("sound_high").value,
      sound_low: this.field("sound_low").value,
      alarm_repeat_seconds: this.field("alarm_repeat_seconds").value,
      alarm_volume: this.field("alarm_volume").value,
    };
  }

  private async save(): Promise<void> {
    if (this.saving) return;
    const values = this.values();
    const saved = await saveForm({
      form: this.form,
      button: byId<HTMLButtonElement>("notifications-save"),
      saved: this.saved,
      problems: checkNotifications(values),
      send: () => this.api.saveNotifications(notificationDraft(values)),
      onSaved: this.onSaved,
      showMessage: this.showMessage,
      what: "the notification settings",
      busy: (busy) => {
        this.saving = busy;
      },
    });
    if (saved) this.dirty = false;
  }
}
