import { getJSON } from "./api.js";
import { byId, fill, formatFixed, formatNumber, formatSeconds, h, list, table } from "./dom.js";
import { startPage } from "./page.js";

async function load() {
  const data = await getJSON("/coordination/clusters");
  const clusters = data.clusters ?? data;
  const listing = byId("clusters-list");
  fill(
    listing,
    table(
      [
        { label: "Cluster", value: (c) => h("a", { href: `/coordination/${encodeURIComponent(c.id)}` }, c.id) },
        { label: "Accounts", value: (c) => formatNumber(count(c.accounts)), numeric: true },
        { label: "Behaviours", value: (c) => list(c.behaviours) },
        { label: "Score", value: (c) => formatFixed(c.score), numeric: true },
        { label: "FDR", value: (c) => formatFixed(c.fdr, 4), numeric: true },
        { label: "Median lag", value: (c) => formatSeconds(c.sync?.median), numeric: true },
      ],
      clusters,
      { empty: "No coordinated clusters stored: run `voxpop coordination` first." },
    ),
  );
  listing.dataset.rows = String(clusters.length);
}

function count(accounts) {
  return Array.isArray(accounts) ? accounts.length : accounts;
}

startPage(load);
