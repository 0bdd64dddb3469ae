// Channels: the list with each one's last delivery, enable/disable, Test, delete, and the generated form.

import { ApiError, api, listKinds, query, session } from "./api.js";
import { badge, confirmDialog, h, heading, replace, table, toast } from "./dom.js";
import { clearErrors, configFields, field, formError, showErrors } from "./form.js";

export async function channelsScreen(main) {
  const page = await api("GET", "/v1/channels?limit=100");
  const editor = session.can("editor");
  const verdict = h("div", { class: "verdict", role: "status", "aria-live": "polite" });
  const rows = page.data.map((channel) => {
    const last = h("td", {}, "…");
    lastDelivery(channel.id, last);
    return h(
      "tr",
      { "data-channel": channel.id },
      h("td", {}, channel.name),
      h("td", {}, channel.kind),
      h("td", {}, channel.enabled ? "enabled" : "disabled"),
      h("td", {}, channel.configError ? `unreadable: ${channel.configError}` : channel.configSummary),
      last,
      h("td", { class: "actions" }, actions(channel, editor, verdict)),
    );
  });
  const create = editor ? h("a", { class: "button", href: "#/channels/new" }, "New channel") : null;
  replace(
    main,
    heading("Channels", create),
    verdict,
    table(["Name", "Kind", "Enabled", "Summary", "Last delivery", "Actions"], rows, "No channels yet."),
  );
}

async function lastDelivery(channelId, cell) {
  try {
    const latest = (await api("GET", `/v1/deliveries${query({ channelId, limit: 1 })}`)).data[0];
    replace(cell, latest ? h("a", { href: `#/deliveries/${latest.id}` }, badge(latest.status)) : "none yet");
  } catch {
    replace(cell, "?");
  }
}

function actions(channel, editor, verdict) {
  const log = h("a", { href: `#/deliveries?channelId=${encodeURIComponent(channel.id)}` }, "Log");
  if (!editor) return [log];
  const toggle = async () => {
    await api("PATCH", `/v1/channels/${channel.id}`, { enabled: !channel.enabled });
    toast(`${channel.name} is ${channel.enabled ? "disabled" : "enabled"}.`);
    await channelsScreen(document.getElementById("main"));
  };
  const test = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    replace(verdict, h("p", {}, `Testing ${channel.name}…`));
    try {
      const answer = await api("POST", `/v1/channels/${channel.id}/test`);
      replace(verdict, h("p", { class: "ok" }, `Test of ${channel.name}: sent. ${answer.detail || ""}`));
    } catch (error) {
      // 502: the provider refused, in its own words.
      const said = error instanceof ApiError && error.body && error.body.success === false ? error.body.error : error.message;
      replace(verdict, h("p", { class: "failed" }, `Test of ${channel.name} failed: ${said}`));
    } finally {
      button.disabled = false;
    }
  };
  const remove = async () => {
    if (!(await confirmDialog(`Delete the channel ${channel.name}? Rules that name it will log failed deliveries.`, "Delete"))) return;
    await api("DELETE", `/v1/channels/${channel.id}`);
    toast(`${channel.name} deleted.`);
    await channelsScreen(document.getElementById("main"));
  };
  return [
    h("a", { href: `#/channels/${channel.id}` }, "Edit"),
    h("button", { type: "button", class: "secondary", onclick: guarded(toggle) }, channel.enabled ? "Disable" : "Enable"),
    h("button", { type: "button", onclick: test }, "Test"),
    log,
    h("button", { type: "button", class: "danger", onclick: guarded(remove) }, "Delete"),
  ];
}

function guarded(action) {
  return (event) => action(event).catch((error) => toast(error.message, "error"));
}

export async function channelForm(main, context, id) {
  const kinds = await listKinds();
  const stored = id ? await api("GET", `/v1/channels/${id}`) : null;
  const name = h("input", { type: "text", value: stored ? stored.name : "", autocomplete: "off" });
  const enabled = h("input", { type: "checkbox", checked: stored ? stored.enabled : true });
  const kindSelect = h(
    "select",
    { disabled: Boolean(stored) },
    kinds.map((kind) => h("option", { value: kind.kind, selected: stored ? kind.kind === stored.kind : kind.kind === "webhook" }, kind.displayName)),
  );
  let config = configFields(kinds.find((kind) => kind.kind === kindSelect.value), stored ? stored.config || {} : undefined);
  kindSelect.addEventListener("change", () => {
    const fresh = configFields(kinds.find((kind) => kind.kind === kindSelect.value));
    config.replaceWith(fresh);
    config = fresh;
  });
  const save = h("button", { type: "submit" }, stored ? "Save" : "Create channel");
  const form = h(
    "form",
    { class: "channel-form", novalidate: true },
    field("kind", "Kind", kindSelect),
    field("name", "Name", name),
    field("enabled", "Enabled", enabled),
    config,
    formError(),
    h("div", { class: "actions" }, save, h("a", { href: "#/channels", class: "button secondary" }, "Cancel")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { config: values, problems } = config.value();
    if (problems.length) return showErrors(form, { message: "Some fields need another look.", details: problems });
    const body = { enabled: enabled.checked, config: values };
    if (name.value !== "" || stored) body.name = name.value;
    save.disabled = true;
    try {
      const saved = stored
        ? await api("PATCH", `/v1/channels/${stored.id}`, body)
        : await api("POST", "/v1/channels", { ...body, kind: kindSelect.value });
      toast(`${saved.name} saved.`);
      location.hash = "#/channels";
    } catch (error) {
      // Nothing typed is lost: the form stays as it is, with the API's words next to each field.
      if (!session.key()) return;
      showErrors(form, error);
    } finally {
      save.disabled = false;
    }
  });
  (stored ? name : kindSelect).setAttribute("autofocus", "");
  replace(main, heading(stored ? `Edit ${stored.name}` : "New channel"), form);
}
