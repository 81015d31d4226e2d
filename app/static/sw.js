// Baoxue's service worker (served at /sw.js by app/views/offline.py, which puts VERSION and SHELL above
// this line). It keeps, on the phone only: the static files, and the case pages the user opened that
// offer them an action (the page asks: app/static/offline.js), so a case page opens again without
// signal and its form's draft can be finished and queued. Nothing else is cached; every other request
// goes to the network as if there were no worker. Logging out (or the login page) empties the cache.
const CACHE = "baoxue-" + VERSION;
const ROOT = new URL(self.registration.scope).pathname;           // "/" (or the app's prefix)
const CASE_PAGE = new RegExp("^" + ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "cases/\\d+$");
const OFFLINE = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
  "<title>离线 / Offline</title><p style='font:16px sans-serif;padding:1em'>没有网络，此页没有保存在本机。<br>" +
  "No connection, and this page is not kept on this device.</p>";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("baoxue-") && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

const pageKey = (url) => new URL(url, self.location.href).origin + new URL(url, self.location.href).pathname;

async function keepPage(url) {
  const response = await fetch(pageKey(url), { credentials: "same-origin", cache: "no-store" });
  const type = response.headers.get("content-type") || "";
  if (response.ok && !response.redirected && type.startsWith("text/html")) {
    await (await caches.open(CACHE)).put(pageKey(url), response);
    return true;
  }
  return false;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (answer) => event.source && event.source.postMessage(answer);
  if (data.keep && CASE_PAGE.test(new URL(data.keep, self.location.href).pathname)) {
    event.waitUntil(keepPage(data.keep).then((kept) => reply({ kept: data.keep, ok: kept }), () => reply({ kept: data.keep, ok: false })));
  } else if (data.forget) {
    // the pages go; the static files stay
    event.waitUntil(caches.open(CACHE).then(async (c) => {
      for (const request of await c.keys()) if (CASE_PAGE.test(new URL(request.url).pathname)) await c.delete(request);
    }).then(() => reply({ forgotten: true })));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL.includes(url.pathname)) {
    // static: the network when there is one (the files change with a release), else the kept copy
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(url.pathname, copy)); }
      return response;
    }).catch(() => caches.match(url.pathname).then((kept) => kept || Response.error())));
  } else if (request.mode === "navigate" && CASE_PAGE.test(url.pathname)) {
    // a case page: always the network when there is one; a kept copy is refreshed by it
    event.respondWith(fetch(request).then((response) => {
      const type = response.headers.get("content-type") || "";
      if (response.ok && !response.redirected && type.startsWith("text/html")) {
        const copy = response.clone();
        caches.open(CACHE).then(async (c) => { if (await c.match(pageKey(url))) await c.put(pageKey(url), copy); });
      }
      return response;
    }).catch(() => caches.match(pageKey(url)).then((kept) => kept ||
      new Response(OFFLINE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }))));
  }
});
