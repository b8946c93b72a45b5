import { getJSON } from "./api.js";
import { Chart, barsSpec, volumeSpec } from "./charts.js";
import { byId, fill, formatFixed, formatNumber, formatTime, h, showError, table } from "./dom.js";
import { startPage } from "./page.js";

const charts = {
  volume: new Chart(byId("volume-chart")),
  languages: new Chart(byId("languages-chart")),
  platforms: new Chart(byId("platforms-chart")),
  collections: new Chart(byId("collections-chart")),
};
const form = byId("controls");

async function load() {
  const interval = form.elements.interval.value;
  const data = await getJSON("/overview", { interval });
  const totals = data.totals;
  fill(
    byId("totals"),
    card("Posts", formatNumber(totals.posts)),
    card("Accounts", formatNumber(totals.accounts)),
    card("First post", formatTime(totals.first)),
    card("Last post", formatTime(totals.last)),
  );
  await Promise.all([
    charts.volume.show(volumeSpec(data.volume, { interval, title: `Posts per ${interval} (times in ${data.timezone})` })),
    charts.languages.show(barsSpec(data.languages, { category: "lang", label: "Language" })),
    charts.platforms.show(barsSpec(data.platforms, { category: "platform", label: "Platform" })),
    charts.collections.show(barsSpec(data.collections, { category: "collection", label: "Collection" })),
  ]);
}

// Surge discovery runs in the server's background; until it is ready the panel says so and
// asks again a little later.
const SURGE_RETRY_MS = 3000;

async function loadSurges() {
  const panel = byId("surges");
  const data = await getJSON("/surges");
  panel.dataset.status = data.status;
  if (data.status !== "ready") {
    fill(panel, h("p", { class: "empty" }, "Looking for surges in the background…"));
    setTimeout(() => loadSurges().catch((error) => showError(panel, error)), SURGE_RETRY_MS);
    return;
  }
  fill(
    panel,
    table(
      [
        { label: "Event", value: (e) => h("a", { href: `/search?${new URLSearchParams({ q: searchFor(e.event) })}` }, e.event) },
        { label: "Also surging", value: (e) => e.keys.filter((k) => k !== e.event).slice(0, 5).join(", ") || "–" },
        { label: "Start (UTC)", value: (e) => formatTime(e.start), time: true },
        { label: "Detected (UTC)", value: (e) => formatTime(e.detected_at), time: true },
        { label: "Peak (UTC)", value: (e) => formatTime(e.peak), time: true },
        { label: "Peak vs expected", value: (e) => `${formatFixed(e.magnitude, 1)}×`, numeric: true },
      ],
      data.surges,
      { caption: data.window_start ? `Since ${formatTime(data.window_start)}` : null, empty: "No surges in the latest window." },
    ),
  );
}

// Surge keys are "#tag", "domain:host" or "term:word"; the first two are already queries.
function searchFor(key) {
  return key.startsWith("term:") ? key.slice("term:".length) : key;
}

function card(label, value) {
  return h("div", { class: "card" }, h("span", { class: "label" }, label), h("span", { class: "value" }, value));
}

form.addEventListener("change", () => startPage(load));
startPage(load);
loadSurges().catch((error) => showError(byId("surges"), error));
