// Forms: fields with an error slot each, the API's 422 details placed next to the field they name, and the
// config fields of any kind generated from its JSON Schema (GET /v1/kinds), so a new kind needs nothing here.

import { h, replace } from "./dom.js";

export const MASK = "••••••••";
let counter = 0;

// One labelled control with room for its error; `path` is the API's name for it (`name`, `config.url`).
export function field(path, label, control, { hint, required } = {}) {
  const id = `f${++counter}`;
  control.id = id;
  const caption = h("label", { for: id }, label, required ? h("span", { class: "required" }, " (required)") : null);
  return withError(h("div", { class: "field", "data-field": path }, caption, control, hint ? h("p", { class: "hint" }, hint) : null), control);
}

// Several controls (checkboxes) under one API name, e.g. a rule's `channelIds`.
export function group(path, legend, controls) {
  const wrapper = h("fieldset", { class: "choices", "data-field": path }, h("legend", {}, legend), controls);
  return withError(wrapper, wrapper);
}

function withError(wrapper, control) {
  const error = h("p", { class: "field-error", id: `f${++counter}-error`, hidden: true });
  control.setAttribute("aria-describedby", error.id);
  wrapper.append(error);
  wrapper.showError = (message) => {
    replace(error, message);
    error.hidden = false;
    control.setAttribute("aria-invalid", "true");
  };
  wrapper.clearError = () => {
    error.hidden = true;
    error.replaceChildren();
    control.removeAttribute("aria-invalid");
  };
  return wrapper;
}

// Puts each detail next to the field it names (the longest field path that starts it); the rest, and the
// error itself when no detail found a field, go to the form's own message. The values typed stay as they are.
export function showErrors(form, error) {
  const fields = [...form.querySelectorAll("[data-field]")];
  fields.forEach((wrapper) => wrapper.clearError());
  const unplaced = [];
  for (const detail of error.details || []) {
    const target = fields
      .filter((wrapper) => detail.field === wrapper.dataset.field || detail.field.startsWith(`${wrapper.dataset.field}.`))
      .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0];
    if (target) target.showError(detail.message);
    else unplaced.push(`${detail.field}: ${detail.message}`);
  }
  const summary = form.querySelector(".form-error");
  const placed = (error.details || []).length > unplaced.length;
  replace(summary, placed ? "Some fields need another look." : error.message, unplaced.map((line) => h("span", { class: "line" }, line)));
  summary.hidden = false;
  const first = form.querySelector("[aria-invalid=true]");
  if (first) first.focus();
  else summary.focus();
}

export function clearErrors(form) {
  form.querySelectorAll("[data-field]").forEach((wrapper) => wrapper.clearError());
  const summary = form.querySelector(".form-error");
  summary.hidden = true;
  summary.replaceChildren();
}

export function formError() {
  return h("p", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
}

// A property's own schema: pydantic writes an optional field as anyOf [X, null].
function plain(schema) {
  const options = (schema.anyOf || []).filter((option) => option.type !== "null");
  if (options.length === 1) return { ...schema, ...options[0] };
  if (options.length > 1 && options.every((option) => ["string", "integer", "number"].includes(option.type))) return { ...schema, type: "string" };
  return options.length ? { ...schema, type: "json" } : schema;
}

function widget(schema, secret) {
  if (schema.enum) return "enum";
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "array" && schema.items && ["string", "integer"].includes(plain(schema.items).type)) return "lines";
  if (schema.type === "string") return secret ? "secret" : "text";
  return "json";
}

function control(kind, schema, value) {
  const shown = value === undefined || value === null ? schema.default : value;
  switch (kind) {
    case "enum":
      return h(
        "select",
        {},
        h("option", { value: "" }, "—"),
        schema.enum.map((option) => h("option", { value: String(option), selected: String(option) === String(shown ?? "") }, String(option))),
      );
    case "boolean":
      return h("input", { type: "checkbox", checked: Boolean(shown) });
    case "number":
      return h("input", { type: "number", value: shown ?? "", min: schema.minimum, max: schema.maximum, step: schema.type === "integer" ? 1 : "any" });
    case "lines":
      return h("textarea", { rows: 3, value: (shown || []).join("\n") });
    case "secret":
      // A stored secret comes back as ••••••••; sent back unchanged, the API keeps what it has.
      return h("input", { type: "password", autocomplete: "new-password", value: shown ?? "", placeholder: value === undefined ? "" : MASK });
    case "text":
      return h("input", { type: "text", value: shown ?? "", placeholder: (schema.examples || [])[0] ?? "", autocomplete: "off" });
    default:
      return h("textarea", { rows: 3, value: shown === undefined || shown === null ? "" : JSON.stringify(shown, null, 2), class: "code" });
  }
}

function read(kind, element, schema) {
  switch (kind) {
    case "boolean":
      return element.checked;
    case "number":
      return element.value === "" ? undefined : Number(element.value);
    case "lines": {
      const lines = element.value.split("\n").map((line) => line.trim()).filter(Boolean);
      if (!lines.length) return undefined;
      return plain(schema.items).type === "integer" ? lines.map(Number) : lines;
    }
    case "json":
      if (element.value.trim() === "") return undefined;
      try {
        return JSON.parse(element.value);
      } catch {
        throw new Error("Not valid JSON.");
      }
    default:
      return element.value === "" ? undefined : element.value;
  }
}

// The config fields of one kind. `current` is the stored (redacted) config when editing, else undefined.
export function configFields(kind, current) {
  const schema = kind.configSchema;
  const required = new Set(schema.required || []);
  const entries = Object.entries(schema.properties || {}).map(([name, property]) => {
    const own = plain(property);
    const type = widget(own, kind.secretFields.includes(name));
    const input = control(type, own, current ? current[name] : undefined);
    const label = property.description || property.title || name;
    const hint = type === "lines" ? "One per line." : type === "json" ? "JSON." : undefined;
    return { name, type, input, own, wrapper: field(`config.${name}`, label, input, { hint, required: required.has(name) }) };
  });
  const fieldset = h("fieldset", { class: "config" }, h("legend", {}, `${kind.displayName} settings`), entries.map((entry) => entry.wrapper));
  // The config to send: a field left empty is left out when creating, and removed (null) when editing.
  fieldset.value = () => {
    const config = {};
    const problems = [];
    for (const entry of entries) {
      try {
        const value = read(entry.type, entry.input, entry.own);
        if (value !== undefined) config[entry.name] = value;
        else if (current && current[entry.name] !== undefined && current[entry.name] !== null) config[entry.name] = null;
      } catch (problem) {
        problems.push({ field: `config.${entry.name}`, message: problem.message });
      }
    }
    return { config, problems };
  };
  return fieldset;
}
