// The JSON API client: one fetch wrapper, errors carrying the server's `detail` text.
// The token (when the server needs one) travels in the rnnlab_token cookie, which the
// browser sends with every same-origin request, EventSource included.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

/** The server's `detail` as one readable string (FastAPI may send a list of problems). */
function detailText(payload, status, statusText) {
  const detail = payload && payload.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${d.msg}` : String(d.msg ?? JSON.stringify(d));
      })
      .join("\n");
  }
  if (detail) return JSON.stringify(detail);
  return `${status} ${statusText || "error"}`;
}

/**
 * Call the API. `body` is sent as JSON, `form` (a FormData) as multipart.
 * Returns the parsed JSON (or the text for non-JSON answers, null for 204).
 */
export async function api(path, { method, body, form, signal } = {}) {
  const options = { method: method || (body !== undefined || form ? "POST" : "GET"), signal };
  options.headers = { Accept: "application/json" };
  if (form) {
    options.body = form;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, `cannot reach the rnnlab server (${err.message})`);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const text = typeof payload === "string" && payload ? payload : detailText(payload, response.status, response.statusText);
    throw new ApiError(response.status, text);
  }
  return payload;
}

/** Show an error (or clear it with null) in a message element; returns the element. */
export function showError(element, err) {
  if (!element) return element;
  if (!err) {
    element.textContent = "";
    return element;
  }
  const prefix = err.status ? `Error ${err.status}: ` : "";
  element.textContent = prefix + (err.detail || err.message || String(err));
  return element;
}

/** Run `fn` and route any error to `element`; clears the element first. */
export async function guarded(element, fn) {
  showError(element, null);
  try {
    return await fn();
  } catch (err) {
    if (err && err.name === "AbortError") return undefined;
    showError(element, err);
    return undefined;
  }
}

/** `encodeURIComponent` for path segments (run ids, embedding ids). */
export const seg = (value) => encodeURIComponent(String(value));
