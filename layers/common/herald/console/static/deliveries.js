// The delivery log: filtered by channel, status and time (all answered by the API's own indexes),
// one delivery's attempts as a timeline, and Redrive for a failed or unknown one.

import { api, query, session } from "./api.js";
import { badge, h, heading, replace, table, toast, when } from "./dom.js";
import { field } from "./form.js";

const STATUSES = ["queued", "retrying", "delivered", "failed", "unknown", "suppressed"];
const REDRIVABLE = new Set(["failed", "unknown"]);

export async function deliveriesScreen(main, context) {
  const channels = (await api("GET", "/v1/channels?limit=100")).data;
  const names = new Map(channels.map((channel) => [channel.id, channel.name]));
  const channel = h(
    "select",
    { name: "channelId" },
    h("option", { value: "" }, "every channel"),
    channels.map((one) => h("option", { value: one.id, selected: one.id === context.params.get("channelId") }, `${one.name} (${one.kind})`)),
  );
  const status = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, "every status"),
    STATUSES.map((one) => h("option", { value: one, selected: one === context.params.get("status") }, one)),
  );
  const since = h("input", { type: "datetime-local", name: "since" });
  const until = h("input", { type: "datetime-local", name: "until" });
  const results = h("div", { class: "results" });
  const form = h(
    "form",
    { class: "filters", novalidate: true },
    field("channelId", "Channel", channel),
    field("status", "Status", status),
    field("since", "From (your time)", since),
    field("until", "Before (your time)", until),
    h("button", { type: "submit" }, "Filter"),
  );
  let rows = [];
  let token = null;
  let filters = {}; // those of the first page: "Load older" continues that listing, not what is typed since
  // datetime-local holds the browser's local time without an offset; the API wants one, so send UTC.
  const instant = (input) => (input.value ? new Date(input.value).toISOString() : null);
  const load = async (more) => {
    if (!more) filters = { channelId: channel.value, status: status.value, since: instant(since), until: instant(until) };
    const page = await api("GET", `/v1/deliveries${query({ ...filters, limit: 50, nextToken: more ? token : null })}`);
    token = page.nextToken;
    rows = more ? rows.concat(page.data) : page.data;
    show();
  };
  const show = () => {
    const more = token ? h("button", { type: "button", class: "secondary", onclick: () => load(true) }, "Load older") : null;
    replace(
      results,
      table(
        ["Time", "Channel", "Kind", "Event", "Status", "Attempts", "Error"],
        rows.map((delivery) =>
          h(
            "tr",
            { "data-delivery": delivery.id },
            h("td", {}, h("a", { href: `#/deliveries/${delivery.id}` }, when(delivery.createdAt))),
            h("td", {}, names.get(delivery.channelId) || delivery.channelId || "—"),
            h("td", {}, delivery.kind),
            h("td", {}, delivery.event),
            h("td", {}, badge(delivery.status)),
            h("td", {}, String((delivery.attempts || []).length)),
            h("td", {}, [delivery.code, delivery.error].filter(Boolean).join(": ")),
          ),
        ),
        "No deliveries match.",
      ),
      more,
    );
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(false).catch((error) => toast(error.message, "error"));
  });
  replace(main, heading("Delivery log"), form, results);
  await load(false);
}

export async function deliveryScreen(main, context, id) {
  const delivery = await api("GET", `/v1/deliveries/${encodeURIComponent(id)}`);
  const redrive = async (event) => {
    event.currentTarget.disabled = true;
    try {
      await api("POST", `/v1/deliveries/${delivery.id}/redrive`);
      toast("Redriven: queued again with the whole retry schedule.");
      await deliveryScreen(main, context, id);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  const canRedrive = REDRIVABLE.has(delivery.status) && session.can("editor");
  const facts = [
    ["Status", badge(delivery.status)],
    ["Code", delivery.code || "—"],
    ["Error", delivery.error || "—"],
    ["Channel", delivery.channelId ? h("a", { href: `#/deliveries?channelId=${encodeURIComponent(delivery.channelId)}` }, delivery.channelId) : "—"],
    ["Kind", delivery.kind],
    ["Event", delivery.event],
    ["Provider message id", delivery.providerMessageId || "—"],
    ["Created", when(delivery.createdAt)],
    ["Updated", when(delivery.updatedAt)],
  ];
  replace(
    main,
    heading(`Delivery ${delivery.id}`, canRedrive ? h("button", { type: "button", onclick: redrive }, "Redrive") : null),
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("h2", {}, "Attempts"),
    (delivery.attempts || []).length
      ? h(
          "ol",
          { class: "timeline" },
          delivery.attempts.map((attempt) =>
            h(
              "li",
              { class: `attempt ${attempt.status}` },
              h("span", { class: "when" }, when(attempt.time)),
              h("span", { class: "what" }, typeof attempt.attempt === "number" ? `Attempt ${attempt.attempt}: ` : "", badge(attempt.status)),
              attempt.httpStatus ? h("span", { class: "http" }, `HTTP ${attempt.httpStatus}`) : null,
              attempt.latencyMs !== undefined && attempt.latencyMs !== null ? h("span", { class: "latency" }, `${attempt.latencyMs} ms`) : null,
              attempt.error ? h("span", { class: "error" }, attempt.error) : null,
              attempt.templateError ? h("span", { class: "error" }, `template: ${attempt.templateError}`) : null,
            ),
          ),
        )
      : h("p", { class: "empty" }, "No attempts yet."),
    h("p", {}, h("a", { href: "#/deliveries" }, "Back to the log")),
  );
}
