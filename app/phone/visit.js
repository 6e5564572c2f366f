// The check page on a phone (/checks/{id}): the shop-front photos, the product lines judged the
// moment they are typed, the outcome, and submit.
//
// This page carries no Leptos island: its script is this file plus the domain module `phone.js` /
// `phone_bg.wasm`, built from `app/src/phone.rs` (the same Rust functions the server judges with:
// the verdict, the submit check, the merge, the photo's EXIF block). Everything it shows in words
// comes from the server's message table (`visit-data`), so the page speaks the user's language.
//
// Nothing typed is lost: the draft is kept in localStorage on every change and sent to the server
// whenever there is a connection; photos wait in IndexedDB until the server has them. The phone's
// copy and the server's are merged line by line (the later edit wins), and the page says so.
import init, {
  Rules, merge, num, uuid_v7, exif_range, is_heic, filing_no_from_qr, target_size,
} from './phone.js';

// The domain module first: everything below may call it.
await init();

const data = JSON.parse(document.getElementById('visit-data').textContent);
const T = data.t;
const ID = data.id;
const settings = data.settings;

/// An element with its properties, listeners (`onclick`…) and children.
function h(tag, props, ...kids) {
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

function newId() {
  const random = new Uint8Array(16);
  crypto.getRandomValues(random);
  return uuid_v7(Date.now(), random);
}

/// The `error` text of a JSON refusal from the server.
function errorOf(text) {
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

function uploadList(lineId) {
  const ul = h('ul', { class: 'upload-list', 'aria-live': 'polite' });
  uploadLists.set(lineId || '', ul);
  for (const item of uploads) if ((item.line_id || '') === (lineId || '')) ul.append(item.li);
  return ul;
}

function waitingPhotos() {
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
  drawStatus();
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
  drawStatus();
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
async function resumeWaitingPhotos() {
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

function photoPicker(label, lineId, primary) {
  return h('label', { class: `btn btn-block file-button${primary ? ' btn-primary' : ''}` },
    label,
    h('input', {
      type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden',
      capture: settings.allow_gallery ? null : 'environment',
      onchange: (e) => startCapture(e.target, lineId),
    }));
}

// ---------------------------------------------------------------------------------------------
// The market check: lines, outcome, the phone's copy, saving, submit.

const market = data.market;
const rules = market ? new Rules(JSON.stringify(market.rules), market.visit_day, data.lang) : null;
const categories = (market && market.rules && market.rules.categories) || [];
const KEY = `jieshui.visit.${ID}`;
const st = market ? {
  lines: market.draft.lines,
  removed: [],
  unsent: [],
  outcome: market.draft.outcome,
  outcome_note: market.draft.outcome_note || '',
  rectify_by: market.draft.rectify_by || '',
  sync: { kind: 'saved' },
  open: null,
  merged: false,
  problem: null,
  submitting: false,
} : null;
const savedPhotos = data.line_photos || {};
// The supervisor's comments on single lines when the check came back (line id → text).
const returnedLines = (data.returned && data.returned.lines) || {};
const view = {};

function category(slug) {
  return categories.find((c) => c.slug === slug);
}

function catName(c) {
  return data.lang === 'en' ? c.name_en : c.name_zh;
}

function judge(line) {
  return JSON.parse(rules.judge(JSON.stringify(line)));
}

function suggested() {
  return rules.suggest(JSON.stringify(st.lines));
}

function contractDraft() {
  return {
    lines: st.lines,
    outcome: st.outcome || null,
    outcome_note: st.outcome_note,
    rectify_by: st.rectify_by || null,
  };
}

function phoneCopy() {
  return {
    lines: st.lines, removed: st.removed, outcome: st.outcome || null,
    outcome_note: st.outcome_note, rectify_by: st.rectify_by, unsent: st.unsent,
  };
}

function keep() {
  try {
    localStorage.setItem(KEY, JSON.stringify(phoneCopy()));
  } catch (_) {
    // Storage full or off: the draft still goes to the server.
  }
}

let timer = null;
let busy = false;

/// After any change: kept on the phone at once, sent to the server after a short pause in typing.
function changed(what) {
  if (!st.unsent.includes(what)) st.unsent.push(what);
  keep();
  later(700);
  drawStatus();
}

function later(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => { trySave(); }, ms);
}

function edit(id, f) {
  const l = st.lines.find((x) => x.id === id);
  if (!l) return;
  f(l);
  l.edited_at = Date.now();
  changed(id);
  drawLine(id);
  drawOutcome();
}

async function request(method, url, body) {
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

const sameLine = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/// `true`: the server holds everything; `false`: refused; `null`: no connection. One save runs at
/// a time; a change made while it ran stays unsent and goes with the next.
async function trySave() {
  if (!st.unsent.length) return true;
  if (!navigator.onLine) {
    st.sync = { kind: 'offline' };
    drawStatus();
    return null;
  }
  if (busy) {
    later(500);
    return null;
  }
  busy = true;
  st.sync = { kind: 'saving' };
  drawStatus();
  const sent = JSON.parse(JSON.stringify(phoneCopy()));
  const answer = await request('PUT', `/api/inspections/${ID}/draft`, contractDraft());
  busy = false;
  if (answer && answer.status >= 200 && answer.status < 300) {
    const now = phoneCopy();
    // What changed while the request was out stays unsent.
    st.unsent = st.unsent.filter((x) => {
      if (x === 'outcome') {
        return now.outcome !== sent.outcome || now.outcome_note !== sent.outcome_note
          || now.rectify_by !== sent.rectify_by;
      }
      return !sameLine(now.lines.find((l) => l.id === x), sent.lines.find((l) => l.id === x));
    });
    st.removed = st.removed.filter((x) => !sent.removed.includes(x));
    st.sync = { kind: 'saved' };
    keep();
    drawStatus();
    if (st.unsent.length) later(300);
    return true;
  }
  if (answer && answer.status === 409) {
    // Submitted meanwhile (another tab): the page shows the record as it is.
    localStorage.removeItem(KEY);
    location.reload();
    return false;
  }
  if (answer) {
    st.sync = { kind: 'refused', message: errorOf(answer.text) || T.bad_request };
    drawStatus();
    return false;
  }
  st.sync = { kind: 'offline' };
  drawStatus();
  later(15000);
  return null;
}

async function submit() {
  st.problem = null;
  if (!st.outcome) {
    st.outcome = suggested();
    changed('outcome');
    drawOutcome();
  }
  const problem = rules.submit_problem(JSON.stringify(contractDraft()));
  if (problem) return showProblem(problem);
  st.submitting = true;
  view.submit.disabled = true;
  const fail = (m) => {
    st.submitting = false;
    view.submit.disabled = false;
    showProblem(m);
  };
  if (!navigator.onLine) return fail(T.submit_needs_connection);
  const saved = await trySave();
  if (saved === false) return fail(st.sync.kind === 'refused' ? st.sync.message : T.bad_request);
  if (saved === null) return fail(T.submit_needs_connection);
  const answer = await request('POST', `/api/inspections/${ID}/submit`);
  if (!answer) return fail(T.submit_needs_connection);
  if (answer.status === 200 || answer.status === 201) {
    localStorage.removeItem(KEY);
    location.reload();
    return undefined;
  }
  return fail(errorOf(answer.text) || T.bad_request);
}

function showProblem(m) {
  view.problem.textContent = m || '';
  view.problem.hidden = !m;
}

function drawStatus() {
  if (!view.status) return;
  const lines = st.unsent.filter((x) => x !== 'outcome').length;
  const photos = waitingPhotos();
  let s;
  if (st.sync.kind === 'saved' && lines === 0) s = T.draft_saved;
  else if (st.sync.kind === 'saving') s = T.draft_saving;
  else if (st.sync.kind === 'refused') s = st.sync.message;
  else s = T.draft_on_phone;
  if (lines > 0) s += ` · ${lines} ${T.lines_waiting}`;
  if (photos > 0) s += ` · ${photos} ${T.photos_waiting}`;
  view.status.textContent = s;
}

function numText(v) {
  return v === null || v === undefined ? '' : num(v);
}

function field(label, input, extra) {
  return h('label', { class: 'field' }, h('span', null, label), input, extra || null);
}

function textField(label, line, key, list) {
  return field(label, h('input', {
    type: 'text', maxlength: 100, list, value: line[key] || '',
    oninput: (e) => { const v = e.target.value; edit(line.id, (l) => { l[key] = v; }); },
  }));
}

function figureField(line, key, fig) {
  if (!fig) return null;
  const name = data.lang === 'en' ? fig.name_en : fig.name_zh;
  const alert = h('span', { class: 'alert-inline', role: 'alert', hidden: true }, T.not_a_number);
  const input = h('input', {
    type: 'text', inputmode: 'decimal', value: numText(line[key]),
    oninput: (e) => {
      const t = e.target.value.trim().replace(',', '.');
      const x = t === '' ? null : Number(t);
      const ok = x === null || (/^\d*\.?\d*$/.test(t) && Number.isFinite(x) && x >= 0);
      alert.hidden = ok;
      if (ok) edit(line.id, (l) => { l[key] = x; });
    },
  });
  return h('label', { class: 'field' },
    h('span', null, `${name} (${fig.unit})`),
    h('span', { class: 'with-unit' }, input, h('span', { class: 'unit' }, fig.unit)),
    alert);
}

function switchField(label, line, key) {
  return h('label', { class: 'switch' },
    h('input', {
      type: 'checkbox', checked: !!line[key],
      onchange: (e) => { const v = e.target.checked; edit(line.id, (l) => { l[key] = v; }); },
    }),
    h('span', null, label));
}

/// The label's filing number (备案号): typed, or read from the label's QR code with the camera
/// where the browser offers BarcodeDetector.
function filingNo(line) {
  const input = h('input', {
    type: 'text', maxlength: 100, value: line.filing_no || '',
    oninput: (e) => { const v = e.target.value; edit(line.id, (l) => { l.filing_no = v; }); },
  });
  const scan = 'BarcodeDetector' in window ? h('label', { class: 'btn btn-block file-button' },
    T.scan_filing_no,
    h('input', {
      type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
      onchange: async (e) => {
        const file = e.target.files && e.target.files[0];
        if (!file) return;
        try {
          // eslint-disable-next-line no-undef
          const detector = new BarcodeDetector({ formats: ['qr_code'] });
          const codes = await detector.detect(await createImageBitmap(file));
          if (codes.length) {
            input.value = filing_no_from_qr(codes[0].rawValue);
            const v = input.value;
            edit(line.id, (l) => { l.filing_no = v; });
          }
        } catch (_) {
          // Not readable: the number is typed.
        }
      },
    })) : null;
  return [field(T.filing_no, input), scan];
}

/// One product line: a summary with its verdict, and (when open) its fields.
function lineCard(line) {
  const c = category(line.category);
  const v = {};
  v.icon = h('span', { class: `cat-icon cat-${line.category}`, 'aria-hidden': 'true' });
  v.title = h('strong', { class: 'line-title' });
  v.verdict = h('span');
  v.reason = h('p', { class: 'small line-reason', 'aria-live': 'polite' });
  v.toggle = h('button', {
    type: 'button', class: 'btn btn-small',
    onclick: () => { st.open = st.open === line.id ? null : line.id; drawOpen(); },
  });
  const gradeName = (g) => T.grade.replace('{g}', g);
  v.grades = h('fieldset', { class: 'grade-group' },
    h('legend', null, T.grade_shown),
    Array.from({ length: c ? c.grades : 0 }, (_, i) => i + 1).map((g) => h('label', { class: 'grade-btn' },
      h('input', {
        type: 'radio', name: `grade-${line.id}`, value: g, checked: line.grade === g,
        onchange: () => edit(line.id, (l) => { l.grade = g; }),
      }),
      h('span', null, gradeName(g)))));
  let confirm = false;
  const remove = h('button', {
    type: 'button', class: 'btn btn-danger',
    onclick: () => {
      if (!confirm) {
        confirm = true;
        remove.textContent = T.confirm_remove_line;
        return;
      }
      st.lines = st.lines.filter((l) => l.id !== line.id);
      st.removed.push(line.id);
      changed(line.id);
      drawLines();
      drawOutcome();
    },
  }, T.remove_line);
  v.fields = h('div', { class: 'line-fields stack' },
    textField(T.brand, line, 'brand', 'brand-list'),
    textField(T.model, line, 'model'),
    switchField(T.label_present, line, 'label_present'),
    v.grades,
    figureField(line, 'figure', c && c.figure),
    figureField(line, 'figure2', c && c.figure2),
    field(T.quantity_on_display, h('input', {
      type: 'number', inputmode: 'numeric', min: 0, max: 100000, value: String(line.quantity ?? 0),
      oninput: (e) => {
        const q = parseInt(e.target.value.trim(), 10);
        edit(line.id, (l) => { l.quantity = Number.isFinite(q) && q >= 0 ? q : 0; });
      },
    })),
    switchField(T.phased_out_type, line, 'phased_out'),
    filingNo(line),
    textField(T.manufacturer, line, 'manufacturer'),
    field(T.line_note, h('textarea', {
      maxlength: 2000, rows: 2, value: line.note || '',
      oninput: (e) => { const x = e.target.value; edit(line.id, (l) => { l.note = x; }); },
    })),
    photoPicker(T.line_photo, line.id, false),
    remove);
  const saved = savedPhotos[line.id] || 0;
  const said = returnedLines[line.id];
  v.li = h('li', { class: said ? 'line-card line-returned' : 'line-card' },
    h('div', { class: 'line-head' }, v.icon, v.title, v.verdict),
    said ? h('p', { class: 'review-comment', role: 'note' }, h('strong', null, T.supervisor_says), ' ', said) : null,
    v.reason, v.toggle, v.fields,
    saved > 0 ? h('p', { class: 'small muted' }, `${saved} ${T.line_photos_saved}`) : null,
    uploadList(line.id));
  view.cards.set(line.id, v);
  drawLine(line.id);
  return v.li;
}

function drawLine(id) {
  const v = view.cards.get(id);
  const line = st.lines.find((l) => l.id === id);
  if (!v || !line) return;
  const c = category(line.category);
  v.title.textContent = `${c ? catName(c) : line.category} ${line.brand || ''} ${line.model || ''}`;
  const j = judge(line);
  if (j && j.verdict) {
    v.verdict.className = `verdict ${j.verdict === 'water_saving' ? 'verdict-ok' : j.verdict === 'needs_review' ? 'verdict-review' : 'verdict-bad'}`;
    v.verdict.textContent = data.verdicts[j.verdict];
  } else {
    v.verdict.className = 'verdict verdict-review';
    v.verdict.textContent = '?';
  }
  v.reason.textContent = j ? j.reason : T.no_rules_in_force;
  v.grades.hidden = !line.label_present;
  const open = st.open === id;
  v.fields.hidden = !open;
  v.toggle.setAttribute('aria-expanded', String(open));
  v.toggle.textContent = open ? T.done_editing : T.edit_line;
}

function drawOpen() {
  for (const id of view.cards.keys()) drawLine(id);
}

function drawLines() {
  view.cards = new Map();
  for (const [k] of uploadLists) if (k !== '') uploadLists.delete(k);
  view.list.replaceChildren(...st.lines.map(lineCard));
  view.count.textContent = `${T.product_lines} (${st.lines.length})`;
}

function addLine(c) {
  const id = newId();
  st.lines.push({
    id, category: c.slug, brand: '', model: '', manufacturer: '', label_present: !!c.label,
    grade: null, figure: null, figure2: null, quantity: 1, phased_out: false, filing_no: '',
    note: '', edited_at: Date.now(),
  });
  st.open = id;
  changed(id);
  view.list.append(lineCard(st.lines[st.lines.length - 1]));
  view.count.textContent = `${T.product_lines} (${st.lines.length})`;
  drawOpen();
  drawOutcome();
}

function drawOutcome() {
  const s = suggested();
  const chosen = st.outcome || s;
  view.suggested.textContent = outcomeText(s);
  for (const r of view.outcomes) r.checked = r.value === chosen;
  view.rectify.hidden = chosen === 'compliant';
}

function outcomeText(slug) {
  const o = data.outcomes.find((x) => x.slug === slug);
  return o ? o.text : slug;
}

function outcomeCard() {
  const radios = data.outcomes.map(({ slug: o }) => h('input', {
    type: 'radio', name: 'outcome', value: o,
    onchange: () => { st.outcome = o; changed('outcome'); drawOutcome(); },
  }));
  view.outcomes = radios;
  view.suggested = h('strong', { class: 'suggested' });
  view.rectify = field(T.rectify_by, h('input', {
    type: 'date', value: st.rectify_by,
    oninput: (e) => { st.rectify_by = e.target.value; changed('outcome'); },
  }));
  return h('section', { class: 'card stack', 'aria-labelledby': 'outcome-h' },
    h('h2', { id: 'outcome-h' }, T.outcome_title),
    h('p', { class: 'small' }, T.suggested_outcome, ' ', view.suggested),
    h('fieldset', { class: 'outcome-group' },
      h('legend', null, T.confirm_outcome),
      radios.map((r) => h('label', { class: 'choice' }, r, h('span', null, outcomeText(r.value))))),
    view.rectify,
    field(T.outcome_note, h('textarea', {
      maxlength: 2000, rows: 2, value: st.outcome_note,
      oninput: (e) => { st.outcome_note = e.target.value; changed('outcome'); },
    })));
}

function drawEditor(root) {
  view.cards = new Map();
  view.status = h('p', { class: 'sync-status small', role: 'status', 'aria-live': 'polite' });
  view.merged = h('p', { class: 'notice small', role: 'status', hidden: !st.merged }, T.draft_merged);
  view.count = h('h2', { id: 'lines-h' });
  view.list = h('ol', { class: 'line-list', 'aria-label': T.product_lines });
  view.problem = h('p', { class: 'alert', role: 'alert', hidden: true });
  view.submit = h('button', { type: 'button', class: 'btn btn-primary btn-block', onclick: submit }, T.submit_check);
  root.replaceChildren(
    h('datalist', { id: 'brand-list' }, (market.brands || []).map((b) => h('option', { value: b }))),
    view.status,
    view.merged,
    h('section', { class: 'card stack', 'aria-labelledby': 'lines-h' },
      view.count,
      view.list,
      h('fieldset', { class: 'add-line' },
        h('legend', null, T.add_line),
        h('div', { class: 'cat-grid' }, categories.map((c) => h('button', {
          type: 'button', class: 'cat-btn', onclick: () => addLine(c),
        }, h('span', { class: `cat-icon cat-${c.slug}`, 'aria-hidden': 'true' }), catName(c)))))),
    outcomeCard(),
    view.problem,
    view.submit);
  drawLines();
  drawOutcome();
  drawStatus();
}

/// The phone's copy merged with the server's; unsent work goes at once.
function resumeDraft() {
  let phone = null;
  try {
    phone = JSON.parse(localStorage.getItem(KEY) || 'null');
  } catch (_) {
    phone = null;
  }
  if (phone && Array.isArray(phone.lines)) {
    const server = st.lines;
    const m = JSON.parse(merge(JSON.stringify(phone.lines), JSON.stringify(phone.removed || []), JSON.stringify(server)));
    const unsent = Array.isArray(phone.unsent) ? phone.unsent : [];
    if (m && (unsent.length || !sameLine(m.lines, server))) {
      st.lines = m.lines;
      st.removed = phone.removed || [];
      if (unsent.includes('outcome')) {
        st.outcome = phone.outcome;
        st.outcome_note = phone.outcome_note || '';
        st.rectify_by = phone.rectify_by || '';
      }
      st.unsent = unsent;
      st.merged = m.from_server && phone.lines.length > 0;
    }
  }
}

/// The service worker keeps this page and its script on the phone, so the check opens again
/// without a connection (`public/sw.js`).
function keepPageOffline() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
}

function main() {
  const capture = document.getElementById('capture');
  if (capture) capture.replaceChildren(photoPicker(T.take_photo, null, true), uploadList(null));
  const root = document.getElementById('visit');
  if (market && root) {
    resumeDraft();
    drawEditor(root);
    keep();
    if (st.unsent.length) later(0);
    window.addEventListener('online', () => later(0));
  }
  resumeWaitingPhotos();
  keepPageOffline();
}

main();
