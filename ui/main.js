// The minimal incident list: renders the engine's view and follows its updates. The
// webview never polls a service and never sees a token; it only hears "view" events.
"use strict";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

function age(iso) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

let lastView = null;

// With several accounts: an account column, and a filter to show one of them.
function accountChoices(view) {
  const several = view.accounts.length > 1;
  document.getElementById("filters").hidden = !several;
  for (const th of document.querySelectorAll(".account-col")) th.hidden = !several;
  const select = document.getElementById("account-filter");
  const names = view.accounts.map((a) => a.account);
  const current = [...select.options].slice(1).map((o) => o.value);
  if (names.join("\n") !== current.join("\n")) {
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...names.map((name) => new Option(name, name)));
    select.value = names.includes(chosen) ? chosen : "";
  }
  return several;
}

function render(view) {
  lastView = view;
  const several = accountChoices(view);
  const only = document.getElementById("account-filter").value;
  const body = document.querySelector("#incidents tbody");
  const shown = view.incidents.filter(({ incident }) => !only || incident.key.account === only);
  body.replaceChildren(
    ...shown.map(({ incident, pending }) => {
      const tr = document.createElement("tr");
      tr.dataset.key = `${incident.key.account}/${incident.key.id}`;
      if (several) tr.append(cell(incident.key.account, "account"));
      tr.append(
        cell(incident.urgency, incident.urgency),
        cell(incident.number ?? ""),
        cell(incident.title),
        cell(incident.service ?? ""),
        cell(pending ? `${incident.status} (${pending.kind}…)` : incident.status),
        cell(age(incident.created_at)),
      );
      return tr;
    }),
  );
  document.getElementById("empty").hidden = shown.length > 0;
  const triggered = view.incidents.filter((i) => i.incident.status === "triggered").length;
  const acknowledged = view.incidents.filter((i) => i.incident.status === "acknowledged").length;
  document.getElementById("state").textContent =
    triggered + acknowledged === 0 ? "All clear" : `${triggered} triggered · ${acknowledged} acknowledged`;
  document.getElementById("accounts").textContent = view.accounts
    .map((a) => `${a.account}: ${a.connection.state.replace("_", " ")}`)
    .join(" · ");
}

document.getElementById("account-filter").addEventListener("change", () => {
  if (lastView) render(lastView);
});
listen("view", (event) => render(event.payload));
invoke("get_view").then((view) => view && render(view));
