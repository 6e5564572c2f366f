// Prints, per page that has a script, the brotli-compressed size of the JS + WASM a phone downloads
// on its first load of that page, and with --write stores the .br files beside the originals so the
// server sends them precompressed. Pages with islands load the Leptos bundle (`jieshui.js` +
// `jieshui.wasm`); a check page loads no island, only its own script (`visit.js` for a market check, `audit.js`
// for an audit, each with `capture.js`) and the domain module (`phone.js` + `phone_bg.wasm`). Every page must stay within 100 KB.
// Usage: node tests/bundle_size.js SITE_ROOT [--write]
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const args = process.argv.slice(2);
const siteRoot = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '..', 'target', 'site');
const write = args.includes('--write');
const pkg = path.join(siteRoot, 'pkg');
const BUDGET_KB = 100;

const PAGES = [
  { page: '/today (nearest sites)', files: ['jieshui.js', 'jieshui.wasm'] },
  { page: '/checks/{id} (a market check)', files: ['visit.js', 'capture.js', 'phone.js', 'phone_bg.wasm'] },
  { page: '/checks/{id} (an audit)', files: ['audit.js', 'capture.js', 'phone.js', 'phone_bg.wasm'] },
];

const sizes = {};
for (const f of fs.readdirSync(pkg).filter((f) => /\.(js|wasm|css)$/.test(f)).sort()) {
  const raw = fs.readFileSync(path.join(pkg, f));
  const br = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  if (write) fs.writeFileSync(path.join(pkg, `${f}.br`), br);
  sizes[f] = br.length;
  console.log(`${f.padEnd(32)} ${(raw.length / 1024).toFixed(1).padStart(8)} KB raw ${(br.length / 1024).toFixed(1).padStart(7)} KB brotli`);
}
let failed = false;
for (const { page, files } of PAGES) {
  const missing = files.filter((f) => !(f in sizes));
  if (missing.length) {
    console.error(`${page}: missing ${missing.join(', ')} (run make build)`);
    failed = true;
    continue;
  }
  const total = files.reduce((a, f) => a + sizes[f], 0) / 1024;
  console.log(`${page}: JS + WASM ${total.toFixed(1)} KB brotli (budget ${BUDGET_KB} KB)`);
  if (total > BUDGET_KB) {
    console.error(`${page} exceeds the ${BUDGET_KB} KB budget`);
    failed = true;
  }
}
if (failed) process.exit(1);
