// Vega-Lite charts under a strict CSP: Vega's default expression evaluator compiles code with
// `new Function`, which `script-src 'self'` forbids, so specs are parsed to an AST and run by
// vega-interpreter; vega-embed's and vega-tooltip's injected <style> elements are turned off and
// app.css styles the same elements instead.
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

const OPTIONS = {
  ast: true,
  expr: expressionInterpreter,
  defaultStyle: false,
  renderer: "svg",
  actions: { export: true, source: false, compiled: false, editor: false },
  tooltip: { disableDefaultStyle: true },
  downloadFileName: "voxpop-chart",
};

const CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 600, grid: true, gridOpacity: 0.5 },
  legend: { labelFontSize: 12, titleFontSize: 13 },
  title: { fontSize: 15, anchor: "start" },
  view: { stroke: null },
  range: { category: ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777"] },
};

// Axis and tooltip times are formatted in UTC ("formatType: utc" on a "utc" scale), so the
// chart reads the same in every browser time zone; axis titles say so.
const TIME_FORMAT = "%Y-%m-%d %H:%M";

// "3600s" (a timedelta as the API may write it) reads better as "1h".
function readable(interval) {
  const match = /^(\d+)s$/.exec(interval ?? "");
  if (!match) return interval;
  const seconds = Number(match[1]);
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return interval;
}

function timeAxis(interval) {
  interval = readable(interval);
  return {
    field: "bucket",
    type: "temporal",
    scale: { type: "utc" },
    axis: { title: interval ? `Time (UTC), ${interval} buckets` : "Time (UTC)", labelOverlap: true },
  };
}

const timeTooltip = { field: "bucket", type: "temporal", title: "Bucket start (UTC)", format: TIME_FORMAT, formatType: "utc" };

/** What every chart over time shares: full width, 260 px high, the rows as its data. */
function timeChart(rows, title) {
  return {
    title,
    width: "container",
    height: 260,
    autosize: { type: "fit", contains: "padding" },
    config: CONFIG,
    data: { values: rows },
  };
}

/** Posts per time bucket, as an area under a line. */
export function volumeSpec(rows, { interval, title }) {
  return {
    ...timeChart(rows, title),
    mark: { type: "area", line: true, opacity: 0.25, tooltip: true },
    encoding: {
      x: timeAxis(interval),
      y: { field: "posts", type: "quantitative", title: "Posts" },
      tooltip: [timeTooltip, { field: "posts", type: "quantitative", title: "Posts", format: "," }],
    },
  };
}

/** Several counts per time bucket as one line each, e.g. posts, authors and reposts. */
export function linesSpec(rows, { measures, interval, title }) {
  return {
    ...timeChart(rows, title),
    transform: [{ fold: measures.map((m) => m.field), as: ["measure", "value"] }],
    mark: { type: "line", point: rows.length < 60, tooltip: true },
    encoding: {
      x: timeAxis(interval),
      y: { field: "value", type: "quantitative", title: "Count" },
      color: {
        field: "measure",
        type: "nominal",
        title: "Measure",
        sort: measures.map((m) => m.field),
        legend: { orient: "top", labelExpr: legendLabels(measures) },
      },
      tooltip: [timeTooltip, { field: "measure", title: "Measure" }, { field: "value", type: "quantitative", title: "Count", format: "," }],
    },
  };
}

function legendLabels(measures) {
  return measures.reduceRight(
    (rest, m) => `datum.value === ${JSON.stringify(m.field)} ? ${JSON.stringify(m.label)} : ${rest}`,
    "datum.value",
  );
}

/** Counts per category as horizontal bars, largest first; the long tail beyond `top` is summed. */
export function barsSpec(rows, { category, label, top = 12 }) {
  const sorted = [...rows].sort((a, b) => b.posts - a.posts);
  const shown = sorted.slice(0, top).map((r) => ({ ...r, [category]: r[category] ?? "(none)" }));
  const rest = sorted.slice(top).reduce((sum, r) => sum + r.posts, 0);
  if (rest > 0) shown.push({ [category]: `${sorted.length - top} others`, posts: rest });
  return {
    width: "container",
    height: 22 * shown.length,
    autosize: { type: "fit-x", contains: "padding" },
    config: CONFIG,
    data: { values: shown },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: category, type: "nominal", title: label, sort: null },
      x: { field: "posts", type: "quantitative", title: "Posts" },
      tooltip: [{ field: category, title: label }, { field: "posts", type: "quantitative", title: "Posts", format: "," }],
    },
  };
}

/** One chart slot on a page; showing a new spec replaces the previous view and its listeners. */
export class Chart {
  constructor(element) {
    this.element = element;
    this.result = null;
  }

  async show(spec, emptyText = "No data for this chart.") {
    this.result?.finalize();
    this.result = null;
    this.element.replaceChildren();
    const rows = spec.data.values.length;
    this.element.dataset.rows = String(rows);
    if (!rows) {
      const note = document.createElement("p");
      note.className = "empty";
      note.textContent = emptyText;
      this.element.append(note);
      return;
    }
    this.result = await embed(this.element, spec, OPTIONS);
  }
}
