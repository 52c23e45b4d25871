{% load static %}// The observer app's service worker: the app shell comes from the cache, so the app
// opens with no network; the API always goes to the network (the page queues
// reports in IndexedDB while offline).
const CACHE = "pollwatch-observer-0.1";
const SHELL = [
  "{% url 'observer-app' %}",
  "{% static 'pollwatch/formlogic-0.1.js' %}",
  "{% static 'pollwatch/observer-app-0.1.js' %}",
  "{% static 'pollwatch/observer-app-0.1.css' %}",
  "{% static 'pollwatch/pollwatch-0.1.css' %}",
  "{% static 'pollwatch/favicon-0.1.svg' %}",
  "{% url 'observer-app-manifest' %}",
];

self.addEventListener("install", (event) => {
  // Past the browser's HTTP cache: a file changed under the same versioned name must be
  // stored as it is now whenever this list (and so this file) changes.
  const fresh = SHELL.map((url) => new Request(url, { cache: "reload" }));
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(fresh)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }))
  );
});
