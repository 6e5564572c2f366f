// Prints the brotli-compressed size of the JS + WASM a phone downloads, and with --write stores
// the .br files beside the originals so the server sends them precompressed.
// Usage: node tests/bundle_size.js SITE_ROOT [--write] [--ceiling KB]
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const args = process.argv.slice(2);
const siteRoot = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '..', 'target', 'site');
const write = args.includes('--write');
const ceilingAt = args.indexOf('--ceiling');
const ceilingKb = ceilingAt >= 0 ? Number(args[ceilingAt + 1]) : 170;
const pkg = path.join(siteRoot, 'pkg');

let total = 0;
for (const f of fs.readdirSync(pkg).filter((f) => /\.(js|wasm|css)$/.test(f)).sort()) {
  const raw = fs.readFileSync(path.join(pkg, f));
  const br = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  if (write) fs.writeFileSync(path.join(pkg, `${f}.br`), br);
  if (/\.(js|wasm)$/.test(f)) total += br.length;
  console.log(`${f.padEnd(24)} ${(raw.length / 1024).toFixed(1).padStart(8)} KB raw ${(br.length / 1024).toFixed(1).padStart(7)} KB brotli`);
}
console.log(`JS + WASM: ${(total / 1024).toFixed(1)} KB brotli (target 100 KB, ceiling ${ceilingKb} KB)`);
if (total / 1024 > ceilingKb) {
  console.error(`the browser bundle exceeds the ${ceilingKb} KB ceiling`);
  process.exit(1);
}
