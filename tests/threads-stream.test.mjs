// The stream of the threaded build (cpp/parallel.h): on a big call the copies of the caller's
// arrays into and out of wasm memory run inside the kernel's run_tasks, slice by slice, while the
// workers compute the slices already in. Every streamed op must give results bit-identical to the
// single-thread build with 2 and 3 threads, for every mix of typed arrays (copied, streamed) and
// WasmArrays (used in place), `out` given or not, a view of wasm memory as input, shapes whose
// tasks span several outer slices or one slice cut into many tasks, and the first big call that
// runs before the workers are ready (the serial stream); float32 arrays and `out` at byte offset 4
// (mod 8), whose copies the threaded instance places out of the block's alignment (copyPhase). Each call gets data the scratch block has
// never held, so a slice copied in late, early or not at all gives a different result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolOf } from '../bindings/threads.js';
import { ENTRY, makeRng, offBy4, sameBits, workerTasksWithin } from './helpers.mjs';

const { load } = await import(ENTRY);
const single = await load({ threads: 1 });
const threaded = await load({ threads: 3 });
const pool = poolOf(threaded);

const rng = makeRng(2013);
function data(n, Type) {
  const a = new Type(n);
  const shift = rng.uniform(-3, 3);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * 4 + shift + (i % 13 === 0 ? 20 : 0);
  return a;
}

// Shapes the sharing cuts into tasks in every way run_layouts does, with outer slices that a task
// spans several of, or that many tasks share; the first three are the benchmark's.
const SHAPES = [
  { shape: [32, 50257] }, // rows longer than kTaskGrain, one a task: 32 tasks
  { shape: [1024, 1000] }, // rows, 16 a task: 64 tasks
  { shape: [8, 21, 16384], axis: 1 }, // big slices: 32 column-range tasks per slice
  { shape: [333, 257] }, // rows, the last task shorter
  { shape: [7283, 9] }, // short rows
  { shape: [5, 37, 419], axis: 1 }, // whole slices, several per task
  { shape: [3, 21, 1537], axis: 1 }, // whole slices, one a task (21 x 1537 is under 2 kTaskGrain)
  { shape: [129, 701], axis: 0 }, // one slice
  // Column-range tasks: the last range of each slice shorter, a scalar tail (inner % 4), a
  // stream chunk that spans two slices; one slice of 10 ranges; rows just over kTaskGrain.
  { shape: [3, 7, 10007], axis: 1 },
  { shape: [3, 21, 1601], axis: 1 },
  { shape: [1, 40, 5003], axis: 1 },
  { shape: [5, 16385] },
];
const size = (c) => c.shape.reduce((a, b) => a * b, 1);

/**
 * Runs call(sm, arrays) on the single-thread build (typed arrays) and on the threaded one with
 * `arrays` placed as `kinds` says ('typed', 'wasm', 'view': a typed-array view of wasm memory),
 * and compares. `outKind` is 'none', 'typed' or 'wasm'; `outLength` the result's length.
 */
function check(what, call, arrays, kinds, outKind, outLength) {
  const Type = arrays[0].constructor;
  const dtype = Type === Float32Array ? 'float32' : 'float64';
  const want = call(single, arrays, outKind === 'none' ? undefined : new Type(outLength));
  const held = [];
  const placed = arrays.map((a, k) => {
    if (kinds[k] === 'typed') return a;
    if (kinds[k] === 'typed4') return offBy4(a);
    const w = threaded.alloc(a.length, a instanceof Int32Array ? 'int32' : dtype);
    held.push(w);
    w.array.set(a);
    return kinds[k] === 'wasm' ? w : w.array;
  });
  let out;
  if (outKind === 'typed') out = new Type(outLength).fill(NaN);
  else if (outKind === 'typed4') out = offBy4(new Type(outLength).fill(NaN), -7);
  else if (outKind === 'wasm') {
    out = threaded.alloc(outLength, dtype);
    held.push(out);
  }
  const got = call(threaded, placed, out);
  if (outKind === 'typed' || outKind === 'typed4') assert.equal(got.grad ?? got, out, `${what}: the result is out`);
  if (outKind === 'typed4') {
    const around = new Type(out.buffer);
    const last = out.byteOffset / Type.BYTES_PER_ELEMENT + outLength;
    assert.deepEqual([around[0], around[last], around[last + 1]], [-7, -7, -7], `${what}: nothing written around out`);
  }
  const result = (r) => (r && r.array !== undefined && typeof r.free === 'function' ? r.array : r);
  sameBits(
    got.grad !== undefined ? { ...got, grad: result(got.grad) } : result(got),
    want.grad !== undefined ? { ...want, grad: result(want.grad) } : result(want),
    what,
  );
  for (const w of held) w.free();
}

/**
 * The mixes with an array at byte offset 4 run with 3 threads only, and not on the three
 * biggest shapes (the test's time): `skip` says which to leave out.
 */
const outOfPhase = (kinds, outKind) => kinds.includes('typed4') || outKind === 'typed4';
const skip = (c, kinds, outKind) => outOfPhase(kinds, outKind) && size(c) > 1_000_000;

const MIXES = [
  [['typed', 'typed'], 'typed'],
  [['typed', 'typed'], 'none'],
  [['typed4', 'typed'], 'none'],
  [['typed', 'typed4'], 'typed4'],
  [['typed4', 'typed4'], 'typed'],
  [['wasm', 'typed'], 'typed'],
  [['typed', 'wasm'], 'wasm'],
  [['view', 'typed'], 'typed'],
];

test('the first big call, before the workers are ready, streams on the calling thread alone', async () => {
  // Each op's call is the first big call of a fresh instance: that call spawns the workers, which
  // boot on their own threads, so a second call could already find one ready.
  for (const Type of [Float32Array, Float64Array]) {
    const x = data(256 * 1000, Type);
    const t = Int32Array.from({ length: 256 }, () => rng.int(0, 999));
    const opts = { shape: [256, 1000] };
    for (const [name, call, want] of [
      ['softmax', (sm) => sm.softmax(x, { ...opts, out: new Type(x.length) }), single.softmax(x, opts)],
      [
        'crossEntropy',
        (sm) => sm.crossEntropy(x, t, { ...opts, grad: true, out: new Type(x.length) }),
        single.crossEntropy(x, t, { ...opts, grad: true }),
      ],
    ]) {
      const sm = await load({ threads: 2 });
      const p = poolOf(sm);
      assert.equal(p.ready, 0);
      sameBits(call(sm), want, `${name} ${Type.name}`);
      assert.equal(p.workerTasks, 0, `${name} ${Type.name}: no worker ran a task of the first call`);
      sm.dispose();
    }
  }
});

for (const name of ['softmax', 'logSoftmax']) {
  test(`${name}: streamed calls are bit-identical with 2 and 3 threads (typed, out, WasmArrays, views)`, async () => {
    await pool.start();
    for (const Type of [Float32Array, Float64Array]) {
      for (const c of SHAPES) {
        for (const [kinds, outKind] of MIXES) {
          if (skip(c, kinds, outKind)) continue;
          for (const k of outOfPhase(kinds, outKind) ? [3] : [2, 3]) {
            threaded.threads = k;
            const x = data(size(c), Type);
            const call = (sm, [a], out) => sm[name](a, out === undefined ? c : { ...c, out });
            check(
              `${name} ${Type.name} ${JSON.stringify(c)} ${kinds[0]}->${outKind}, ${k} threads`,
              call,
              [x],
              kinds,
              outKind,
              x.length,
            );
          }
        }
      }
      // A temperature whose exp scale is irregular takes the double path, which reads x outside run_tasks.
      const x = data(1024 * 100, Type);
      const T = Type === Float32Array ? 1e-31 : 1e-291;
      check(
        `${name} ${Type.name} T=${T}`,
        (sm, [a], out) => sm[name](a, { shape: [1024, 100], temperature: T, out }),
        [x],
        ['typed'],
        'typed',
        x.length,
      );
    }
    threaded.threads = 3;
  });
}

for (const name of ['softmaxBackward', 'logSoftmaxBackward']) {
  test(`${name}: streamed calls are bit-identical with 2 and 3 threads (two inputs, any mix)`, async () => {
    await pool.start();
    for (const Type of [Float32Array, Float64Array]) {
      for (const c of SHAPES) {
        for (const [kinds, outKind] of MIXES) {
          if (skip(c, kinds, outKind)) continue;
          for (const k of outOfPhase(kinds, outKind) ? [3] : [2, 3]) {
            threaded.threads = k;
            const dy = data(size(c), Type);
            const y = single.softmax(data(size(c), Type), c);
            const call = (sm, [a, b], out) => sm[name](a, b, out === undefined ? c : { ...c, out });
            check(
              `${name} ${Type.name} ${JSON.stringify(c)} ${kinds}->${outKind}, ${k} threads`,
              call,
              [dy, y],
              kinds,
              outKind,
              dy.length,
            );
          }
        }
      }
      for (const T of [0.7, Type === Float32Array ? 1e-39 : 1e-310]) {
        const dy = data(1024 * 100, Type);
        const y = single.softmax(data(1024 * 100, Type), { shape: [1024, 100] });
        const call = (sm, [a, b], out) => sm[name](a, b, { shape: [1024, 100], temperature: T, out });
        check(`${name} ${Type.name} T=${T}`, call, [dy, y], ['typed', 'typed'], 'typed', dy.length);
      }
    }
    threaded.threads = 3;
  });
}

const LOSS_SHAPES = [
  { shape: [32, 50257] },
  { shape: [1024, 1000] },
  { shape: [8, 21, 16384], axis: 1 },
  { shape: [9001, 8] },
  { shape: [3, 21, 1301], axis: 1 },
  { shape: [3, 7, 10007], axis: 1 }, // column ranges, the last of each slice shorter
  { shape: [1, 40, 5003], axis: 1 }, // one slice of column ranges
  { shape: [5, 16385] }, // rows just over kTaskGrain, one a task
];
const LOSS_MIXES = [
  ['typed', 'typed'],
  ['typed', 'none'],
  ['typed4', 'typed'],
  ['typed', 'typed4'],
  ['wasm', 'typed'],
  ['typed', 'wasm'],
  ['view', 'typed'],
];

for (const name of ['crossEntropy', 'nllLoss']) {
  test(`${name}: streamed calls with the gradient are bit-identical with 2 and 3 threads`, async () => {
    await pool.start();
    for (const Type of [Float32Array, Float64Array]) {
      for (const c of LOSS_SHAPES) {
        const axis = c.axis ?? -1;
        const C = c.shape.at(axis);
        const n = size(c);
        for (const [kind, outKind] of LOSS_MIXES) {
          if (skip(c, [kind], outKind)) continue;
          for (const reduction of outOfPhase([kind], outKind) ? ['mean'] : ['mean', 'sum', 'none']) {
            const k = reduction === 'sum' ? 2 : 3;
            threaded.threads = k;
            const x = data(n, Type);
            const t = Int32Array.from({ length: n / C }, (_, i) => (i % 11 === 0 ? -100 : rng.int(0, C - 1)));
            const call = (sm, [a], out) => sm[name](a, t, { ...c, reduction, grad: true, ...(out ? { out } : {}) });
            check(
              `${name} ${Type.name} ${JSON.stringify(c)} ${reduction} ${kind}->${outKind}, ${k} threads`,
              call,
              [x],
              [kind],
              outKind,
              n,
            );
          }
          if (name === 'crossEntropy') {
            // Probability targets: a second streamed input.
            threaded.threads = 2;
            const x = data(n, Type);
            const p = single.softmax(data(n, Type), c);
            const call = (sm, [a, b], out) =>
              sm.crossEntropy(a, b, { ...c, grad: true, labelSmoothing: 0.1, ...(out ? { out } : {}) });
            check(
              `crossEntropy ${Type.name} ${JSON.stringify(c)} probabilities ${kind}->${outKind}`,
              call,
              [x, p],
              [kind, kind === 'wasm' ? 'typed' : 'wasm'],
              outKind,
              n,
            );
          }
        }
        // No gradient: only the logits are streamed; the loss is read after the call.
        threaded.threads = 2;
        const x = data(n, Type);
        const t = Int32Array.from({ length: n / C }, () => rng.int(0, C - 1));
        sameBits(threaded[name](x, t, c), single[name](x, t, c), `${name} ${Type.name} ${JSON.stringify(c)} no grad`);
      }
    }
    threaded.threads = 3;
  });
}

test('the copies are streamed: with out given the workers still take tasks, and 1 thread never streams', async () => {
  await pool.start();
  assert.equal(pool.streamFrom, 65536);
  threaded.threads = 1;
  assert.equal(pool.streamFrom, Infinity);
  threaded.threads = 2;
  const x = data(256 * 4096, Float32Array);
  const out = new Float32Array(x.length);
  assert.ok(
    workerTasksWithin(pool, () => threaded.softmax(x, { shape: [256, 4096], out })) > 0,
    'a worker ran streamed tasks',
  );
  sameBits(out, single.softmax(x, { shape: [256, 4096] }), 'result');
  threaded.threads = 3;
});
