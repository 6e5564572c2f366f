// The market check page on a phone (/checks/{id}): the shop-front photos, the product lines judged
// the moment they are typed, the outcome, and submit.
//
// With `capture.js` (the page's data, words and photos) and the domain module `phone.js` /
// `phone_bg.wasm`, built from `app/src/phone.rs` (the same Rust functions the server judges with:
// the verdict, the submit check, the merge, the photo's EXIF block).
//
// Nothing typed is lost: the draft is kept in localStorage on every change and sent to the server
// whenever there is a connection; photos wait in IndexedDB until the server has them. The phone's
// copy and the server's are merged line by line (the later edit wins), and the page says so.
import {
  data, T, ID, h, newId, errorOf, uploadList, waitingPhotos, photoPicker, resumeWaitingPhotos,
  request, keepPageOffline, onPhotosChange, forgetItemLists,
} from './capture.js';
import { Rules, merge, num, filing_no_from_qr } from './phone.js';

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
  forgetItemLists();
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


function main() {
  onPhotosChange(() => { if (st) drawStatus(); });
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
