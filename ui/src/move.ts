// "Move to Jira Service Management…", apart from the DOM: what the move form starts
// with, what it says, and the obvious mistakes caught before the tray app is asked
// (which checks everything again, and the token with JSM). Pure.

import type { AccountSettings, FieldError, MoveToJsm } from "./types";

/** The move form's values as the inputs hold them; the token is never among them. */
export interface MoveFormValues {
  site: string;
  email: string;
  api_url: string;
}

/** Opsgenie's last day, as the tray app's notice says it too. */
export const OPSGENIE_END_WORDS = "5 April 2027";

/** Whether `account` is one that can be moved (an Opsgenie account). */
export function canMove(account: Pick<AccountSettings, "provider">): boolean {
  return account.provider === "opsgenie";
}

/** A fresh move of `account`: the email is its Opsgenie user when that is an email
 * address (Opsgenie's login names are, and most people use the same one at Atlassian). */
export function moveValues(account: Pick<AccountSettings, "on_call_user">): MoveFormValues {
  const user = account.on_call_user?.trim() ?? "";
  return { site: "", email: user.includes("@") ? user : "", api_url: "" };
}

/** What the move keeps and when Opsgenie ends, in one paragraph above the fields. */
export function moveWords(account: string): string {
  return (
    `${account} becomes a Jira Service Management account. It keeps its name, its search, ` +
    `its settings and what already rang: nothing rings twice. Opsgenie stops working on ` +
    `${OPSGENIE_END_WORDS}; its key is deleted from the keychain once the move is done.`
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The obvious mistakes, each naming what is wanted. `tokenGiven`: the token field is not empty. */
export function checkMove(values: MoveFormValues, tokenGiven: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (values.site.trim() === "") {
    errors.push({ field: "site", message: "Enter your Jira site, such as acme for acme.atlassian.net." });
  }
  if (!EMAIL.test(values.email.trim())) {
    errors.push({ field: "email", message: "Enter the email you log in to Atlassian with, such as pat@example.com." });
  }
  const url = values.api_url.trim();
  if (url !== "" && !/^https?:\/\/[^\s/]+/i.test(url)) {
    errors.push({ field: "api_url", message: "Enter an address starting with https://, or leave it empty." });
  }
  if (!tokenGiven) {
    errors.push({ field: "token", message: "Paste your Atlassian API token." });
  }
  return errors;
}

/** What is sent, apart from the token: trimmed, an empty API URL as Atlassian's. */
export function moveDraft(values: MoveFormValues): MoveToJsm {
  const url = values.api_url.trim();
  return { site: values.site.trim(), email: values.email.trim(), api: url === "" ? null : url };
}
