{% load static %}// The observer app's service worker. The app shell (the page, its scripts, styles,
// icon and manifest) comes from this worker's cache at once, and is refreshed from
// the network behind the observer's back (stale-while-revalidate), so the app opens
// in well under a second on a slow line or none. The API always goes to the network
// (the page keeps the last /api/o/me and queues reports in IndexedDB).
//
// VERSION is a hash of the shell's files on the server: a deploy that changes one
// changes this file, the browser installs the new worker and fills a new cache in
// the background, and the new version runs from the next start (or at once, when
// the observer taps "reload" on the page's prompt).
const VERSION = "{{ version }}";
const PREFIX = "pollwatch-observer-";
const CACHE = PREFIX + VERSION;
const APP = "{% url 'observer-app' %}";
const SHELL = [
  APP,
{% for name in shell_static %}  "{% static name %}",
{% endfor %}  "{% url 'observer-app-manifest' %}",
];
const SHELL_PATHS = new Set(SHELL.map((url) => new URL(url, location.origin).pathname));

self.addEventListener("install", (event) => {
  // Past the browser's HTTP cache: the files must be stored as they are now.
  const fresh = SHELL.map((url) => new Request(url, { cache: "reload" }));
  // No skipWaiting here: a page opened with the old shell keeps it until the app is
  // started again, or until the observer accepts the update (the "skip-waiting" message).
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(fresh)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname === APP) {
    event.respondWith(fromShell(event, APP));
  } else if (SHELL_PATHS.has(url.pathname)) {
    event.respondWith(fromShell(event, url.pathname));
  } else {
    event.respondWith(
      fetch(request).catch(() => caches.match(request, { ignoreSearch: true }))
    );
  }
});

// The cached copy now, a fresh copy into the cache for next time.
async function fromShell(event, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key, { ignoreSearch: true });
  const refresh = fetch(event.request).then((response) => {
    if (response.ok && response.type === "basic" && !response.redirected) {
      return cache.put(key, response.clone()).then(() => response);
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  // Not in this version's cache (e.g. evicted): the network, else any older copy.
  return refresh.catch(() => caches.match(key, { ignoreSearch: true }));
}
