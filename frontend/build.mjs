// Bundles the dashboard into voxpop/web/static/, which voxpop/web/pages.py serves at /static/.
// One ES module per page; code shared by pages (Vega, sigma) is split into common chunks so a
// browser downloads it once. Everything comes from node_modules: nothing third-party is vendored.
import { rm } from "node:fs/promises";
import { build } from "esbuild";

const outdir = new URL("../voxpop/web/static/", import.meta.url).pathname;
const pages = ["overview", "search", "narratives", "narrative", "alerts", "clusters", "cluster"];

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [...pages.map((page) => `src/${page}.js`), "src/app.css"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "linked",
  logLevel: "info",
});
