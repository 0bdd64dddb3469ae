// Rules, time intervals, silences and open alerts: lists, with the actions the key's role allows.

import { api, session } from "./api.js";
import { badge, confirmDialog, h, heading, replace, table, toast, when } from "./dom.js";
import { clearErrors, field, formError, group, showErrors } from "./form.js";

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

// A create form whose errors land next to its fields; `build` turns the inputs into the body.
function createForm(title, fields, build, send) {
  const form = h("form", { class: "create", novalidate: true }, h("h2", {}, title), fields, formError(), h("button", { type: "submit" }, title));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await send(build());
    } catch (error) {
      if (session.key()) showErrors(form, error.details ? error : { message: error.message, details: [] });
    }
  });
  return form;
}

function removeButton(label, question, path, after) {
  return h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: async () => {
        if (!(await confirmDialog(question, label))) return;
        try {
          await api("DELETE", path);
          await after();
        } catch (error) {
          toast(error.message, "error");
        }
      },
    },
    label,
  );
}

export async function rulesScreen(main) {
  const [rules, channels] = await Promise.all([api("GET", "/v1/rules?limit=100"), api("GET", "/v1/channels?limit=100")]);
  const names = new Map(channels.data.map((channel) => [channel.id, channel.name]));
  const editor = session.can("editor");
  const again = () => rulesScreen(main);
  const rows = rules.data.map((rule) =>
    h(
      "tr",
      {},
      h("td", {}, rule.name),
      h("td", {}, rule.enabled ? "enabled" : "disabled"),
      h("td", {}, (rule.match.events || []).join(", ") || "every event"),
      h("td", {}, (rule.match.severities || []).join(", ") || "every severity"),
      h("td", {}, rule.channelIds.map((id) => names.get(id) || id).join(", ")),
      h("td", {}, editor ? removeButton("Delete", `Delete the rule ${rule.name}?`, `/v1/rules/${rule.id}`, again) : null),
    ),
  );
  const name = h("input", { type: "text" });
  const events = h("textarea", { rows: 2 });
  const picks = channels.data.map((channel) => h("input", { type: "checkbox", value: channel.id }));
  const chooser = group("channelIds", "Channels", channels.data.map((channel, i) => h("label", {}, picks[i], ` ${channel.name}`)));
  const form = editor
    ? createForm(
        "Create rule",
        [field("name", "Name", name), field("match.events", "Events (one per line; none = every event)", events), chooser],
        () => ({ name: name.value, match: { events: lines(events.value) }, channelIds: picks.filter((pick) => pick.checked).map((pick) => pick.value) }),
        async (body) => {
          await api("POST", "/v1/rules", body);
          toast(`Rule ${body.name} created.`);
          await again();
        },
      )
    : null;
  replace(main, heading("Rules"), table(["Name", "Enabled", "Events", "Severities", "Channels", ""], rows, "No rules yet."), form);
}

export async function intervalsScreen(main) {
  const intervals = await api("GET", "/v1/time-intervals?limit=100");
  const editor = session.can("editor");
  const again = () => intervalsScreen(main);
  const rows = intervals.data.map((interval) =>
    h(
      "tr",
      {},
      h("td", {}, interval.name),
      h("td", { class: "code" }, JSON.stringify(interval.timeIntervals)),
      h("td", {}, editor ? removeButton("Delete", `Delete the time interval ${interval.name}?`, `/v1/time-intervals/${interval.id}`, again) : null),
    ),
  );
  const name = h("input", { type: "text" });
  const entries = h("textarea", { rows: 4, class: "code", placeholder: '[{"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"}]' });
  const form = editor
    ? createForm(
        "Create time interval",
        [field("name", "Name", name), field("timeIntervals", "Entries (JSON, as in the API)", entries)],
        () => {
          let parsed;
          try {
            parsed = JSON.parse(entries.value || "[]");
          } catch {
            throw Object.assign(new Error("Entries are not valid JSON."), { details: [{ field: "timeIntervals", message: "Not valid JSON." }] });
          }
          return { name: name.value, timeIntervals: parsed };
        },
        async (body) => {
          await api("POST", "/v1/time-intervals", body);
          toast(`Time interval ${body.name} created.`);
          await again();
        },
      )
    : null;
  replace(main, heading("Time intervals"), table(["Name", "Entries", ""], rows, "No time intervals yet."), form);
}

export async function silencesScreen(main) {
  const silences = await api("GET", "/v1/silences?limit=100");
  const editor = session.can("editor");
  const again = () => silencesScreen(main);
  const matcherText = (m) => `${m.name} ${m.isEqual === false ? "!" : "="}${m.isRegex ? "~" : "="} ${m.value}`;
  const rows = silences.data.map((silence) =>
    h(
      "tr",
      {},
      h("td", {}, silence.matchers.map(matcherText).join(", ")),
      h("td", {}, badge(silence.state)),
      h("td", {}, when(silence.startsAt)),
      h("td", {}, when(silence.endsAt)),
      h("td", {}, silence.comment || ""),
      h("td", {}, silence.createdBy || ""),
      h("td", {}, editor && silence.state !== "expired" ? removeButton("Expire", "Expire this silence now?", `/v1/silences/${silence.id}`, again) : null),
    ),
  );
  const name = h("input", { type: "text", value: "monitor.id" });
  const value = h("input", { type: "text" });
  const regex = h("input", { type: "checkbox" });
  const hours = h("input", { type: "number", min: 1, value: 2 });
  const comment = h("input", { type: "text" });
  const form = editor
    ? createForm(
        "Create silence",
        [
          field("matchers.0.name", "Matcher name (type, severity, monitor.id, tags.<name>, …)", name),
          field("matchers.0.value", "Matcher value", value),
          field("matchers.0.isRegex", "Value is a regex", regex),
          field("endsAt", "Lasts (hours)", hours),
          field("comment", "Comment", comment),
        ],
        () => ({
          matchers: [{ name: name.value, value: value.value, isEqual: true, isRegex: regex.checked }],
          endsAt: new Date(Date.now() + Number(hours.value || 0) * 3600 * 1000).toISOString(),
          comment: comment.value || undefined,
        }),
        async (body) => {
          await api("POST", "/v1/silences", body);
          toast("Silence created.");
          await again();
        },
      )
    : null;
  replace(main, heading("Silences"), table(["Matchers", "State", "Starts", "Ends", "Comment", "Created by", ""], rows, "No silences."), form);
}

export async function alertsScreen(main) {
  const alerts = await api("GET", "/v1/alerts?state=firing&limit=100");
  const editor = session.can("editor");
  const acknowledge = (alert) => async (event) => {
    event.currentTarget.disabled = true;
    try {
      await api("POST", `/v1/alerts/${encodeURIComponent(alert.dedupKey)}/ack`);
      toast(`${alert.title || alert.dedupKey} acknowledged.`);
      await alertsScreen(main);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const rows = alerts.data.map((alert) =>
    h(
      "tr",
      {},
      h("td", {}, alert.title || ""),
      h("td", {}, alert.dedupKey),
      h("td", {}, alert.severity || ""),
      h("td", {}, when(alert.startedAt)),
      h("td", {}, alert.acknowledged ? `acknowledged ${when(alert.ackedAt)} by ${(alert.ackedBy && alert.ackedBy.keyName) || "?"}` : "open"),
      h("td", {}, editor && !alert.acknowledged ? h("button", { type: "button", onclick: acknowledge(alert) }, "Acknowledge") : null),
    ),
  );
  replace(main, heading("Open alerts"), table(["Title", "Dedup key", "Severity", "Started", "State", ""], rows, "No open alerts."));
}
