// run.mjs — builds bench/variants/passes.cc and times each pass variant in
// V8 on one float32 row (uniform logits in [-8, 8), as bench/run.mjs uses).
// Prints a markdown table; min and median of interleaved rounds of CPU time.
//   node bench/variants/run.mjs [n]        (default n = 50048)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = `${root}build/variants`;
mkdirSync(out, { recursive: true });
execFileSync(
  'em++',
  [
    '-O3',
    '-msimd128',
    '-ffp-contract=off',
    '-fno-exceptions',
    '-std=c++17',
    `-I${root}cpp`,
    `${root}bench/variants/passes.cc`,
    `${root}cpp/softmax.cc`,
    '-o',
    `${out}/variants.mjs`,
    // Glue without Node code (as the package's): it is given the bytes (wasmBinary), never reads a file.
    '-sMODULARIZE=1',
    '-sEXPORT_ES6=1',
    '-sUSE_ES6_IMPORT_META=0',
    '-sENVIRONMENT=web',
    '-sALLOW_MEMORY_GROWTH=1',
    '-sEXPORTED_FUNCTIONS=_malloc,_free',
    '-sEXPORTED_RUNTIME_METHODS=HEAPF32',
  ],
  { env: { ...process.env, NODE_PATH: '/usr/share/nodejs' }, stdio: 'inherit' },
);

const { default: create } = await import(`${out}/variants.mjs`);
const M = await create({ wasmBinary: readFileSync(`${out}/variants.wasm`) });
const n = Number(process.argv[2] ?? 50048);
const x = M._malloc(n * 4) >>> 0;
const y = M._malloc(n * 4) >>> 0;
let seed = 1;
const next = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
for (let i = 0; i < n; i++) M.HEAPF32[x / 4 + i] = next() * 16 - 8;
let m = -Infinity;
for (let i = 0; i < n; i++) m = Math.max(m, M.HEAPF32[x / 4 + i]);

const cases = {
  'pass 1: max and min (pmax, pmin, NaN mask) — production': () => M._pass1_range(x, n),
  'pass 1: NaN-propagating f32x4.max': () => M._pass1_max_nan(x, n),
  'pass 2: exp+store+sum, fast mode, 1 vector/iteration': () => M._pass2_store_fast_u1(x, y, n, m),
  'pass 2: exp+store+sum, fast mode, 2 vectors/iteration': () => M._pass2_store_fast_u2(x, y, n, m),
  'pass 2: exp+store+sum, fast mode, 4 vectors/iteration': () => M._pass2_store_fast_u4(x, y, n, m),
  'pass 2: production row_exp_sum (fast mode)': () => M._pass2_production(x, y, n, m),
  'pass 2: TwoSum, no flush, 2 vectors/iteration': () => M._pass2_store_noflush_u2(x, y, n, m),
  'pass 2: TwoSum + flush (exact mode), 2 vectors/iteration': () => M._pass2_store_exact_u2(x, y, n, m),
  'pass 2: exp+sum without store (log-softmax), fast': () => M._pass2_nostore_fast_u2(x, y, n, m),
  'pass 3: multiply by 1/sum': () => M._pass3_scale(y, n, 0.5),
  'softmax, 3 passes (production)': () => M._softmax_production(x, y, n),
  'softmax, 2-pass online normaliser': () => M._softmax_online(x, y, n),
};
const names = Object.keys(cases);
const samples = Object.fromEntries(names.map((k) => [k, []]));
const iters = Math.max(1, Math.round(3e6 / n));
for (const k of names) for (let i = 0; i < iters * 10; i++) cases[k]();
for (let r = 0; r < 15; r++) {
  for (const k of names) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < iters; i++) cases[k]();
    const c = process.cpuUsage(c0);
    samples[k].push(((c.user + c.system) * 1e3) / iters / n);
  }
}
console.log(`| variant (float32, n = ${n}) | ns/element, min | median |`);
console.log('| --- | ---: | ---: |');
for (const k of names) {
  const a = samples[k].sort((p, q) => p - q);
  console.log(`| ${k} | ${a[0].toFixed(3)} | ${a[a.length >> 1].toFixed(3)} |`);
}
