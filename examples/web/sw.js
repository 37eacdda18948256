// Keeps the app shell (page, script, verifier) available offline. Artifacts and signatures are
// never cached: they are always fetched and verified afresh.
const CACHE = "sealkit-shell-v1";
const SHELL = [
  "./",
  "index.html",
  "app.js",
  "trusted-key.js",
  "manifest.webmanifest",
  "icon.svg",
  "sealkit/index.js",
  "sealkit/pkg/sealkit_wasm.js",
  "sealkit/pkg/sealkit_wasm_bg.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || url.pathname.includes("/files/")) return;
  // Network first, so an update of the shell is picked up; the cache when offline.
  event.respondWith(fetch(event.request).catch(() => caches.match(event.request).then((r) => r ?? Response.error())));
});
