// Shared by the door's admin page and the hub's auditor page (loaded first by both): plain JS,
// no build step, no external requests. Every value from the server is inserted as text, never
// as HTML.
const $ = (id) => document.getElementById(id);
// The session's CSRF token, sent with every state-changing request; empty when logged out.
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

/** Shows the view the URL's #hash names (else the first), marks it in the nav, and returns its name. */
// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
function showView(views) {
  const view = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : views[0];
  $("login-view").hidden = true;
  $("nav").hidden = false;
  for (const v of views) $(v).hidden = v !== view;
  for (const a of $("nav").querySelectorAll("a")) {
    if (a.getAttribute("href") === `#${view}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  return view;
}

/**
 * Hides every view and shows the login form. Before the first account exists the page says so
 * and shows the command (setupOf maps /api/setup's answer to [accounts exist, command]),
 * instead of "wrong name or password" to every attempt.
 */
// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
function showLoginForm(views, setupOf) {
  csrf = "";
  for (const v of views) $(v).hidden = true;
  $("nav").hidden = true;
  $("login-view").hidden = false;
  $("login-name").focus();
  api("GET", "/api/setup")
    .then((s) => {
      const [exist, command] = setupOf(s);
      $("login-setup").hidden = exist;
      $("login-setup-command").textContent = command || "";
    })
    .catch(() => {});
}

/** Whether the cookie holds a live session; if so its CSRF token is kept and its name shown. */
// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
async function resumeSession() {
  try {
    const s = await api("GET", "/api/session");
    csrf = s.csrf_token;
    $("me").textContent = `(${s.name})`;
    return true;
  } catch {
    return false;
  }
}

/** The login form opens the session (start); the logout button ends it and shows the form again. */
// biome-ignore lint/correctness/noUnusedVariables: used by the page scripts loaded after this one
function wireLogin(start) {
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api("POST", "/api/login", { name: f.elements.name.value.trim(), password: f.password.value });
      f.password.value = "";
      showError("login-error", null, f);
      await start();
    } catch (err) {
      showError("login-error", err, f);
    }
  });
  $("logout").addEventListener("click", async () => {
    await api("POST", "/api/logout").catch(() => {});
    showLogin();
  });
}
