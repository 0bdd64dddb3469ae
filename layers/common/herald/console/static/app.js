// The console's shell: sign in, the sections this key's role may use, and the screen the URL's #fragment names.

import { ApiError, session } from "./api.js";
import { channelForm, channelsScreen } from "./channels.js";
import { deliveriesScreen, deliveryScreen } from "./deliveries.js";
import { h, replace, toast, clearToast } from "./dom.js";
import { field, formError } from "./form.js";
import { keysScreen } from "./keys.js";
import { alertsScreen, intervalsScreen, rulesScreen, silencesScreen } from "./routing.js";
import { settingsScreen } from "./settings.js";

const SECTIONS = [
  { path: "channels", label: "Channels", role: "viewer", screen: channelsScreen },
  { path: "deliveries", label: "Delivery log", role: "viewer", screen: deliveriesScreen },
  { path: "rules", label: "Rules", role: "viewer", screen: rulesScreen },
  { path: "time-intervals", label: "Time intervals", role: "viewer", screen: intervalsScreen },
  { path: "silences", label: "Silences", role: "viewer", screen: silencesScreen },
  { path: "alerts", label: "Alerts", role: "viewer", screen: alertsScreen },
  { path: "api-keys", label: "API keys", role: "admin", screen: keysScreen },
  { path: "settings", label: "Provider settings", role: "admin", screen: settingsScreen },
];

const main = document.getElementById("main");
let generation = 0;

// #/channels, #/channels/new, #/channels/<id>, #/deliveries?channelId=..., #/deliveries/<id>
function route() {
  const [path, search] = location.hash.replace(/^#\/?/, "").split("?");
  const [section, id] = path.split("/");
  return { section: section || "channels", id, params: new URLSearchParams(search || "") };
}

function screenFor({ section, id }) {
  if (section === "channels" && id) return session.can("editor") ? (target, context) => channelForm(target, context, id === "new" ? null : id) : null;
  if (section === "deliveries" && id) return (target, context) => deliveryScreen(target, context, id);
  const found = SECTIONS.find((candidate) => candidate.path === section && session.can(candidate.role));
  return found ? found.screen : null;
}

function renderNav(current) {
  const who = session.who();
  const links = SECTIONS.filter((section) => session.can(section.role)).map((section) =>
    h("a", { href: `#/${section.path}`, "aria-current": section.path === current ? "page" : null }, section.label),
  );
  replace(document.getElementById("nav"), links);
  const signOut = h("button", { type: "button", class: "secondary", onclick: () => session.signOut("Signed out.") }, "Sign out");
  replace(document.getElementById("who"), h("span", {}, `${who.keyName} · ${who.tenantId} · ${who.role}`), signOut);
}

async function render() {
  if (!session.key()) return renderSignIn();
  const current = route();
  renderNav(current.section);
  const screen = screenFor(current);
  if (!screen) return replace(main, h("h1", {}, "Not here"), h("p", {}, "This key's role cannot open that page."));
  // Screens render into a page of their own, shown only if no later navigation replaced it meanwhile.
  const mine = ++generation;
  const page = h("div", { class: "screen" });
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    await screen(page, { params: current.params });
  } catch (error) {
    replace(page, h("h1", {}, "Something went wrong"), h("p", { class: "form-error" }, error instanceof ApiError ? error.message : String(error)));
  }
  if (mine !== generation || !session.key()) return;
  replace(main, page);
  const first = page.querySelector("[autofocus]");
  if (first) first.focus();
}

function renderSignIn(message) {
  generation++;
  replace(document.getElementById("nav"));
  replace(document.getElementById("who"));
  const key = h("input", { type: "password", autocomplete: "off", spellcheck: "false", name: "key" });
  const form = h(
    "form",
    { class: "signin", novalidate: true },
    h("h1", {}, "Sign in to Herald"),
    h("p", {}, "Paste an API key (hrld_…). It stays in this browser tab only and is sent to Herald as x-api-key."),
    field("key", "API key", key),
    formError(),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = form.querySelector(".form-error");
    try {
      await session.signIn(key.value.trim());
    } catch (error) {
      replace(problem, error.status === 401 ? "Herald does not know this key." : error.message);
      problem.hidden = false;
      key.focus();
      return;
    }
    clearToast();
    if (!location.hash) location.hash = "#/channels";
    render();
  });
  replace(main, form);
  if (message) toast(message, "warning");
  key.focus();
}

session.onSignOut((reason) => renderSignIn(reason));
window.addEventListener("hashchange", render);
render();
