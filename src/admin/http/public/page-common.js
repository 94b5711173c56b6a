// Shared by the door's admin page and the hub's auditor page (loaded first by both): plain JS,
// no build step, no external requests. Every value from the server is inserted as text, never
// as HTML.
const $ = (id) => document.getElementById(id);
// The session's CSRF token, sent with every state-changing request; empty when logged out.
// biome-ignore lint/style/useConst: set by each page's login (app.js, hub.js)
let csrf = "";

// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children)
    e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}

// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
async function api(method, path, body) {
  const headers = {};
  if (method !== "GET") headers["x-csrf-token"] = csrf;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  // showLogin is each page's own (app.js, hub.js), defined by the script loaded after this one.
  if (res.status === 401 && path !== "/api/login") showLogin();
  if (!res.ok)
    throw Object.assign(new Error(data?.error || res.statusText), {
      field: data?.field,
      status: res.status,
    });
  return data;
}

// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
function showError(id, err, form) {
  $(id).textContent = err ? err.message : "";
  if (form) for (const input of form.querySelectorAll("input,select")) input.removeAttribute("aria-invalid");
  if (err?.field && form?.elements[err.field]) {
    form.elements[err.field].setAttribute("aria-invalid", "true");
    form.elements[err.field].focus();
  }
}

// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
const fmtTime = (iso) => new Date(iso).toLocaleString();
