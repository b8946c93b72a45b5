import { getJSON } from "./api.js";
import { byId, counts, fill, formatFixed, formatNumber, formatTime, h, list, table } from "./dom.js";
import { startPage } from "./page.js";

const form = byId("narratives-form");
const listing = byId("narratives-list");
const more = byId("narratives-more");
let cursor = null;
let rows = [];

async function load(reset = true) {
  if (reset) {
    cursor = null;
    rows = [];
  }
  const params = { min_size: form.elements.min_size.value, since: form.elements.since.value, cursor };
  const page = await getJSON("/narratives", params);
  rows = rows.concat(page.narratives);
  cursor = page.next_cursor ?? null;
  more.hidden = !cursor;
  fill(
    listing,
    table(
      [
        { label: "Narrative", value: (n) => h("a", { href: `/narratives/${encodeURIComponent(n.narrative_id)}` }, n.label || n.narrative_id) },
        { label: "Keywords", value: (n) => list(n.keywords) },
        { label: "Posts", value: (n) => formatNumber(n.size), numeric: true },
        { label: "First seen (UTC)", value: (n) => formatTime(n.first_seen), time: true },
        { label: "Last seen (UTC)", value: (n) => formatTime(n.last_seen), time: true },
        { label: "Languages", value: (n) => counts(n.languages, 4) },
        { label: "Last 24 h", value: (n) => formatNumber(n.recent_posts), numeric: true },
        { label: "Growth", value: (n) => growth(n.growth), numeric: true },
      ],
      rows,
      { empty: "No narratives yet: run `voxpop narratives` to assign posts to narratives." },
    ),
  );
  listing.dataset.rows = String(rows.length);
}

// Posts in the last 24 hours over posts in the 24 hours before.
function growth(ratio) {
  return ratio === null || ratio === undefined ? "new" : `${formatFixed(ratio, 1)}×`;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  startPage(load);
});
more.addEventListener("click", () => startPage(() => load(false)));
startPage(load);
