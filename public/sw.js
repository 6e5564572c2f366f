// Jieshui's service worker: keeps each check page the inspector opened, and the browser bundle,
// on the phone, so a check opens again (and its draft and waiting photos resume) without a
// connection. Network first: with a connection the phone always gets the server's page; the
// copy is used only when the network fails. Nothing else is touched.
const CACHE = 'jieshui-visit-v1';
const CHECK = /^\/checks\/[0-9a-f-]{36}$/;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const page = req.mode === 'navigate' && CHECK.test(url.pathname);
  const asset = url.pathname.startsWith('/pkg/') || url.pathname === '/favicon.ico';
  if (!page && !asset) return;
  // A page is kept by its path alone: a reopened tab finds it whatever query it had.
  const key = page ? url.origin + url.pathname : req;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok && !res.redirected) {
          const copy = res.clone();
          event.waitUntil(caches.open(CACHE).then((c) => c.put(key, copy)));
        }
        return res;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error())),
  );
});
