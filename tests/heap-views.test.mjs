// The wrapper's cached views of wasm memory (softmax-wasm.js #heap) across memory growth: a call
// that grows the memory, or a WasmArray that grows it between calls, must leave every later call
// reading and writing the right bytes. Growing detaches an ArrayBuffer's views (the single-thread
// builds) but leaves a SharedArrayBuffer's old views valid and short (the threaded build), so both
// kinds of memory are run: the results must be bit-identical to a fresh instance's, which has no
// cached view at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENTRY, makeRng } from './helpers.mjs';

const { load } = await import(ENTRY);

const KINDS = [
  { name: 'simd, one thread', options: { simd: true, threads: 1 } },
  { name: 'scalar', options: { simd: false, threads: 1 } },
  { name: 'threaded (shared memory)', options: { threads: 2 } },
];

function logits(rng, n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * 3;
  return a;
}

const sameBits = (got, want, what) => {
  assert.equal(got.length, want.length, `${what}: length`);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]}`);
};

for (const kind of KINDS) {
  test(`cached heap views follow memory growth: ${kind.name}`, async () => {
    const sm = await load(kind.options);
    const fresh = async () => load(kind.options);
    const rng = makeRng(912);
    const small = logits(rng, 24);
    const want = {
      small: (await fresh()).softmax(small, { shape: [3, 8] }),
      smallLog: (await fresh()).logSoftmax(small, { shape: [3, 8] }),
    };
    // 1. Small calls cache the views.
    sameBits(sm.softmax(small, { shape: [3, 8] }), want.small, 'first small call');
    // 2. A call whose scratch block grows the memory, typed in / new array out and `out` given.
    const n = Math.ceil(sm.memoryBytes / 4) + 4096 * 64;
    const big = logits(rng, n);
    const bigWant = (await fresh()).softmax(big, { shape: [n / 64, 64] });
    const before = sm.memoryBytes;
    sameBits(sm.softmax(big, { shape: [n / 64, 64] }), bigWant, 'the call that grew the memory');
    assert.ok(sm.memoryBytes > before, 'the big call grew the memory');
    const out = new Float32Array(n);
    sm.softmax(big, { shape: [n / 64, 64], out });
    sameBits(out, bigWant, 'out given, after the growth');
    // 3. A WasmArray that grows the memory between calls, then small calls on the old scratch block.
    const grown = sm.memoryBytes;
    const w = sm.alloc(Math.ceil(grown / 4) + 1024);
    assert.ok(sm.memoryBytes > grown, 'alloc grew the memory');
    sameBits(sm.softmax(small, { shape: [3, 8] }), want.small, 'small call after alloc grew the memory');
    const smallOut = new Float32Array(24);
    sm.logSoftmax(small, { shape: [3, 8], out: smallOut });
    sameBits(smallOut, want.smallLog, 'small call with out after the growth');
    // 4. A WasmArray at the top of the grown memory, read and written through the cached views.
    const y = sm.alloc(24);
    y.array.set(small);
    const yOut = sm.alloc(24);
    sm.softmax(y, { shape: [3, 8], out: yOut });
    sameBits(yOut.array, want.small, 'WasmArrays at the top of the memory');
    for (const a of [w, y, yOut]) a.free();
    sm.dispose();
  });
}
