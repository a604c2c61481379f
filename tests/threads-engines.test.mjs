// A threaded instance runs two builds: the threaded one (shared memory: WasmArrays, and the calls
// its pool shares) and the single-thread SIMD build beside it for copied calls that are not
// shared (softmax-wasm.js #engine: V8 copies into shared memory word by word). Whichever runs a
// call, the result is the single-thread build's, bit for bit, for every mix of argument kinds:
// typed arrays, plain arrays, WasmArrays of the threaded memory, views of that memory, `out`
// of either kind; and calls go on working after either memory grew.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENTRY, makeRng } from './helpers.mjs';

const { load } = await import(ENTRY);
const single = await load({ threads: 1 });
const threaded = await load({ threads: 2 });

const bits = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
function same(got, want, what) {
  if (typeof want === 'number') return assert.ok(Object.is(got, want), `${what}: ${got} !== ${want}`);
  if (ArrayBuffer.isView(want)) return assert.deepEqual(bits(got), bits(want), what);
  for (const k of Object.keys(want)) same(got[k], want[k], `${what}.${k}`);
}

// Below the pool's threshold (not shared), and one above it with sm.threads = 1.
const CASES = [
  { shape: [37, 129], axis: -1 },
  { shape: [5, 7, 11], axis: 1 },
  { shape: [4, 16000], axis: -1 }, // 64,000 elements: just below the threshold
];

function data(rng, n, Type) {
  return Type.from({ length: n }, () => rng.normal() * 5);
}

/** The kinds an array argument can take on the threaded instance. */
function kinds(sm, a) {
  const w = sm.alloc(a.length, a instanceof Float64Array ? 'float64' : 'float32');
  w.array.set(a);
  return [
    ['typed array', a],
    ['plain array', Array.from(a)],
    ['WasmArray', w],
    ['view of wasm memory', w.array],
  ];
}

for (const Type of [Float32Array, Float64Array]) {
  test(`${Type.name}: softmax, logSoftmax, the backward ops and logSumExp give the single-thread bits for every argument kind`, () => {
    const rng = makeRng(4242);
    for (const c of CASES) {
      const n = c.shape.reduce((p, q) => p * q, 1);
      const x = data(rng, n, Type);
      const y = single.softmax(data(rng, n, Type), c);
      for (const [label, arg] of kinds(threaded, x)) {
        const what = `${JSON.stringify(c.shape)} ${label}`;
        // A plain array is float64 data: the single-thread instance gets the same array.
        const xs = label === 'plain array' ? arg : x;
        const ys = label === 'plain array' ? Array.from(y) : y;
        same(
          threaded.softmax(arg, { ...c, temperature: 0.7 }),
          single.softmax(xs, { ...c, temperature: 0.7 }),
          `softmax ${what}`,
        );
        same(threaded.logSoftmax(arg, c), single.logSoftmax(xs, c), `logSoftmax ${what}`);
        same(threaded.softmaxBackward(arg, ys, c), single.softmaxBackward(xs, ys, c), `softmaxBackward ${what}`);
        same(threaded.logSumExp(arg, c), single.logSumExp(xs, c), `logSumExp ${what}`);
        // out of the other kind: a WasmArray out with a copied input, a typed out with a WasmArray input.
        if (label === 'plain array') continue;
        const out = threaded.alloc(n, Type === Float64Array ? 'float64' : 'float32');
        same(
          threaded.logSoftmax(x, { ...c, out }).array,
          single.logSoftmax(x, c),
          `logSoftmax ${what} into a WasmArray`,
        );
        const typedOut = new Type(n);
        threaded.softmax(arg, { ...c, out: typedOut });
        same(typedOut, single.softmax(x, c), `softmax ${what} into a typed array`);
        out.free();
      }
    }
  });

  test(`${Type.name}: crossEntropy and nllLoss give the single-thread bits for every argument kind`, () => {
    const rng = makeRng(77);
    for (const c of CASES) {
      const n = c.shape.reduce((p, q) => p * q, 1);
      const C = c.shape.at(c.axis);
      const x = data(rng, n, Type);
      const t = Int32Array.from({ length: n / C }, (_, i) => (i % 5 === 0 ? -100 : rng.int(0, C - 1)));
      const tw = threaded.alloc(t.length, 'int32');
      tw.array.set(t);
      const weight = Type.from({ length: C }, () => rng.uniform(0, 2));
      for (const [label, arg] of kinds(threaded, x)) {
        for (const target of [t, tw]) {
          const what = `${JSON.stringify(c.shape)} ${label}, target ${target === t ? 'typed' : 'WasmArray'}`;
          const plain = label === 'plain array';
          for (const reduction of ['mean', 'none']) {
            const o = { ...c, reduction, weight: plain ? Array.from(weight) : weight, grad: true };
            const xs = plain ? arg : x;
            same(
              threaded.crossEntropy(arg, target, o),
              single.crossEntropy(xs, t, o),
              `crossEntropy ${what} ${reduction}`,
            );
            same(threaded.nllLoss(arg, target, o), single.nllLoss(xs, t, o), `nllLoss ${what} ${reduction}`);
          }
        }
      }
      tw.free();
    }
  });
}

test('with sm.threads = 1 a big call runs unshared, and still gives the single-thread bits', () => {
  const rng = makeRng(9);
  const x = data(rng, 300 * 1000, Float32Array);
  const o = { shape: [300, 1000] };
  threaded.threads = 1;
  same(threaded.softmax(x, o), single.softmax(x, o), 'softmax, 1 thread');
  same(
    threaded.crossEntropy(x, new Int32Array(300), { ...o, grad: true }),
    single.crossEntropy(x, new Int32Array(300), { ...o, grad: true }),
    'crossEntropy, 1 thread',
  );
  threaded.threads = 2;
  same(threaded.softmax(x, o), single.softmax(x, o), 'softmax, 2 threads');
});

test('calls keep working when either memory grows: a copied call bigger than the scratch, then a WasmArray one', () => {
  const sm = threaded;
  const rng = makeRng(31);
  const before = sm.memoryBytes;
  const big = data(rng, 60000, Float64Array); // 480 kB: not shared, copied into the single-thread build
  same(sm.softmax(big, { shape: [6, 10000] }), single.softmax(big, { shape: [6, 10000] }), 'a copied call');
  const w = sm.alloc(5e6, 'float32'); // grows the threaded memory
  assert.ok(sm.memoryBytes > before);
  const x = data(rng, 999, Float32Array);
  w.array.set(x);
  const view = w.array.subarray(0, 999);
  same(sm.softmax(view), single.softmax(x), 'a view of the grown memory');
  w.free();
});

test('the sampling ops give the single-thread bits for typed arrays and WasmArrays, one row and many', () => {
  const rng = makeRng(5150);
  for (const Type of [Float32Array, Float64Array]) {
    for (const [rows, vocab] of [
      [1, 50257],
      [3, 3001],
      [4, 30011], // above the threshold: shared on the threaded build
    ]) {
      const x = Type.from({ length: rows * vocab }, () => rng.normal() * 3);
      const history = Array.from({ length: rows }, () => Int32Array.from({ length: 16 }, () => rng.int(0, vocab - 1)));
      const o = { shape: [rows, vocab], temperature: 0.8, topP: 0.9, repetitionPenalty: 1.2, history };
      for (const [label, arg] of kinds(threaded, x)) {
        if (label === 'plain array') continue;
        const what = `${Type.name} ${rows}x${vocab} ${label}`;
        same(
          threaded.sample(arg, { ...o, random: 7, logProbs: true }),
          single.sample(x, { ...o, random: 7, logProbs: true }),
          `sample ${what}`,
        );
        same(threaded.filterLogits(arg, o), single.filterLogits(x, o), `filterLogits ${what}`);
        same(
          threaded.topK(arg, 20, { shape: [rows, vocab] }),
          single.topK(x, 20, { shape: [rows, vocab] }),
          `topK ${what}`,
        );
        same(
          threaded.argmax(arg, { shape: [rows, vocab] }),
          single.argmax(x, { shape: [rows, vocab] }),
          `argmax ${what}`,
        );
        const kept = threaded.alloc(rows * vocab, Type === Float64Array ? 'float64' : 'float32');
        threaded.filterLogits(arg, { ...o, out: kept });
        same(kept.array, single.filterLogits(x, o), `filterLogits ${what} into a WasmArray`);
        kept.free();
      }
    }
  }
});
