// The dashboard reads everything from the JSON API (/api/v1), the same documents notebooks and
// scripts get, so every view has a JSON twin by construction.
const BASE = "/api/v1";

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = `ApiError ${status}`;
  }
}

export function apiUrl(path, params = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url;
}

export function getJSON(path, params = {}) {
  return request(apiUrl(path, params), { method: "GET" });
}

// Unsafe methods carry the CSRF double-submit token: the value of the readable `voxpop_csrf`
// cookie, echoed in a header that another site's form cannot set.
export function postJSON(path, body = {}) {
  return request(apiUrl(path), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": cookie("voxpop_csrf") },
    body: JSON.stringify(body),
  });
}

function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : "";
}

async function request(url, init) {
  const response = await fetch(url, {
    ...init,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...init.headers },
  });
  if (response.status === 401) {
    const next = window.location.pathname + window.location.search;
    window.location.assign(`/login?next=${encodeURIComponent(next)}`);
    throw new ApiError(401, "Sign in to see this page.");
  }
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return response.json();
}

async function errorMessage(response) {
  let detail = "";
  try {
    detail = (await response.json()).detail;
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all there is.
  }
  if (Array.isArray(detail)) detail = detail.map((d) => d.msg ?? JSON.stringify(d)).join("; ");
  return `${response.status} ${response.statusText}${detail ? `: ${detail}` : ""}`;
}
