// One coordinated cluster: its co-action network drawn with sigma.js (WebGL) from a graphology
// graph laid out by ForceAtlas2, beside the evidence that holds it together.
import Graph from "graphology";
import { circular } from "graphology-layout";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import { apiUrl, getJSON } from "./api.js";
import { byId, fill, formatFixed, formatNumber, formatSeconds, formatTime, h, list, table } from "./dom.js";
import { pathId, startPage } from "./page.js";

// One colour per behaviour; app.css gives the legend swatches the same colours by class.
const BEHAVIOUR_COLOURS = {
  "co-repost": "#2563eb",
  "co-reply": "#059669",
  "co-quote": "#7c3aed",
  "co-link": "#d97706",
  "co-hashtag": "#0891b2",
  "co-text": "#dc2626",
  "co-similar": "#db2777",
};
const NODE_COLOUR = "#334155";
const FADED = "#e2e8f0";

let renderer = null;

async function load() {
  const id = pathId();
  const data = await getJSON(`/coordination/clusters/${encodeURIComponent(id)}`);
  const cluster = data.cluster;
  document.title = `Cluster ${cluster.id} · coordination · voxpop`;
  fill(byId("cluster-title"), `Cluster ${cluster.id}`);
  const gephi = byId("gephi-link");
  gephi.href = apiUrl(`/coordination/clusters/${encodeURIComponent(cluster.id)}.gexf`).pathname;
  gephi.setAttribute("download", `voxpop-cluster-${cluster.id}.gexf`);
  gephi.hidden = false;
  showFacts(cluster);
  showEvidence(cluster.evidence ?? []);
  drawNetwork(data.nodes, data.edges);
}

function showFacts(cluster) {
  const accounts = Array.isArray(cluster.accounts) ? cluster.accounts.length : cluster.accounts;
  fill(
    byId("cluster-facts"),
    h(
      "dl",
      { class: "facts" },
      fact("Accounts", formatNumber(accounts)),
      fact("Behaviours", list(cluster.behaviours)),
      fact("Score", formatFixed(cluster.score)),
      fact("False discovery rate", formatFixed(cluster.fdr, 4)),
      fact("Edges", formatNumber(cluster.edges)),
      fact("Median lag", formatSeconds(cluster.sync?.median)),
      fact("90th percentile lag", formatSeconds(cluster.sync?.p90)),
      fact("Pairs within 10 s", cluster.sync ? `${Math.round(cluster.sync.within_10s * 100)}%` : "–"),
    ),
  );
}

function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function showEvidence(evidence) {
  fill(
    byId("cluster-evidence"),
    table(
      [
        { label: "Behaviour", value: (e) => h("span", { class: `swatch ${e.behaviour}` }, e.behaviour) },
        { label: "Shared item", value: (e) => h("span", { class: "item" }, e.item) },
        { label: "Accounts", value: (e) => formatNumber(e.accounts), numeric: true },
        { label: "First (UTC)", value: (e) => formatTime(e.first_at), time: true },
        { label: "Last (UTC)", value: (e) => formatTime(e.last_at), time: true },
        { label: "Median lag", value: (e) => formatSeconds(e.median_lag_seconds), numeric: true },
      ],
      evidence,
      { empty: "No evidence stored for this cluster." },
    ),
  );
}

function drawNetwork(nodes, edges) {
  const graph = new Graph({ type: "undirected", multi: true });
  for (const node of nodes) {
    graph.addNode(node.id, {
      label: node.label ?? node.id,
      size: 4 + 2 * Math.sqrt(node.degree ?? 1),
      color: NODE_COLOUR,
    });
  }
  const behaviours = new Set();
  for (const edge of edges) {
    if (!graph.hasNode(edge.source) || !graph.hasNode(edge.target)) continue;
    behaviours.add(edge.behaviour);
    graph.addEdge(edge.source, edge.target, {
      behaviour: edge.behaviour,
      weight: edge.weight,
      size: 1 + Math.log1p(edge.weight ?? 1),
      color: BEHAVIOUR_COLOURS[edge.behaviour] ?? "#64748b",
    });
  }
  circular.assign(graph);
  forceAtlas2.assign(graph, { iterations: 200, settings: forceAtlas2.inferSettings(graph) });

  const container = byId("network");
  renderer?.kill();
  renderer = new Sigma(graph, container, { labelRenderedSizeThreshold: 10, zIndex: true });
  highlightNeighbours(graph, renderer);
  container.dataset.nodes = String(graph.order);
  container.dataset.edges = String(graph.size);
  fill(
    byId("network-legend"),
    h("span", {}, `${formatNumber(graph.order)} accounts, ${formatNumber(graph.size)} edges. Edge colour: behaviour.`),
    [...behaviours].sort().map((b) => h("span", { class: `swatch ${b}` }, b)),
  );
}

// Hovering an account fades everything but it, its neighbours and the edges between them.
function highlightNeighbours(graph, sigma) {
  let hovered = null;
  sigma.on("enterNode", ({ node }) => {
    hovered = node;
    sigma.refresh({ skipIndexation: true });
  });
  sigma.on("leaveNode", () => {
    hovered = null;
    sigma.refresh({ skipIndexation: true });
  });
  sigma.setSetting("nodeReducer", (node, attributes) => {
    if (!hovered || node === hovered || graph.areNeighbors(node, hovered)) return attributes;
    return { ...attributes, color: FADED, label: "" };
  });
  sigma.setSetting("edgeReducer", (edge, attributes) => {
    if (!hovered || graph.hasExtremity(edge, hovered)) return attributes;
    return { ...attributes, hidden: true };
  });
}

startPage(load);
