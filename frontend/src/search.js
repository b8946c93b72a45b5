import { getJSON } from "./api.js";
import { Chart, linesSpec } from "./charts.js";
import { byId, fill, formatTime, h, showError } from "./dom.js";
import { startPage } from "./page.js";

const PAGE_SIZE = 50;
const MEASURES = [
  { field: "posts", label: "Posts" },
  { field: "authors", label: "Accounts" },
  { field: "reposts", label: "Reposts" },
];
const form = byId("search-form");
const curve = new Chart(byId("search-chart"));
const results = byId("search-results");
const more = byId("search-more");
let cursor = null;

// The query lives in the address (?q=&interval=) so a search can be bookmarked and shared.
function readAddress() {
  const params = new URLSearchParams(window.location.search);
  form.elements.q.value = params.get("q") ?? "";
  if (params.get("interval")) form.elements.interval.value = params.get("interval");
}

async function run() {
  const q = form.elements.q.value.trim();
  const interval = form.elements.interval.value;
  fill(results);
  cursor = null;
  await Promise.all([drawCurve(q, interval), loadPosts(q)]);
}

// The curve needs a query (trends compare what matches with what does not); without one the
// page lists the latest posts and asks for a query.
async function drawCurve(q, interval) {
  if (!q) {
    await curve.show(linesSpec([], { measures: MEASURES, interval }), "Type a query and press Search to draw its curve.");
  } else {
    const trend = await getJSON("/trends", { q, interval });
    await curve.show(
      linesSpec(trend.series, { measures: MEASURES, interval, title: `Posts matching “${q}”, per ${interval} (times in ${trend.timezone})` }),
      "No posts match this query.",
    );
  }
  curve.element.dataset.query = q;
}

async function loadPosts(q) {
  const page = await getJSON("/search", { q, limit: PAGE_SIZE, cursor });
  cursor = page.next_cursor ?? null;
  more.hidden = !cursor;
  let body = results.querySelector("tbody");
  if (!body) {
    if (!page.posts.length) {
      fill(results, h("p", { class: "empty" }, "No posts match this query."));
      return;
    }
    body = h("tbody");
    fill(
      results,
      h(
        "table",
        { class: "posts" },
        h("thead", {}, h("tr", {}, ["Time (UTC)", "Platform", "Account", "Language", "Kind", "Text"].map((t) => h("th", { scope: "col" }, t)))),
        body,
      ),
    );
  }
  body.append(...page.posts.map(postRow));
  results.dataset.rows = String(body.rows.length);
}

function postRow(post) {
  const text = post.url ? h("a", { href: post.url, rel: "noopener noreferrer", target: "_blank" }, post.text ?? "") : post.text ?? "";
  return h(
    "tr",
    {},
    h("td", { class: "nowrap" }, formatTime(post.created_at)),
    h("td", {}, post.platform),
    h("td", {}, post.author_handle ?? "–"),
    h("td", {}, post.lang ?? "–"),
    h("td", {}, post.kind),
    h("td", { class: "text" }, text),
  );
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams({ q: form.elements.q.value.trim(), interval: form.elements.interval.value });
  window.history.pushState(null, "", `?${params}`);
  startPage(run);
});
window.addEventListener("popstate", () => {
  readAddress();
  startPage(run);
});
more.addEventListener("click", () => loadPosts(form.elements.q.value.trim()).catch((error) => showError(results, error)));

readAddress();
startPage(run);
