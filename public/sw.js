// Jieshui's service worker: keeps each check page the inspector opened, and its script (visit.js
// with the domain module phone.js / phone_bg.wasm, all under /pkg/), on the phone, so a check opens again (and its draft and waiting photos resume) without a
// connection. Network first: with a connection the phone always gets the server's page; the
// copy is used only when the network fails. Nothing else is touched.
const CACHE = 'jieshui-visit-v2';
const CHECK = /^\/checks\/[0-9a-f-]{36}$/;

self.addEventListener('install', () => self.skipWaiting());
// A new version drops the copies kept by the one before.
self.addEventListener('activate', (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
  await self.clients.claim();
})()));

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
  event.respondWith((async () => {
    let res;
    try {
      res = await fetch(req);
    } catch (e) {
      // No connection: the copy kept on the phone, if there is one.
      return (await caches.match(key)) || Response.error();
    }
    if (res.ok && !res.redirected) {
      try {
        await (await caches.open(CACHE)).put(key, res.clone());
      } catch (e) {
        // Storage full or refused: the page still works online.
      }
    }
    return res;
  })());
});
