// What every dashboard page does on load: mark its navigation link and report failures in the
// page instead of leaving a blank panel.
import { byId, h, fill } from "./dom.js";

export function startPage(run) {
  const current = document.body.dataset.nav;
  for (const link of document.querySelectorAll("nav.site a[data-nav]")) {
    if (link.dataset.nav === current) link.setAttribute("aria-current", "page");
  }
  const status = byId("status");
  fill(status);
  document.body.dataset.ready = "loading";
  run()
    .then(() => {
      document.body.dataset.ready = "true";
    })
    .catch((error) => {
      fill(status, h("p", { class: "error", role: "alert" }, error.message ?? String(error)));
      document.body.dataset.ready = "error";
      throw error;
    });
}

// The last path segment of /narratives/{id} or /coordination/{id}.
export function pathId() {
  return decodeURIComponent(window.location.pathname.split("/").filter(Boolean).pop() ?? "");
}
