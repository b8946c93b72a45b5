import { getJSON, postJSON } from "./api.js";
import { byId, fill, formatNumber, formatTime, h } from "./dom.js";
import { startPage } from "./page.js";

const form = byId("alerts-form");
const inbox = byId("alerts-list");
const more = byId("alerts-more");
let cursor = null;

async function load(reset = true) {
  if (reset) {
    cursor = null;
    fill(inbox);
  }
  const page = await getJSON("/alerts", { acknowledged: form.elements.acknowledged.value, cursor });
  const alerts = page.alerts ?? page;
  cursor = page.next_cursor ?? null;
  more.hidden = !cursor;
  let body = inbox.querySelector("tbody");
  if (!body) {
    if (!alerts.length) {
      fill(inbox, h("p", { class: "empty" }, "No alerts. Rules fire them as data arrives (see `voxpop alerts`)."));
      return;
    }
    body = h("tbody");
    const headings = ["Fired (UTC)", "Severity", "Rule", "Message", "Window (UTC)", "Value", "Status"];
    fill(inbox, h("table", { class: "alerts" }, h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))), body));
  }
  body.append(...alerts.map(alertRow));
  inbox.dataset.rows = String(body.rows.length);
}

function alertRow(alert) {
  const status = h("td", { class: "status" });
  const row = h(
    "tr",
    { "data-alert-id": alert.alert_id, class: `severity-${alert.severity}` },
    h("td", { class: "nowrap" }, formatTime(alert.fired_at)),
    h("td", {}, h("span", { class: `badge ${alert.severity}` }, alert.severity)),
    h("td", {}, alert.rule),
    h("td", {}, alert.message),
    h("td", { class: "nowrap" }, alert.window_start ? `${formatTime(alert.window_start)} – ${formatTime(alert.window_end)}` : "–"),
    h("td", { class: "num" }, alert.value === null || alert.value === undefined ? "–" : `${formatNumber(alert.value)}${alert.threshold != null ? ` (threshold ${formatNumber(alert.threshold)})` : ""}`),
    status,
  );
  showStatus(status, alert);
  return row;
}

function showStatus(cell, alert) {
  if (alert.acknowledged_at) {
    fill(cell, `Acknowledged ${formatTime(alert.acknowledged_at)}${alert.acknowledged_by ? ` by ${alert.acknowledged_by}` : ""}`);
    return;
  }
  const button = h("button", { type: "button", class: "ack" }, "Acknowledge");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const updated = await postJSON(`/alerts/${encodeURIComponent(alert.alert_id)}/ack`);
      showStatus(cell, { ...alert, acknowledged_at: new Date().toISOString(), ...(updated.alert ?? updated) });
    } catch (error) {
      button.disabled = false;
      fill(cell, button, h("p", { class: "error", role: "alert" }, error.message));
    }
  });
  fill(cell, button);
}

form.addEventListener("change", () => startPage(load));
more.addEventListener("click", () => startPage(() => load(false)));
startPage(load);
