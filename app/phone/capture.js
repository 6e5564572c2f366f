// What every check page on a phone shares (/checks/{id}, a market check's `visit.js` and an
// audit's `audit.js`): the page's data and words, small DOM helpers, requests, and the photos —
// each listed at once, prepared, kept in IndexedDB and sent until the server has it.
//
// The page carries no Leptos island: its script is `visit.js` or `audit.js`, this module, and the
// domain module `phone.js` / `phone_bg.wasm`, built from `app/src/phone.rs` (the same Rust
// functions the server uses). Everything it shows in words comes from the server's message table
// (`visit-data`), so the page speaks the user's language.
import init, {
  uuid_v7, exif_range, is_heic, target_size,
} from './phone.js';

// The domain module first: everything below may call it.
await init();

export const data = JSON.parse(document.getElementById('visit-data').textContent);
export const T = data.t;
export const ID = data.id;
export const settings = data.settings;

/// Called whenever a photo's state changes (the page redraws what it says about waiting photos).
let photosHook = () => {};
export function onPhotosChange(f) {
  photosHook = f;
}

/// An element with its properties, listeners (`onclick`…) and children.
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'checked' || k === 'value' || k === 'hidden' || k === 'disabled') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function newId() {
  const random = new Uint8Array(16);
  crypto.getRandomValues(random);
  return uuid_v7(Date.now(), random);
}

/// The `error` text of a JSON refusal from the server.
export function errorOf(text) {
  try {
    const e = JSON.parse(text).error;
    return typeof e === 'string' ? e : null;
  } catch (_) {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Photos: each is listed at once with its picture, prepared (downscaled, its EXIF cut out of the
// original first), kept in IndexedDB, and sent with the phone's position and clock; a dropped
// connection retries with the same id (the server keeps one), and after a while waits for a tap.

/** Every photo of this page on its way, whichever list shows it. */
const uploads = [];
/** The list element of the site's photos (`''`) and of each line, by line id. */
const uploadLists = new Map();

export function uploadList(lineId) {
  const ul = h('ul', { class: 'upload-list', 'aria-live': 'polite' });
  uploadLists.set(lineId || '', ul);
  for (const item of uploads) if ((item.line_id || '') === (lineId || '')) ul.append(item.li);
  return ul;
}

/// Photos of one line (or item) the server has taken since the page opened.
export function uploadsDone(lineId) {
  return uploads.filter((u) => u.line_id === lineId && u.state.kind === 'done').length;
}

export function waitingPhotos() {
  return uploads.filter((u) => !['done', 'failed'].includes(u.state.kind)).length;
}

function drawItem(item) {
  const s = item.state;
  let status;
  switch (s.kind) {
    case 'preparing': status = h('span', { class: 'muted' }, T.preparing_photo); break;
    case 'uploading': status = h('progress', { max: 100, value: s.value, 'aria-label': T.uploading_photo }); break;
    case 'locating': status = h('span', { class: 'muted' }, T.locating); break;
    case 'retrying': status = h('span', { class: 'muted' }, T.retrying_upload); break;
    case 'stalled':
      status = h('button', { type: 'button', class: 'btn', onclick: () => resumeStalled(item.key) },
        `${T.upload_stalled} ${T.tap_to_retry}`);
      break;
    case 'done': status = h('a', { href: `/photos/${s.value}` }, T.uploaded_photo); break;
    default: status = h('span', { class: 'alert-inline', role: 'alert' }, T.upload_failed, s.value);
  }
  item.li.replaceChildren(
    item.preview ? h('img', { class: 'upload-thumb', src: item.preview, alt: '' }) : '',
    h('span', { class: 'upload-name' }, item.name),
    status,
  );
}

function setState(item, kind, value) {
  item.state = { kind, value };
  drawItem(item);
  photosHook();
}

function addItem(key, name, lineId, blob) {
  const item = {
    key, name, line_id: lineId || null,
    preview: blob ? URL.createObjectURL(blob) : null,
    state: { kind: 'preparing' },
    li: h('li'),
  };
  uploads.push(item);
  drawItem(item);
  const ul = uploadLists.get(lineId || '');
  if (ul) ul.append(item.li);
  photosHook();
  return item;
}

/// The phone's position, asked once per batch of photos: high accuracy, a bounded wait, a recent
/// fix accepted. `then(null)` when there is none.
function currentPosition(timeout, maximumAge, then) {
  if (!navigator.geolocation) return then(null);
  let answered = false;
  const once = (p) => { if (!answered) { answered = true; then(p); } };
  try {
    navigator.geolocation.getCurrentPosition(
      (pos) => once({
        lat: pos.coords.latitude, lon: pos.coords.longitude,
        accuracy_m: pos.coords.accuracy, at: new Date(pos.timestamp).toISOString(),
      }),
      () => once(null),
      { enableHighAccuracy: true, timeout, maximumAge },
    );
  } catch (_) {
    once(null);
  }
}

function startCapture(input, lineId) {
  const files = [...(input.files || [])];
  input.value = '';
  if (!files.length) return;
  const capturedAt = new Date().toISOString();
  // Every photo is on the list at once; the position is asked for at the same time and joins each
  // photo when it comes (a fix can take 15 s).
  const jobs = files.map((file) => [file, addItem(newId(), file.name, lineId, file)]);
  let fix = { asking: [] };
  currentPosition(15000, 60000, (pos) => {
    const waiting = fix.asking || [];
    fix = { known: pos };
    for (const u of waiting) {
      u.fix = pos;
      queue.put(u).then(() => send(u));
    }
  });
  // One photo is prepared at a time (a 12 MP frame holds ≈ 48 MB while it is drawn).
  (async () => {
    for (const [file, item] of jobs) {
      const p = await prepare(file);
      const u = {
        ...p, id: item.key, inspection: ID, line_id: lineId || null, fix: null,
        captured_at: capturedAt, item, attempt: 0,
      };
      // On the phone before anything else: a closed tab or a lost connection loses nothing.
      await queue.put(u);
      if (fix.asking) {
        setState(item, 'locating');
        fix.asking.push(u);
      } else {
        u.fix = fix.known;
        await queue.put(u);
        send(u);
      }
    }
  })();
}

async function prepare(file) {
  const original = { body: file, name: file.name, exif: null, original_sha256: null };
  if (settings.send_original) return original;
  let head;
  try {
    head = new Uint8Array(await file.slice(0, 131072).arrayBuffer());
  } catch (_) {
    return original;
  }
  // A HEIC keeps its EXIF where the phone cannot cut it out: the server gets the original.
  if (is_heic(head)) return original;
  const small = await shrink(file);
  // Small enough already (with its own EXIF), or not decodable here: the original goes.
  if (!small) return original;
  const r = exif_range(head);
  const stem = file.name.includes('.') ? file.name.slice(0, file.name.lastIndexOf('.')) : file.name;
  return {
    body: small,
    name: `${stem}.jpg`,
    exif: r.length === 2 ? file.slice(r[0], r[1]) : null,
    original_sha256: await sha256Hex(file),
  };
}

/// The file's SHA-256; `null` outside a secure context, where browsers offer no digest.
async function sha256Hex(file) {
  try {
    if (!crypto.subtle) return null;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch (_) {
    return null;
  }
}

/// The photo redrawn at the configured long edge (upright: the browser applies the EXIF
/// orientation) as JPEG; `null` when it needs no shrinking or cannot be decoded.
async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (_) {
    return null;
  }
  const size = target_size(settings.long_edge, settings.send_original, bitmap.width, bitmap.height);
  if (size.length !== 2) {
    bitmap.close();
    return null;
  }
  const canvas = document.createElement('canvas');
  canvas.width = size[0];
  canvas.height = size[1];
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, size[0], size[1]);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', settings.quality / 100));
  // Let go of the pixels now rather than at the next collection.
  canvas.width = 0;
  return blob;
}

/// Attempts before the retries stop and the photo waits for a tap (2 + 4 + 8 + 16 + 32 s, then a
/// minute each: about four minutes without a connection).
const MAX_ATTEMPTS = 8;
const stalled = new Map();
const retrying = new Map();

function send(u) {
  const form = new FormData();
  form.append('id', u.id);
  form.append('inspection_id', u.inspection);
  if (u.line_id) form.append('line_id', u.line_id);
  if (u.fix) {
    form.append('lat', String(u.fix.lat));
    form.append('lon', String(u.fix.lon));
    form.append('accuracy_m', String(u.fix.accuracy_m));
    form.append('fix_at', u.fix.at);
  }
  form.append('captured_at', u.captured_at);
  if (u.exif) form.append('exif', u.exif, 'exif.tiff');
  if (u.original_sha256) form.append('original_sha256', u.original_sha256);
  form.append('file', u.body, u.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/photos', true);
  xhr.upload.onprogress = (e) => {
    // 99 at most until the server has answered.
    if (e.lengthComputable && e.total > 0) setState(u.item, 'uploading', Math.floor((e.loaded / e.total) * 99));
  };
  xhr.onloadend = () => {
    const status = xhr.status;
    if (status === 200 || status === 201) {
      queue.remove(u.id);
      setState(u.item, 'done', u.id);
    } else if (status === 0 || (status >= 502 && status <= 504)) {
      retry(u);
    } else {
      // Refused for good (not a photo, a submitted check): it stops waiting.
      queue.remove(u.id);
      setState(u.item, 'failed', errorOf(xhr.responseText) || T.bad_request);
    }
  };
  try {
    xhr.send(form);
  } catch (_) {
    retry(u);
  }
}

/// After a dropped connection: wait (2 s, 4 s … up to a minute) and send again with the same id;
/// after MAX_ATTEMPTS stop and wait for a tap.
function retry(u) {
  if (u.attempt + 1 >= MAX_ATTEMPTS) {
    stalled.set(u.id, u);
    setState(u.item, 'stalled');
    return;
  }
  setState(u.item, 'retrying');
  const delay = Math.min(2000 * 2 ** Math.min(u.attempt, 5), 60000);
  u.attempt += 1;
  retrying.set(u.id, u);
  setTimeout(() => {
    if (retrying.delete(u.id)) {
      setState(u.item, 'uploading', 0);
      send(u);
    }
  }, delay);
}

/// The connection is back: every photo waiting for its next attempt goes now. Photos whose retries
/// stopped still wait for a tap: the inspector decides when.
function connectionBack() {
  const waiting = [...retrying.values()];
  retrying.clear();
  for (const u of waiting) {
    setState(u.item, 'uploading', 0);
    send(u);
  }
}

function resumeStalled(key) {
  const u = stalled.get(key);
  if (!u) return;
  stalled.delete(key);
  u.attempt = 0;
  setState(u.item, 'uploading', 0);
  send(u);
}

/// Photos waiting on the phone, in IndexedDB (a photo is a Blob; localStorage holds text only):
/// put before the first send, removed when the server has it or refused it for good.
const queue = {
  store(mode) {
    return new Promise((resolve) => {
      if (!window.indexedDB) return resolve(null);
      const req = indexedDB.open('jieshui', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('photos', { keyPath: 'id' });
      req.onsuccess = () => {
        try {
          resolve(req.result.transaction('photos', mode).objectStore('photos'));
        } catch (_) {
          resolve(null);
        }
      };
      req.onerror = () => resolve(null);
    });
  },
  async run(mode, f) {
    const s = await this.store(mode);
    if (!s) return null;
    return new Promise((resolve) => {
      const r = f(s);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => resolve(null);
    });
  },
  put(u) {
    const o = {
      id: u.id, inspection: u.inspection, line_id: u.line_id, name: u.name, body: u.body,
      exif: u.exif, original_sha256: u.original_sha256, captured_at: u.captured_at,
    };
    if (u.fix) Object.assign(o, { lat: u.fix.lat, lon: u.fix.lon, accuracy_m: u.fix.accuracy_m, fix_at: u.fix.at });
    return this.run('readwrite', (s) => s.put(o));
  },
  remove(id) {
    return this.run('readwrite', (s) => s.delete(id));
  },
  async all() {
    const list = (await this.run('readonly', (s) => s.getAll())) || [];
    return list.filter((o) => o.inspection === ID && o.body instanceof Blob);
  },
};

/// Once per page: the photos of this check still waiting on the phone (taken offline, or in a tab
/// that was closed) are listed and sent; the phone is asked to keep its storage.
export async function resumeWaitingPhotos() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  window.addEventListener('online', connectionBack);
  for (const o of await queue.all()) {
    if (uploads.some((i) => i.key === o.id)) continue;
    const item = addItem(o.id, o.name, o.line_id, o.body);
    const fix = typeof o.lat === 'number' && typeof o.lon === 'number'
      ? { lat: o.lat, lon: o.lon, accuracy_m: o.accuracy_m || 0, at: o.fix_at || '' } : null;
    const u = {
      id: o.id, inspection: ID, line_id: o.line_id || null, name: o.name, body: o.body,
      exif: o.exif instanceof Blob ? o.exif : null, original_sha256: o.original_sha256 || null,
      captured_at: o.captured_at || '', fix, item, attempt: 0,
    };
    setState(item, 'uploading', 0);
    send(u);
  }
}

export function photoPicker(label, lineId, primary) {
  return h('label', { class: `btn btn-block file-button${primary ? ' btn-primary' : ''}` },
    label,
    h('input', {
      type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden',
      capture: settings.allow_gallery ? null : 'environment',
      onchange: (e) => startCapture(e.target, lineId),
    }));
}


/// The photo lists of lines or items no longer on the page are let go (the site's list stays).
export function forgetItemLists() {
  for (const [k] of uploadLists) if (k !== '') uploadLists.delete(k);
}

/// A JSON request: `{status, text}`, or `null` without a connection.
export async function request(method, url, body) {
  try {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(url, init);
    return { status: res.status, text: await res.text() };
  } catch (_) {
    return null;
  }
}

/// The service worker keeps this page and its script on the phone, so the check opens again
/// without a connection (`public/sw.js`).
export function keepPageOffline() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
}
