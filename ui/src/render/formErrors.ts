// Inline error messages in a form: each `[data-error-for="FIELD"]` element shows the
// messages for FIELD, and the controls that name it in `aria-describedby` are marked
// invalid. `[data-error-for=""]` is the form's own slot.

import { placeErrors } from "../settingsForm";
import type { FieldError } from "../types";

/** The form's error slots that can be seen now (not those of hidden fields). */
function slots(form: HTMLFormElement): HTMLElement[] {
  return [...form.querySelectorAll<HTMLElement>("[data-error-for]")].filter(
    (slot) => !slot.parentElement?.closest("[hidden]"),
  );
}

/** The controls a slot describes: those naming it in `aria-describedby` (a fieldset's inputs). */
function controlsOf(form: HTMLFormElement, slot: HTMLElement): HTMLElement[] {
  if (!slot.id) return [];
  const described = [...form.querySelectorAll<HTMLElement>(`[aria-describedby~="${CSS.escape(slot.id)}"]`)];
  return described.flatMap((d) =>
    d instanceof HTMLFieldSetElement ? [...d.querySelectorAll<HTMLElement>("input, select, textarea")] : [d],
  );
}

export function clearErrors(form: HTMLFormElement): void {
  for (const slot of form.querySelectorAll<HTMLElement>("[data-error-for]")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/**
 * Shows `errors` (and `message`, the form as a whole, if not already among them) and
 * returns the element to move focus to: the first invalid control, else the form's slot.
 */
export function showErrors(form: HTMLFormElement, errors: readonly FieldError[], message = ""): HTMLElement | null {
  clearErrors(form);
  const visible = slots(form);
  const bySlot = new Map(visible.map((slot) => [slot.dataset.errorFor ?? "", slot]));
  const all = [...errors];
  if (message && !errors.some((e) => e.message === message)) all.unshift({ field: "", message });
  const placed = placeErrors(all, new Set(bySlot.keys()));
  let first: HTMLElement | null = null;
  for (const slot of visible) {
    const messages = placed.get(slot.dataset.errorFor ?? "");
    if (!messages) continue;
    slot.textContent = messages.join(" ");
    slot.hidden = false;
    for (const control of controlsOf(form, slot)) {
      control.setAttribute("aria-invalid", "true");
      first ??= control;
    }
  }
  return first ?? bySlot.get("") ?? null;
}
