// The detail pane's confirmation: says exactly what will be sent, and only its Confirm
// sends it. Focus goes to the question, not to Confirm, so the Enter that picked an
// option cannot confirm too when pressed twice.

import { byId } from "../dom";

export class Confirmation {
  private readonly dialog = byId("confirm");
  private readonly title = byId("confirm-title");
  private readonly text = byId("confirm-text");
  private readonly ok = byId<HTMLButtonElement>("confirm-ok");
  private readonly cancelButton = byId<HTMLButtonElement>("confirm-cancel");
  private onConfirm: (() => void) | null = null;
  private returnTo: HTMLElement | null = null;

  constructor() {
    this.ok.addEventListener("click", () => {
      const confirmed = this.onConfirm;
      if (!confirmed) return;
      this.close(false);
      confirmed();
    });
    this.cancelButton.addEventListener("click", () => this.cancel());
    this.dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.cancel();
      }
    });
  }

  get isOpen(): boolean {
    return this.onConfirm !== null;
  }

  /** Asks `text`; `confirmed` runs on Confirm only. Focus returns to `returnTo` on Cancel. */
  ask(title: string, text: string, confirmed: () => void, returnTo: HTMLElement | null): void {
    this.onConfirm = confirmed;
    this.returnTo = returnTo;
    this.title.textContent = title;
    this.text.textContent = text;
    this.dialog.hidden = false;
    this.dialog.focus();
  }

  cancel(): void {
    this.close(true);
  }

  private close(refocus: boolean): void {
    this.onConfirm = null;
    this.dialog.hidden = true;
    const back = this.returnTo;
    this.returnTo = null;
    if (refocus && back && !back.closest("[hidden]")) back.focus();
  }
}
