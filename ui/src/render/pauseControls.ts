// Pausing notifications: the header's line (with a Resume button) and the Pause buttons
// in Settings. The pause itself comes with every view.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, type ShowMessage } from "../dom";
import type { Pause } from "../types";
import { pauseWords } from "../words";

export class PauseControls {
  private pause: Pause | null = null;

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
  ) {
    for (const button of document.querySelectorAll<HTMLButtonElement>("#pause-controls [data-pause]")) {
      const value = button.dataset.pause;
      const minutes = value === "until_resumed" ? null : Number(value);
      button.addEventListener("click", () => void this.call(() => this.api.pause(minutes), "pause"));
    }
    for (const id of ["resume", "resume-now"]) {
      byId(id).addEventListener("click", () => void this.call(() => this.api.resume(), "resume"));
    }
  }

  update(pause: Pause | null, now: number): void {
    this.pause = pause;
    const words = pauseWords(pause, now);
    byId("pause-text").textContent = words;
    byId("pause-state").hidden = words === "";
    byId<HTMLButtonElement>("resume").disabled = words === "";
  }

  /** A timed pause ends with the clock. */
  tick(now: number): void {
    this.update(this.pause, now);
  }

  private async call(what: () => Promise<void>, verb: string): Promise<void> {
    try {
      await what();
    } catch (e) {
      this.showMessage(`Could not ${verb} notifications: ${reason(e)}`);
    }
  }
}
