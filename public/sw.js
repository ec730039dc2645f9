// Service worker of the volunteer's door-to-door pages (/visits/…, a checker's spot checks too):
// after the first load they open with no connection. Pages and the assignment are fetched from the network when there is
// one (and kept), from the cache when there is none; hashed assets are immutable, so the cache
// answers them first. Nothing else of the site is cached. An answer taken from the cache because
// the network failed carries X-WM-From-Cache: the page then shows 离线 (app/visits/use-sync.ts).
const CACHE = "wm-visits-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("wm-visits-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (!cached) throw error;
    const headers = new Headers(cached.headers);
    headers.set("X-WM-From-Cache", "1");
    return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/assets/")) return event.respondWith(cacheFirst(request));
  if (url.pathname.startsWith("/visits") || url.pathname === "/api/visits/assignment" || url.pathname === "/api/spot-checks/assignment")
    return event.respondWith(networkFirst(request));
});
