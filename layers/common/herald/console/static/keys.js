// API keys (admin): a new key is shown once, with a copy button; revoking this console's own key signs out.

import { api, session } from "./api.js";
import { confirmDialog, h, heading, replace, table, toast, when } from "./dom.js";
import { clearErrors, field, formError, showErrors } from "./form.js";

const ROLES = ["viewer", "editor", "admin"];

export async function keysScreen(main) {
  const keys = (await api("GET", "/v1/api-keys?limit=100")).data;
  const me = session.who().keyId;
  const created = h("div", { class: "created-key", role: "status", "aria-live": "polite" });
  const name = h("input", { type: "text", autocomplete: "off" });
  const role = h("select", {}, ROLES.map((one) => h("option", { value: one }, one)));
  const form = h(
    "form",
    { class: "inline", novalidate: true },
    field("name", "Name", name),
    field("role", "Role", role),
    formError(),
    h("button", { type: "submit" }, "Create key"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      const key = await api("POST", "/v1/api-keys", { name: name.value, role: role.value });
      await keysScreen(main);
      showOnce(main.querySelector(".created-key"), key);
    } catch (error) {
      if (session.key()) showErrors(form, error);
    }
  });
  const revoke = (key) => async () => {
    const own = key.id === me;
    const warning = own ? " This is the key this console is signed in with: it signs you out." : "";
    if (!(await confirmDialog(`Revoke the key ${key.name} (${key.prefix}…)?${warning}`, "Revoke"))) return;
    try {
      await api("DELETE", `/v1/api-keys/${key.id}`);
    } catch (error) {
      return toast(error.message, "error");
    }
    if (own) return session.signOut("This console's API key was revoked. Sign in with another key.");
    toast(`Key ${key.name} revoked.`);
    await keysScreen(main);
  };
  const rows = keys.map((key) =>
    h(
      "tr",
      { "data-key": key.id },
      h("td", {}, key.name, key.id === me ? h("span", { class: "badge none" }, "this console") : null),
      h("td", {}, key.role),
      h("td", {}, `${key.prefix}…`),
      h("td", {}, when(key.createdAt)),
      h("td", {}, when(key.lastUsedAt)),
      h("td", {}, h("button", { type: "button", class: "danger", onclick: revoke(key) }, "Revoke")),
    ),
  );
  replace(main, heading("API keys"), created, form, table(["Name", "Role", "Prefix", "Created", "Last used", ""], rows, "No keys."));
}

function showOnce(region, key) {
  const value = h("input", { type: "text", readonly: true, value: key.key, class: "code", "aria-label": "The new key" });
  const copy = h("button", { type: "button" }, "Copy");
  copy.addEventListener("click", async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(key.key);
      replace(copy, "Copied");
    } catch {
      replace(copy, "Press Ctrl+C to copy");
    }
  });
  replace(region, h("p", {}, `Key ${key.name} (${key.role}) created. It is shown this once: copy it now.`), h("div", { class: "inline" }, value, copy));
  value.focus();
  value.select();
}
