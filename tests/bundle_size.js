// Prints the brotli-compressed size of the JS + WASM a phone downloads on its first page load.
// Usage: node tests/bundle_size.js SITE_ROOT [BUDGET_KB]
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const siteRoot = process.argv[2] || path.join(__dirname, '..', 'target', 'site');
const budgetKb = Number(process.argv[3] || 170);
const pkg = path.join(siteRoot, 'pkg');
const files = fs.readdirSync(pkg).filter((f) => /\.(js|wasm)$/.test(f));
let total = 0;
for (const f of files) {
  const raw = fs.readFileSync(path.join(pkg, f));
  const br = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  total += br.length;
  console.log(`${f.padEnd(24)} ${(raw.length / 1024).toFixed(1).padStart(8)} KB raw ${(br.length / 1024).toFixed(1).padStart(7)} KB brotli`);
}
console.log(`${'total'.padEnd(24)} ${''.padStart(15)} ${(total / 1024).toFixed(1).padStart(7)} KB brotli (ceiling ${budgetKb} KB)`);
if (total / 1024 > budgetKb) {
  console.error(`bundle exceeds the ${budgetKb} KB ceiling`);
  process.exit(1);
}
