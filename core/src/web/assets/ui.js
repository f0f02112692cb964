// Small DOM and fetch helpers shared by the pages. Text always goes in as text nodes (never
// innerHTML): codes, names and reasons come from partners' data.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** h("div", {class: "x"}, "text", child…) */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** An error from the API, with the RFC 7807 problem document's code and field. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code;
    this.field = problem?.field;
  }
}

/** Fetches JSON from the core; throws ApiError with the problem document's detail on failure. */
export async function api(path, { method = "GET", token, body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data;
  try {
    data = text === "" ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Query string from {key: value | value[]}; arrays repeat the key. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined && x !== null && x !== "") u.append(k, String(x));
  }
  return u.toString();
}

/** A short, readable form of a canonical identifier for labels (full id in the title). */
export function shortId(id) {
  if (typeof id !== "string") return "";
  const m = /^https?:\/\/[^/]+\/(.*)$/.exec(id);
  return m === null ? id : m[1];
}

/** Name of a {id, name} / string field. */
export function nameOf(v) {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  return v.name || v.id || "";
}
