// Small DOM helpers. Nothing here sets inline styles: the CSP allows none, so looks
// change through classes and the `hidden` attribute only.

/** The element with `id`, of the expected type; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, root: Document = document): T {
  const found = root.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found as T;
}

/** An element with text and attributes (`data-*` included); `class` sets the class. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function button(text: string, attributes: Record<string, string> = {}): HTMLButtonElement {
  return el("button", { type: "button", ...attributes }, text);
}

/** Whether typing into `target` means text (so single-letter shortcuts must not fire). */
export function isTextEntry(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLElement && target.isContentEditable) return true;
  return (
    target instanceof HTMLInputElement &&
    !["checkbox", "radio", "button", "submit", "reset"].includes(target.type)
  );
}

/** Shows `text` in `#message` (the page's one alert) with a Dismiss button. */
export function showMessage(text: string): void {
  const message = byId("message");
  const dismiss = button("Dismiss", { "aria-label": "Dismiss this message" });
  dismiss.addEventListener("click", () => {
    message.hidden = true;
  });
  message.replaceChildren(document.createTextNode(text), " ", dismiss);
  message.hidden = false;
}

export type ShowMessage = (text: string) => void;
