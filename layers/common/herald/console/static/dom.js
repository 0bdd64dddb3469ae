// Building the page. Every value from the API reaches it as text (Node.append of a string makes a text node);
// nothing here parses HTML, so a channel named <img src=x onerror=alert(1)> shows as those characters.

const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "multiple"]);

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  append(element, children);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) element[name] = value;
    else element.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

export function toast(message, kind = "info") {
  const region = document.getElementById("toast");
  replace(region, h("p", { class: `toast ${kind}` }, message));
}

export function clearToast() {
  document.getElementById("toast").replaceChildren();
}

// A confirm of our own (a <dialog>), not window.confirm: keyboard-friendly, styled, and no native dialog.
export function confirmDialog(message, action) {
  return new Promise((resolve) => {
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    const ok = h("button", { type: "button", class: "danger" }, action);
    const dialog = h("dialog", { class: "confirm", "aria-label": action }, h("p", {}, message), h("div", { class: "actions" }, cancel, ok));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    ok.addEventListener("click", () => finish(true));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

export function table(headings, rows, empty) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, headings.map((heading) => h("th", { scope: "col" }, heading)))),
    h("tbody", {}, rows),
  );
}

// A time from the API in the browser's own zone, with its offset: the zone the delivery log's filters take.
export function when(iso) {
  if (!iso) return "—";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  const pad = (number) => String(number).padStart(2, "0");
  const east = -moment.getTimezoneOffset();
  const offset = `${east < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(east) / 60))}:${pad(Math.abs(east) % 60)}`;
  const date = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
  return `${date} ${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())} ${offset}`;
}

export function badge(status) {
  return h("span", { class: `badge ${status || "none"}` }, status || "—");
}

export function heading(text, ...actions) {
  return h("div", { class: "heading" }, h("h1", {}, text), actions);
}
