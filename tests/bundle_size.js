// Prints, per page with islands, the brotli-compressed size of the JS + WASM a phone downloads on
// its first load of that page, and with --write stores the .br files beside the originals so the
// server sends them precompressed. The bundle is split (`cargo leptos build --split`): every page
// loads the main module (the Leptos runtime and the eager islands), and a page with lazy islands
// also the chunks the split manifest lists for them.
// Usage: node tests/bundle_size.js SITE_ROOT [--write]
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const args = process.argv.slice(2);
const siteRoot = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '..', 'target', 'site');
const write = args.includes('--write');
const pkg = path.join(siteRoot, 'pkg');

// What each island page loads beyond the main module: its lazy islands. The budget is 100 KB; a
// page over it is held by a ceiling that only goes down (see README, "Bundle budget").
const PAGES = [
  { page: '/today (nearest sites)', lazy: [], ceilingKb: 100 },
  { page: '/checks/{id} (the visit)', lazy: ['photo_capture', 'visit_editor'], ceilingKb: 255 },
];

const sizes = {};
for (const f of fs.readdirSync(pkg).filter((f) => /\.(js|wasm|css)$/.test(f)).sort()) {
  const raw = fs.readFileSync(path.join(pkg, f));
  const br = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  if (write) fs.writeFileSync(path.join(pkg, `${f}.br`), br);
  sizes[f.replace(/\.(js|wasm|css)$/, '')] = (sizes[f.replace(/\.(js|wasm|css)$/, '')] || 0) + (/\.css$/.test(f) ? 0 : br.length);
  console.log(`${f.padEnd(56)} ${(raw.length / 1024).toFixed(1).padStart(8)} KB raw ${(br.length / 1024).toFixed(1).padStart(7)} KB brotli`);
}
const manifestFile = path.join(pkg, '__wasm_split_manifest.json');
const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : {};
const main = ['jieshui', '__wasm_split.______________________'];
let failed = false;
for (const { page, lazy, ceilingKb } of PAGES) {
  const files = new Set(main);
  for (const island of lazy) {
    const key = Object.keys(manifest).find((k) => k.startsWith(`${island}_loader_`));
    if (!key) continue;
    for (const chunk of manifest[key]) files.add(chunk);
  }
  const total = [...files].reduce((a, f) => a + (sizes[f] || 0), 0) / 1024;
  console.log(`${page}: JS + WASM ${total.toFixed(1)} KB brotli (budget 100 KB, ceiling ${ceilingKb} KB)`);
  if (total > ceilingKb) {
    console.error(`${page} exceeds its ${ceilingKb} KB ceiling`);
    failed = true;
  }
}
if (failed) process.exit(1);
