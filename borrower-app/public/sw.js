// The app's service worker, served at /app/sw.js (scope /app/) by Django. It caches the shell
// (the page, its script and style, the offline page) so the app opens without a network;
// the API (/api/) is never cached: money and statuses are always the server's.
const VERSION = "shell-v1";
const SHELL = ["/app/", "/app/offline.html", "/app/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then(async (cache) => {
        await cache.addAll(SHELL);
        // The page names its hashed script and style: cache them too.
        const html = await (await cache.match("/app/")).text();
        const assets = [...html.matchAll(/(?:src|href)="(\/static\/app\/[^"]+)"/g)].map((m) => m[1]);
        await cache.addAll(assets);
      })
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (event.request.mode === "navigate") {
    // The page from the network (a new version at once), else the cached shell, else offline.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          if (response.ok && url.pathname === "/app/") {
            const copy = response.clone();
            caches.open(VERSION).then((cache) => cache.put("/app/", copy));
          }
          return response;
        })
        .catch(async () => (await caches.match("/app/")) || caches.match("/app/offline.html")),
    );
    return;
  }
  if (url.pathname.startsWith("/static/app/")) {
    // Hashed names never change: the cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ||
          fetch(event.request).then((response) => {
            const copy = response.clone();
            caches.open(VERSION).then((cache) => cache.put(event.request, copy));
            return response;
          }),
      ),
    );
  }
});
