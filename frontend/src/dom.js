// Small DOM helpers. Data from the API is only ever inserted as text (never as HTML), so a post's
// text cannot inject markup; attributes are set one by one, never as inline styles (the CSP
// forbids them).

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...nodes(children));
  return element;
}

function nodes(children) {
  return children
    .flat(Infinity)
    .filter((child) => child !== undefined && child !== null && child !== false)
    .map((child) => (child instanceof Node ? child : String(child)));
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}: the template and the script disagree`);
  return element;
}

export function fill(element, ...children) {
  element.replaceChildren(...nodes(children));
  return element;
}

const numbers = new Intl.NumberFormat("en");

export function formatNumber(value) {
  return value === undefined || value === null ? "–" : numbers.format(value);
}

export function formatFixed(value, digits = 2) {
  return value === undefined || value === null ? "–" : Number(value).toFixed(digits);
}

// Every time on the dashboard is shown in UTC, whatever the browser's zone, and says so.
export function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null) return "–";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function list(values) {
  return Array.isArray(values) ? values.join(", ") : values ?? "–";
}

// {name: count} as "en 120, fr 40", largest first.
export function counts(byName, top = 6) {
  const entries = Object.entries(byName ?? {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return "–";
  const shown = entries.slice(0, top).map(([name, n]) => `${name} ${formatNumber(n)}`);
  return entries.length > top ? `${shown.join(", ")}, …` : shown.join(", ");
}

// A table from rows and column definitions {label, value: row => node|text, numeric?, time?}.
export function table(columns, rows, { caption, empty = "Nothing yet." } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)))),
    h(
      "tbody",
      {},
      rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: cellClass(c) }, c.value(row))))),
    ),
  );
}

function cellClass(column) {
  if (column.numeric) return "num";
  return column.time ? "nowrap" : null;
}

export function showError(element, error) {
  fill(element, h("p", { class: "error", role: "alert" }, error.message ?? String(error)));
}
