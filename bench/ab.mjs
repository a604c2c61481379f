#!/usr/bin/env node
// ab.mjs — two wasm builds of the kernels side by side in one process: are
// their results bit-identical, and how do their times compare? For kernel
// refactors that must change nothing but the code's shape.
//
//   node bench/ab.mjs BEFORE_DIR [AFTER_DIR] [--rounds=N] [--sample-ms=N] [--no-time]
//                     [--ops=a,b] [--shapes=1x8,65536x10] [--data=realistic|gpt2|uniform]
//
// BEFORE_DIR and AFTER_DIR hold softmax-simd.wasm and softmax-scalar.wasm
// (AFTER_DIR defaults to dist/). Both run through this checkout's JS API
// (load({ wasmBinary })), so only the .wasm differs.
//   1. Identity: every op on shapes that reach each layout (long rows, short
//      rows, lane groups with and without a scalar tail, column chunks across
//      a chunk boundary), float32 and float64, with temperatures, NaN/inf
//      fibres and the cross-entropy options, on both the SIMD and the scalar
//      build: the output bytes must be equal.
//   2. Time (SIMD build, float32, zero-copy WasmArrays as bench/run.mjs's
//      ours-zero-copy row): per op and shape, rounds alternate the two
//      builds; each sample is CPU time over enough calls for --sample-ms.
//      Prints the median ns per call of each and the ratio after / before.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { load } from '../bindings/index.js';
import { makeLogits } from './lib/data.mjs';

const args = process.argv.slice(2);
const list = (name) =>
  args
    .find((x) => x.startsWith(`--${name}=`))
    ?.split('=')[1]
    .split(',');
const flag = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
};
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length < 1) {
  console.error('usage: node bench/ab.mjs BEFORE_DIR [AFTER_DIR] [--rounds=N] [--sample-ms=N] [--no-time]');
  process.exit(2);
}
const before = dirs[0];
const after = dirs[1] ?? new URL('../dist', import.meta.url).pathname;
const ROUNDS = flag('rounds', 15);
const SAMPLE_MS = flag('sample-ms', 20);
// The timed logits: a data set of bench/lib/data.mjs (realistic, gpt2, uniform).
const DATA = list('data')?.[0] ?? 'realistic';

async function builds(dir) {
  const bytes = (f) => readFileSync(path.join(dir, f));
  return {
    simd: await load({ simd: true, wasmBinary: bytes('softmax-simd.wasm') }),
    scalar: await load({ simd: false, wasmBinary: bytes('softmax-scalar.wasm') }),
  };
}
const A = await builds(before);
const B = await builds(after);

// ---- 1. identity -------------------------------------------------------------

let seed = 12345;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
function logits(size, Arr, special) {
  const x = Arr.from({ length: size }, () => (rand() * 2 - 1) * (rand() < 0.2 ? 40 : 8));
  if (special) {
    for (let k = 0; k < 3; k++) x[Math.floor(rand() * size)] = [NaN, Infinity, -Infinity][k];
  }
  return x;
}
const bytesOf = (v) =>
  typeof v === 'number'
    ? new Uint8Array(Float64Array.of(v).buffer)
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
function same(a, b) {
  const x = bytesOf(a);
  const y = bytesOf(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// [outer, n, inner]: rows (n > 16), short rows (n <= 16) with and without a
// remainder, lane groups (inner < 16) with scalar tails, column chunks (inner
// >= 16) with tails and across the 512/256-fibre chunk boundary.
const GEOMETRIES = [
  [1, 1, 1],
  [3, 7, 1],
  [8, 10, 1],
  [13, 16, 1],
  [9, 3, 1],
  [5, 17, 1],
  [4, 100, 1],
  [2, 1000, 1],
  [2, 5, 2],
  [3, 9, 3],
  [2, 21, 4],
  [2, 33, 5],
  [1, 40, 8],
  [2, 7, 15],
  [1, 4, 16],
  [2, 21, 17],
  [1, 9, 33],
  [2, 5, 64],
  [1, 3, 515],
  [1, 21, 1029],
];
const TEMPS = [1, 0.5, 3];
let cases = 0;
const mismatches = [];
function check(what, a, b) {
  cases++;
  if (!same(a, b)) mismatches.push(what);
}
for (const flavour of ['simd', 'scalar']) {
  const a = A[flavour];
  const b = B[flavour];
  for (const Arr of [Float32Array, Float64Array]) {
    for (const [outer, n, inner] of GEOMETRIES) {
      const shape = inner === 1 ? [outer, n] : [outer, n, inner];
      const axis = 1;
      const size = outer * n * inner;
      for (const special of [false, true]) {
        const x = logits(size, Arr, special);
        const tag = `${flavour} ${Arr.name} [${shape}] special=${special}`;
        for (const temperature of TEMPS) {
          for (const op of ['softmax', 'logSoftmax']) {
            const o = { shape, axis, temperature };
            check(`${op} ${tag} T=${temperature}`, a[op](x, o), b[op](x, o));
          }
          const y = a.softmax(x, { shape, axis });
          const ly = a.logSoftmax(x, { shape, axis });
          const dy = logits(size, Arr, false);
          const o = { shape, axis, temperature };
          check(`softmaxBackward ${tag} T=${temperature}`, a.softmaxBackward(dy, y, o), b.softmaxBackward(dy, y, o));
          check(
            `logSoftmaxBackward ${tag} T=${temperature}`,
            a.logSoftmaxBackward(dy, ly, o),
            b.logSoftmaxBackward(dy, ly, o),
          );
        }
        check(`logSumExp ${tag}`, a.logSumExp(x, { shape, axis }), b.logSumExp(x, { shape, axis }));
        const target = Int32Array.from({ length: outer * inner }, () =>
          rand() < 0.15 ? -100 : Math.floor(rand() * n),
        );
        const weight = Arr.from({ length: n }, () => rand() * 2);
        for (const weighted of [false, true]) {
          for (const labelSmoothing of [0, 0.1]) {
            for (const reduction of ['none', 'mean', 'sum']) {
              const o = { shape, axis, reduction, labelSmoothing, grad: true, ...(weighted ? { weight } : {}) };
              const ra = a.crossEntropy(x, target, o);
              const rb = b.crossEntropy(x, target, o);
              const t = `crossEntropy ${tag} weighted=${weighted} eps=${labelSmoothing} ${reduction}`;
              check(`${t} loss`, ra.loss, rb.loss);
              check(`${t} grad`, ra.grad, rb.grad);
            }
          }
        }
      }
    }
  }
}
console.log(`identity: ${cases - mismatches.length} of ${cases} results bit-identical`);
for (const m of mismatches.slice(0, 20)) console.log(`  DIFFERS: ${m}`);
if (args.includes('--no-time')) process.exit(mismatches.length ? 1 : 0);

// ---- 2. time -----------------------------------------------------------------

const SHAPES = [
  ['1x50257', 1, 50257, 1],
  ['32x50257', 32, 50257, 1],
  ['1024x1000', 1024, 1000, 1],
  ['3072x256', 3072, 256, 1],
  ['65536x10', 65536, 10, 1],
  ['1x8', 1, 8, 1],
  ['256x1000x8@1', 256, 1000, 8],
  ['8x21x16384@1', 8, 21, 16384],
];
const OPS = ['softmax', 'logSoftmax', 'logSumExp', 'softmaxBackward', 'logSoftmaxBackward', 'crossEntropy'];

function prepare(sm, op, [, outer, n, inner]) {
  const shape = inner === 1 ? [outer, n] : [outer, n, inner];
  const size = outer * n * inner;
  seed = 777;
  const fill = (h, f) => {
    for (let i = 0; i < h.length; i++) h.array[i] = f();
    return h;
  };
  const x = sm.alloc(size, 'float32');
  x.array.set(makeLogits(size, DATA));
  const handles = [x];
  let call;
  if (op === 'crossEntropy' || op === 'nllLoss') {
    // The loss ops take (input, target): class indices as int32 (nllLoss reads x as log-probabilities).
    const t = sm.alloc(outer * inner, 'int32');
    for (let i = 0; i < t.length; i++) t.array[i] = Math.floor(rand() * n);
    const g = sm.alloc(size, 'float32');
    handles.push(t, g);
    const o = { shape, axis: 1, grad: true, out: g };
    call = () => sm[op](x, t, o);
  } else if (op === 'softmaxBackward' || op === 'logSoftmaxBackward') {
    const y = sm.alloc(size, 'float32');
    sm[op === 'softmaxBackward' ? 'softmax' : 'logSoftmax'](x, { shape, axis: 1, out: y });
    const dy = fill(sm.alloc(size, 'float32'), () => rand() * 2 - 1);
    const out = sm.alloc(size, 'float32');
    handles.push(y, dy, out);
    const o = { shape, axis: 1, out };
    call = () => sm[op](dy, y, o);
  } else {
    const out = sm.alloc(op === 'logSumExp' ? outer * inner : size, 'float32');
    handles.push(out);
    const o = { shape, axis: 1, out };
    call = () => sm[op](x, o);
  }
  return { call, free: () => handles.forEach((h) => h.free()) };
}

function cpuNs(call, iterations) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) call();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / iterations;
}
const median = (v) => {
  const s = [...v].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(
  `\ntime: SIMD build, float32, zero-copy; median CPU ns per call over ${ROUNDS} alternating rounds of ~${SAMPLE_MS} ms samples`,
);
console.log('| op | shape | before (ns) | after (ns) | after / before | per-round ratio, median [min, max] |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const op of list('ops') ?? OPS) {
  // --shapes may name shapes outside the list: ROWSxN or OUTERxNxINNER@1.
  const chosen = list('shapes')?.map(
    (name) => SHAPES.find((s) => s[0] === name) ?? [name, ...name.split('@')[0].split('x').map(Number), 1].slice(0, 4),
  );
  for (const shape of chosen ?? SHAPES) {
    const pa = prepare(A.simd, op, shape);
    const pb = prepare(B.simd, op, shape);
    // Warm up and calibrate on the before build.
    let iterations = 1;
    while (cpuNs(pa.call, iterations) * iterations < 5e6 && iterations < 1 << 24) iterations *= 2;
    cpuNs(pb.call, iterations);
    iterations = Math.max(1, Math.round((SAMPLE_MS * 1e6) / cpuNs(pa.call, iterations)));
    const ta = [];
    const tb = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) {
        tb.push(cpuNs(pb.call, iterations));
        ta.push(cpuNs(pa.call, iterations));
      } else {
        ta.push(cpuNs(pa.call, iterations));
        tb.push(cpuNs(pb.call, iterations));
      }
    }
    pa.free();
    pb.free();
    const ratios = ta.map((v, i) => tb[i] / v);
    const f = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
    console.log(
      `| ${op} | ${shape[0]} | ${f(median(ta))} | ${f(median(tb))} | ${(median(tb) / median(ta)).toFixed(3)} | ${median(ratios).toFixed(3)} [${Math.min(...ratios).toFixed(2)}, ${Math.max(...ratios).toFixed(2)}] |`,
    );
  }
}
process.exit(mismatches.length ? 1 : 0);
