import { getJSON } from "./api.js";
import { Chart, volumeSpec } from "./charts.js";
import { byId, counts, fill, formatFixed, formatNumber, formatTime, h, list, table } from "./dom.js";
import { pathId, startPage } from "./page.js";

const timeline = new Chart(byId("narrative-chart"));

async function load() {
  const id = pathId();
  const detail = await getJSON(`/narratives/${encodeURIComponent(id)}`);
  const summary = detail.summary;
  document.title = `${summary.label} · narratives · voxpop`;
  fill(byId("narrative-title"), summary.label || `Narrative ${id}`);
  fill(
    byId("narrative-summary"),
    h(
      "dl",
      { class: "facts" },
      fact("Keywords", list(summary.keywords)),
      fact("Posts", formatNumber(summary.size)),
      fact("First seen", formatTime(summary.first_seen)),
      fact("Last seen", formatTime(summary.last_seen)),
      fact("Languages", counts(summary.languages, 10)),
      fact("Platforms", counts(summary.platforms)),
      fact("Last 24 hours", formatNumber(summary.recent_posts)),
      fact("Growth", summary.growth === null ? "new" : `${formatFixed(summary.growth, 1)}× the 24 hours before`),
      fact("Mean sentiment", formatFixed(summary.sentiment)),
      detail.merged?.length ? fact("Absorbed", list(detail.merged)) : null,
    ),
  );
  await timeline.show(volumeSpec(detail.timeline, { interval: detail.interval, title: `Posts over time (times in ${detail.timezone})` }));
  fill(
    byId("narrative-examples"),
    table(
      [
        { label: "Time (UTC)", value: (p) => formatTime(p.created_at), time: true },
        { label: "Platform", value: (p) => p.platform },
        { label: "Language", value: (p) => p.lang ?? "–" },
        { label: "Similarity", value: (p) => formatFixed(p.similarity), numeric: true },
        { label: "Text", value: (p) => h("span", { class: "text" }, p.text) },
      ],
      detail.representative_posts,
      { empty: "No example posts." },
    ),
  );
  fill(byId("narrative-domains"), countTable(summary.top_domains, "Domain"));
  fill(byId("narrative-sources"), countTable(detail.top_sources, "Source"));
}

function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

// Top domains and sources are aggregate counts: how often, not who.
function countTable(byName, label) {
  const rows = Object.entries(byName ?? {}).sort((a, b) => b[1] - a[1]);
  return table(
    [
      { label, value: ([name]) => name },
      { label: "Posts", value: ([, n]) => formatNumber(n), numeric: true },
    ],
    rows,
    { empty: "None." },
  );
}

startPage(load);
