// The audit page on a phone (/checks/{id} of a community, unit, enterprise or public building):
// the score sheet item by item, grouped, each with its answer, note and photos; fixture counts;
// the site's facts as found; the running total, normalised over the applicable items, against the
// pass mark; and submit.
//
// With `capture.js` (the page's data, words and photos) and the domain module `phone.js` /
// `phone_bg.wasm`: the score is worked out by the same Rust function the server scores with
// (`AuditSheet::score` in `app/src/phone.rs`), so what the phone shows is what the server stores.
//
// Nothing typed is lost: the draft is kept in localStorage on every change and sent to the server
// whenever there is a connection (the phone's unsent copy wins when the page opens again); each
// item's photos go through the item's own line id and wait in IndexedDB until the server has them.
import {
  data, T, ID, h, errorOf, uploadList, waitingPhotos, photoPicker, resumeWaitingPhotos,
  request, keepPageOffline, onPhotosChange, uploadsDone,
} from './capture.js';
import { Audit, num } from './phone.js';

const audit = data.audit;
const sheet = audit.sheet;
/// What may be counted: the categories of the market-check rules in force on the audit's day.
const categories = (audit.rules && audit.rules.categories) || [];
const scorer = new Audit(JSON.stringify(sheet), JSON.stringify(audit.rules ?? null), audit.visit_day, data.lang);
const KEY = `jieshui.audit.${ID}`;
const en = data.lang === 'en';
const pick = (zh, e) => (en ? e : zh);
const pts = (tenths) => num(tenths / 10);

const st = {
  draft: audit.draft,
  unsent: false,
  sync: { kind: 'saved' },
  submitting: false,
  resumed: false,
};
const view = { items: new Map(), countVerdicts: new Map() };

function entry(id) {
  return st.draft.items.find((e) => e.item_id === id);
}

/// The item's entry, made when it is first answered.
function entryFor(id) {
  let e = entry(id);
  if (!e) {
    e = { item_id: id, note: '' };
    st.draft.items.push(e);
  }
  return e;
}

function clearAnswer(e) {
  delete e.score;
  delete e.value;
  delete e.passed;
  delete e.not_applicable;
}

/// Photos of an item (or `facts`): on the server when the page opened, plus those sent since.
function photosOf(key) {
  return (audit.photos[key] || 0) + uploadsDone(audit.line_ids[key]);
}

function photoCounts() {
  const out = {};
  for (const key of Object.keys(audit.line_ids)) out[key] = photosOf(key);
  return out;
}

function score() {
  return JSON.parse(scorer.score(JSON.stringify(st.draft), JSON.stringify(photoCounts())));
}

function keep() {
  try {
    localStorage.setItem(KEY, JSON.stringify({ draft: st.draft, unsent: st.unsent }));
  } catch (_) {
    // Storage full or off: the draft still goes to the server.
  }
}

let timer = null;
let busy = false;

function changed() {
  st.unsent = true;
  keep();
  later(700);
  drawScore();
  drawStatus();
}

function later(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => { trySave(); }, ms);
}

/// `true`: the server holds everything; `false`: refused; `null`: no connection.
async function trySave() {
  if (!st.unsent) return true;
  const s = score();
  if (s && s.field) {
    // The server would refuse it too: say so where it is and keep it on the phone.
    st.sync = { kind: 'refused', message: s.error };
    drawStatus();
    return false;
  }
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
  const sent = JSON.stringify(st.draft);
  const answer = await request('PUT', `/api/inspections/${ID}/draft`, st.draft);
  busy = false;
  if (answer && answer.status >= 200 && answer.status < 300) {
    // A change made while the request was out stays unsent.
    st.unsent = JSON.stringify(st.draft) !== sent;
    st.sync = { kind: 'saved' };
    keep();
    drawStatus();
    if (st.unsent) later(300);
    return true;
  }
  if (answer && answer.status === 409) {
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

function drawStatus() {
  if (!view.status) return;
  const photos = waitingPhotos();
  let s;
  if (st.sync.kind === 'saved' && !st.unsent) s = T.draft_saved;
  else if (st.sync.kind === 'saving') s = T.draft_saving;
  else if (st.sync.kind === 'refused') s = st.sync.message;
  else s = T.draft_on_phone;
  if (photos > 0) s += ` · ${photos} ${T.photos_waiting}`;
  view.status.textContent = s;
  view.status.classList.toggle('sync-refused', st.sync.kind === 'refused');
}

function drawScore() {
  const s = score();
  if (!s || s.field) return;
  view.total.textContent = `${num(s.total)} / ${num(s.applicable_max)}`;
  view.normalised.textContent = num(s.normalised);
  view.pass.textContent = s.passed ? T.audit_passed : T.audit_failed;
  view.pass.className = s.passed ? 'tag tag-ok' : 'tag tag-warn';
  for (const [id, v] of view.items) {
    const it = sheet.items.find((x) => x.id === id);
    const p = s.points[id];
    v.points.textContent = `${p === null || p === undefined ? '–' : num(p)} / ${pts(it.max)}`;
    const needs = s.needs_evidence.includes(id);
    v.evidence.hidden = !needs;
    v.li.classList.toggle('item-needs', needs);
    v.photos.textContent = `${T.item_photos} ${photosOf(id)}`;
    const answered = !s.unanswered.includes(id);
    v.li.classList.toggle('item-open', !answered);
  }
  if (view.rate) {
    view.rate.textContent = s.fixture_rate === null || s.fixture_rate === undefined
      ? '' : `${T.fixture_rate} ${num(Math.round(s.fixture_rate * 1000) / 10)}%`;
  }
  drawCountVerdicts(s);
  if (view.factPhotos) view.factPhotos.textContent = `${T.item_photos} ${photosOf('facts')}`;
}

function field(label, input) {
  return h('label', { class: 'field' }, h('span', null, label), input);
}

/// A number typed, or `null` for an empty or unreadable field.
function typed(el) {
  const t = el.value.trim().replace(',', '.');
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

function answerControls(it) {
  const e = entry(it.id) || {};
  const na = e.not_applicable === true;
  const kind = it.scoring.type;
  const label = pick(it.requirement_zh, it.requirement_en);
  let control;
  if (kind === 'pass_fail') {
    const radios = [[true, T.item_met], [false, T.item_not_met]].map(([v, text]) => h('label', { class: 'grade-btn' },
      h('input', {
        type: 'radio', name: `pf-${it.id}`, checked: e.passed === v, disabled: na,
        onchange: () => { const x = entryFor(it.id); clearAnswer(x); x.passed = v; changed(); },
      }),
      h('span', null, text)));
    control = h('fieldset', { class: 'grade-group' }, h('legend', { class: 'visually-hidden' }, label), radios);
  } else {
    const measured = kind === 'measured';
    const unit = measured ? it.scoring.unit : '';
    const text = measured
      ? `${T.measured_value}${unit ? ` (${unit})` : ''} · ${T.target} ${it.scoring.direction === 'at_least' ? '≥' : '≤'} ${num(it.scoring.target)}`
      : `${T.total_score} (0–${pts(it.max)})`;
    const input = h('input', {
      type: 'number', inputmode: 'decimal', min: 0, step: measured ? 'any' : 0.5,
      max: measured ? null : it.max / 10, disabled: na, 'aria-label': `${text} · ${label}`,
      value: measured ? (e.value ?? '') : (e.score ?? ''),
      oninput: (ev) => {
        const v = typed(ev.target);
        const x = entryFor(it.id);
        clearAnswer(x);
        if (v !== null) x[measured ? 'value' : 'score'] = Number.isNaN(v) ? -1 : v;
        changed();
      },
    });
    control = h('div', { class: 'score-input' }, field(text, input),
      measured ? null : h('button', {
        type: 'button', class: 'btn btn-small', disabled: na, 'aria-label': `${T.full_marks} · ${label}`,
        onclick: () => { const x = entryFor(it.id); clearAnswer(x); x.score = it.max / 10; input.value = String(it.max / 10); changed(); },
      }, `${pts(it.max)}`));
  }
  const naBox = it.may_be_na ? h('label', { class: 'switch' },
    h('input', {
      type: 'checkbox', checked: na,
      onchange: (ev) => {
        const x = entryFor(it.id);
        clearAnswer(x);
        if (ev.target.checked) x.not_applicable = true;
        changed();
        drawItem(it.id);
      },
    }),
    h('span', null, T.not_applicable)) : null;
  return [control, naBox];
}

function itemCard(it) {
  const v = {};
  v.points = h('strong', { class: 'item-points' });
  v.evidence = h('span', { class: 'tag tag-warn', hidden: true }, T.needs_evidence);
  v.photos = h('span', { class: 'small muted' });
  v.answer = h('div', { class: 'stack item-answer' });
  const e = entry(it.id) || {};
  v.li = h('li', { class: 'item-card', 'data-item': it.id },
    h('p', { class: 'item-req' }, pick(it.requirement_zh, it.requirement_en)),
    h('p', { class: 'item-head' }, v.points, ' ', v.evidence),
    v.answer,
    field(T.item_note, h('textarea', {
      rows: 1, maxlength: 2000, value: e.note || '',
      'aria-label': `${T.item_note} · ${pick(it.requirement_zh, it.requirement_en)}`,
      oninput: (ev) => { entryFor(it.id).note = ev.target.value; changed(); },
    })),
    h('div', { class: 'item-photo-row' }, v.photos),
    photoPicker(`${T.item_photos} · ${pick(it.requirement_zh, it.requirement_en).slice(0, 12)}`, audit.line_ids[it.id], false),
    uploadList(audit.line_ids[it.id]));
  view.items.set(it.id, v);
  drawItem(it.id);
  return v.li;
}

function drawItem(id) {
  const v = view.items.get(id);
  const it = sheet.items.find((x) => x.id === id);
  if (!v || !it) return;
  v.answer.replaceChildren(...answerControls(it).filter(Boolean));
  drawScore();
}

/// The sheet's fixture-rate item (a measured item with the id `fixture_rate`) takes its value from
/// the counts as they change; the auditor may still type another.
function syncFixtureRate() {
  const it = sheet.items.find((x) => x.id === 'fixture_rate' && x.scoring.type === 'measured');
  if (!it) return;
  const s = score();
  if (!s || s.field || s.fixture_rate === null || s.fixture_rate === undefined) return;
  const e = entryFor(it.id);
  if (e.not_applicable) return;
  clearAnswer(e);
  e.value = Math.round(s.fixture_rate * 1000) / 10;
  drawItem(it.id);
}

function catName(slug) {
  const c = ruleOf(slug);
  return c ? pick(c.name_zh, c.name_en) : slug;
}

function ruleOf(slug) {
  return categories.find((x) => x.slug === slug) || null;
}

/// One counted category: how many are installed, and how many of them are water-saving, counted
/// by the auditor or judged from the label read on them (with the rules the market checks use).
function countRow(c, redraw) {
  const name = catName(c.category);
  const rule = ruleOf(c.category);
  const numberField = (label, value, onValue, mode) => field(`${label} · ${name}`, h('input', {
    type: 'number', inputmode: mode, min: 0, step: mode === 'numeric' ? 1 : 'any', value: value ?? '',
    oninput: (ev) => { onValue(typed(ev.target)); syncFixtureRate(); changed(); },
  }));
  const whole = (v) => (v === null ? 0 : (Number.isInteger(v) ? v : -1));
  const installed = numberField(T.fixtures_installed, String(c.installed ?? 0), (v) => { c.installed = whole(v); }, 'numeric');
  const verdict = h('p', { class: 'count-verdict small', role: 'status', 'aria-live': 'polite' });
  let body;
  if (c.label) {
    const gradeName = (g) => T.grade.replace('{g}', g);
    const grades = h('fieldset', { class: 'grade-group' },
      h('legend', null, `${T.grade_shown} · ${name}`),
      Array.from({ length: rule ? rule.grades : 0 }, (_, i) => i + 1).map((g) => h('label', { class: 'grade-btn' },
        h('input', {
          type: 'radio', name: `count-grade-${c.category}`, value: g, checked: c.label.grade === g,
          onchange: () => { c.label.grade = g; syncFixtureRate(); changed(); },
        }),
        h('span', null, gradeName(g)))));
    const figure = (key, fig) => (fig ? numberField(`${pick(fig.name_zh, fig.name_en)} (${fig.unit})`,
      c.label[key] === null || c.label[key] === undefined ? '' : String(c.label[key]),
      (v) => { if (v === null) delete c.label[key]; else c.label[key] = Number.isNaN(v) ? -1 : v; }, 'decimal') : null);
    body = [grades, figure('figure', rule && rule.figure), figure('figure2', rule && rule.figure2), verdict];
  } else {
    body = [numberField(T.fixtures_saving, String(c.water_saving ?? 0), (v) => { c.water_saving = whole(v); }, 'numeric')];
  }
  const fromLabel = h('label', { class: 'switch' },
    h('input', {
      type: 'checkbox', checked: !!c.label, 'aria-label': `${T.count_from_label} · ${name}`,
      onchange: (ev) => {
        if (ev.target.checked) {
          c.label = { grade: null };
        } else {
          delete c.label;
          c.water_saving = 0;
        }
        delete c.verdict;
        syncFixtureRate();
        changed();
        redraw();
      },
    }),
    h('span', null, T.count_from_label));
  const row = h('div', { class: 'count-row stack', 'data-category': c.category },
    h('div', { class: 'row-between' }, h('strong', null, name),
      h('button', {
        type: 'button', class: 'btn btn-small', 'aria-label': `${T.remove_count} · ${name}`,
        onclick: () => {
          st.draft.fixture_counts = st.draft.fixture_counts.filter((x) => x !== c);
          syncFixtureRate();
          changed();
          redraw();
        },
      }, T.remove_count)),
    installed, fromLabel, ...body.filter(Boolean));
  view.countVerdicts.set(c.category, verdict);
  return row;
}

/// The verdicts on the labels read, as the score worked them out.
function drawCountVerdicts(s) {
  for (const [slug, el] of view.countVerdicts) {
    const c = (s.counts || []).find((x) => x.category === slug);
    el.textContent = c && c.verdict
      ? `${T.count_judged}${en ? ': ' : '：'}${data.verdicts[c.verdict] || c.verdict} · ${T.fixtures_saving} ${c.water_saving} / ${c.installed}`
      : '';
    const tone = !c || !c.verdict ? '' : c.verdict === 'water_saving' ? ' verdict-ok'
      : c.verdict === 'needs_review' ? ' verdict-review' : ' verdict-bad';
    el.className = `count-verdict small${tone}`;
  }
}

function countsCard() {
  const rows = h('div', { class: 'stack' });
  const select = h('select', { 'aria-label': T.add_fixture_count });
  const free = () => categories.filter((c) => !st.draft.fixture_counts.some((x) => x.category === c.slug));
  const fill = () => select.replaceChildren(...free().map((c) => h('option', { value: c.slug }, pick(c.name_zh, c.name_en))));
  const draw = () => {
    view.countVerdicts = new Map();
    rows.replaceChildren(...st.draft.fixture_counts.map((c) => countRow(c, draw)));
    fill();
    const s = score();
    if (s && !s.field) drawCountVerdicts(s);
  };
  view.rate = h('p', { class: 'fixture-rate', role: 'status' });
  draw();
  return h('section', { class: 'card stack', 'aria-labelledby': 'counts-h' },
    h('h2', { id: 'counts-h' }, T.fixture_counts),
    rows,
    h('div', { class: 'inline-fields' }, select, h('button', {
      type: 'button', class: 'btn',
      onclick: () => {
        if (!select.value) return;
        st.draft.fixture_counts.push({ category: select.value, installed: 0, water_saving: 0 });
        draw();
        changed();
      },
    }, T.add_fixture_count)),
    view.rate,
    photoPicker(`${T.fixture_counts} · ${T.item_photos}`, audit.line_ids.fixtures, false),
    uploadList(audit.line_ids.fixtures));
}

function factsCard() {
  if (!audit.households && !audit.water_use) return null;
  const facts = st.draft.facts || (st.draft.facts = {});
  const reg = audit.registry;
  const input = (k, label, was, integer) => field(`${label} · ${T.registry_has} ${was ?? '–'}`, h('input', {
    type: 'number', inputmode: integer ? 'numeric' : 'decimal', min: 0, step: integer ? 1 : 'any',
    value: facts[k] ?? '',
    oninput: (ev) => {
      const v = typed(ev.target);
      if (v === null) delete facts[k];
      else facts[k] = Number.isNaN(v) || (integer && !Number.isInteger(v)) ? -1 : v;
      changed();
    },
  }));
  view.factPhotos = h('span', { class: 'small muted' });
  return h('section', { class: 'card stack', 'aria-labelledby': 'facts-h' },
    h('h2', { id: 'facts-h' }, T.site_facts),
    audit.households ? input('households', T.households_found, reg.households, true) : null,
    audit.water_use ? input('annual_water_m3', T.water_use_found, reg.annual_water_m3, false) : null,
    audit.water_use ? view.factPhotos : null,
    audit.water_use ? photoPicker(T.fact_photo, audit.line_ids.facts, false) : null,
    audit.water_use ? uploadList(audit.line_ids.facts) : null);
}

async function submit() {
  showProblem(null);
  const s = score();
  if (!s || s.field) return showProblem(s ? s.error : T.bad_request);
  if (s.unanswered.length || s.needs_evidence.length) {
    const first = s.unanswered[0] || s.needs_evidence[0];
    const el = view.items.get(first);
    if (el) el.li.scrollIntoView({ block: 'center' });
    return showProblem(T.audit_incomplete);
  }
  const facts = st.draft.facts || {};
  if (audit.water_use && facts.annual_water_m3 !== undefined && photosOf('facts') === 0) {
    return showProblem(T.water_use_photo_needed);
  }
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

function drawEditor(root) {
  view.status = h('p', { class: 'sync-status small', role: 'status', 'aria-live': 'polite' });
  view.total = h('strong');
  view.normalised = h('strong', { class: 'score-big' });
  view.pass = h('span');
  view.problem = h('p', { class: 'alert alert-error', role: 'alert', hidden: true });
  view.submit = h('button', { type: 'button', class: 'btn btn-primary btn-block', onclick: submit }, T.submit_audit);
  const bar = h('section', { class: 'score-bar', 'aria-label': T.total_score },
    h('span', null, `${T.total_score} `, view.total),
    h('span', null, `${T.normalised_score} `, view.normalised),
    h('span', null, `${T.pass_mark} ${pts(sheet.pass_mark)} `, view.pass));
  const groups = sheet.groups.map((g) => h('section', { class: 'card stack', 'aria-label': pick(g.name_zh, g.name_en) },
    h('h2', null, pick(g.name_zh, g.name_en)),
    h('ol', { class: 'item-list' }, sheet.items.filter((it) => it.group === g.id).map(itemCard))));
  root.replaceChildren(...[
    bar,
    view.status,
    h('p', { class: 'small muted' }, `${T.score_sheet} · ${T.sheet_version} ${sheet.version}`),
    st.resumed ? h('p', { class: 'notice small', role: 'status' }, T.draft_merged) : null,
    ...groups,
    countsCard(),
    factsCard(),
    view.problem,
    view.submit].filter(Boolean));
  drawScore();
  drawStatus();
}

/// The phone's copy, when it holds changes the server has not seen, is the draft.
function resumeDraft() {
  try {
    const phone = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (phone && phone.unsent && phone.draft && Array.isArray(phone.draft.items)) {
      st.draft = phone.draft;
      st.draft.fixture_counts = st.draft.fixture_counts || [];
      st.unsent = true;
      st.resumed = JSON.stringify(phone.draft) !== JSON.stringify(audit.draft);
    }
  } catch (_) {
    // An unreadable copy: the server's draft stands.
  }
}

function main() {
  onPhotosChange(() => { drawStatus(); if (view.total) drawScore(); });
  const capture = document.getElementById('capture');
  if (capture) capture.replaceChildren(photoPicker(T.take_photo, null, true), uploadList(null));
  const root = document.getElementById('audit');
  if (root) {
    resumeDraft();
    drawEditor(root);
    keep();
    if (st.unsent) later(0);
    window.addEventListener('online', () => later(0));
  }
  resumeWaitingPhotos();
  keepPageOffline();
}

main();
