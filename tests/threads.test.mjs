// Threads (issue 13): every op of the table (bindings/ops.js) on the threaded build with 1, 2
// and 3 threads (more than this machine's cores) gives results bit-identical to the
// single-thread SIMD build, in both dtypes, on shapes big enough to be shared and cut into
// tasks unevenly (rows, short rows, slices, inner ranges, a class axis in the middle); and the
// lifecycle: lazy start, exit without dispose, dispose, use after dispose, a worker that dies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { OPS } from '../bindings/ops.js';
import { poolOf } from '../bindings/threads.js';
import { ENTRY, makeRng, offBy4, sameBits, workerTasksWithin } from './helpers.mjs';

const { load } = await import(ENTRY);
const single = await load({ threads: 1 });
const threaded = await load({ threads: 3 });
const pool = poolOf(threaded);

// Above kParallelMin (65536 elements), with every way run_layouts cuts work into tasks.
const AXIS_CASES = [
  { shape: [333, 257], axis: -1 }, // rows, 64 per task; the last task shorter
  { shape: [7283, 9], axis: -1 }, // short rows (kLanes at a time), an odd count
  { shape: [5, 37, 419], axis: 1 }, // whole slices per task
  { shape: [3, 21, 1537], axis: 1 }, // whole slices, one a task (21 x 1537 is under 2 kTaskGrain)
  { shape: [3, 21, 1601], axis: 1 }, // inner ranges of 512 / 768 fibres, the last one shorter
  { shape: [5, 16385], axis: -1 }, // rows longer than kTaskGrain, one a task
  { shape: [129, 701], axis: 0 }, // one slice cut into inner ranges
  { shape: [2, 3, 13, 1031], axis: 2 }, // lane groups of 4, 2, 1 vectors and scalar fibres at the end
];
const SAMPLING_CASES = [
  [8, 50257],
  [3, 30011],
  [5, 20000],
];
const SAMPLING_OPTIONS = [
  ['temperature 0.8', { temperature: 0.8 }],
  ['top-p 0.9', { topP: 0.9 }],
  ['top-k 40', { topK: 40, temperature: 0.7 }],
  ['min-p 0.05 + penalties', { minP: 0.05, repetitionPenalty: 1.2, frequencyPenalty: 0.3 }],
];
const LOSS_CASES = [
  { shape: [401, 263] },
  { shape: [9001, 8] }, // short rows
  { shape: [3, 21, 1301], axis: 1 }, // the class axis in the middle: whole slices
  { shape: [3, 7, 10007], axis: 1 }, // the class axis in the middle: inner ranges, a scalar tail
  { shape: [5, 16385] }, // rows longer than kTaskGrain, one a task
];

function logits(rng, n, Type) {
  const a = new Type(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * 4 + (i % 7 === 0 ? 30 : 0);
  return a;
}

/** Every call of op e on this case: [label, (sm) => result]. */
function calls(e, Type, rng) {
  const out = [];
  if (e.kind === 'alongAxis' || e.kind === 'reduction') {
    for (const c of AXIS_CASES) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = logits(rng, n, Type);
      const y = single.softmax(logits(rng, n, Type), c);
      const args = e.args.length === 2 ? [logits(rng, n, Type), y] : [x];
      for (const temperature of e.options.temperature ? [1, 0.7] : [undefined]) {
        out.push([
          `${JSON.stringify(c.shape)} axis ${c.axis} T=${temperature}`,
          (sm) => sm[e.name](...args, temperature === undefined ? c : { ...c, temperature }),
        ]);
      }
    }
  } else if (e.kind === 'jacobian') {
    // n x n outputs above kParallelMin, shared by rows: 54 rows a task at n = 300 (the last
    // task shorter), 15 at n = 1031; an input holding a NaN fills the matrix with NaN, shared too.
    for (const n of [300, 1031]) {
      const x = logits(rng, n, Type);
      out.push([`n=${n}`, (sm) => sm[e.name](x)]);
      out.push([`n=${n} T=0.7`, (sm) => sm[e.name](x, { temperature: 0.7 })]);
    }
    const bad = logits(rng, 400, Type);
    bad[17] = NaN;
    out.push(['n=400 with a NaN', (sm) => sm[e.name](bad)]);
  } else if (e.kind === 'loss') {
    for (const c of LOSS_CASES) {
      const axis = c.axis ?? -1;
      const C = c.shape.at(axis);
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = logits(rng, n, Type);
      const t = Int32Array.from({ length: n / C }, (_, i) => (i % 11 === 0 ? -100 : rng.int(0, C - 1)));
      const weight = new Type(C).map(() => rng.uniform(0, 2));
      for (const reduction of ['mean', 'sum', 'none']) {
        out.push([
          `${JSON.stringify(c.shape)} ${reduction}`,
          (sm) => sm[e.name](x, t, { ...c, reduction, grad: true }),
        ]);
      }
      out.push([`${JSON.stringify(c.shape)} weight`, (sm) => sm[e.name](x, t, { ...c, weight, grad: true })]);
      if (e.probabilityTargets) {
        const p = single.softmax(logits(rng, n, Type), { ...c, axis });
        out.push([
          `${JSON.stringify(c.shape)} probabilities`,
          (sm) => sm[e.name](x, p, { ...c, grad: true, labelSmoothing: 0.1 }),
        ]);
      }
    }
  } else if (e.kind === 'sample' || e.kind === 'filter') {
    // Rows go to tasks (at most 4, cpp/sample.h kRowSlots): 8, 3 and 5 rows of a vocabulary.
    for (const [rows, n] of SAMPLING_CASES) {
      const x = logits(rng, rows * n, Type);
      const history = Array.from({ length: rows }, () => Int32Array.from({ length: 24 }, () => rng.int(0, n - 1)));
      for (const [label, o] of SAMPLING_OPTIONS) {
        const options = { shape: [rows, n], ...o, ...(o.repetitionPenalty ? { history } : {}) };
        out.push([
          `${rows}x${n} ${label}`,
          e.kind === 'sample'
            ? (sm) => sm.sample(x, { ...options, random: 42, logProbs: true })
            : (sm) => sm.filterLogits(x, options),
        ]);
      }
    }
    // The logits and filterLogits' out at byte offset 4 (mod 8): the threaded instance places
    // their copies out of the block's alignment (copyPhase in bindings/validate.js).
    const [rows, n] = SAMPLING_CASES[1];
    const x4 = offBy4(logits(rng, rows * n, Type));
    out.push([
      `${rows}x${n} logits and out at byte offset 4`,
      e.kind === 'sample'
        ? (sm) => sm.sample(x4, { shape: [rows, n], topP: 0.9, random: 7, logProbs: true })
        : (sm) => sm.filterLogits(x4, { shape: [rows, n], topK: 40, out: offBy4(new Type(rows * n)) }),
    ]);
  } else if (e.kind === 'topK' || e.kind === 'argmax') {
    for (const [rows, n] of SAMPLING_CASES) {
      const x = offBy4(logits(rng, rows * n, Type));
      out.push([
        `${rows}x${n}`,
        e.kind === 'topK' ? (sm) => sm.topK(x, 50, { shape: [rows, n] }) : (sm) => sm.argmax(x, { shape: [rows, n] }),
      ]);
    }
  }
  return out;
}

test('load({ threads }): a number starts that many, 1 is the single-thread build, bad values are RangeErrors', async () => {
  assert.equal(single.threads, 1);
  assert.equal(threaded.threads, 3);
  assert.equal(threaded.backend, 'wasm-simd128');
  assert.ok(threaded.memoryBytes > 0);
  for (const bad of [0, -1, 1.5, 65, '2', null, NaN]) {
    await assert.rejects(load({ threads: bad }), {
      name: 'RangeError',
      message: /threads must be 'auto', or an integer from 1 to 64/,
    });
  }
  assert.equal((await load({ threads: 'auto', simd: false })).threads, 1, 'the scalar build has one thread');
  assert.throws(
    () => {
      single.threads = 2;
    },
    { name: 'RangeError', message: /from 1 to 1/ },
  );
  assert.throws(
    () => {
      threaded.threads = 4;
    },
    { name: 'RangeError', message: /from 1 to 3/ },
  );
});

test('workers start lazily: not at load, not for small calls; the first big call asks for them and runs alone', async () => {
  const sm = await load({ threads: 2 });
  const p = poolOf(sm);
  sm.softmax(new Float32Array(1000));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.workers.length, 0, 'no worker after a small call');
  const x = new Float32Array(200 * 1000).map((_, i) => Math.sin(i));
  const first = sm.softmax(x, { shape: [200, 1000] });
  sameBits(first, single.softmax(x, { shape: [200, 1000] }), 'first big call');
  await p.start();
  assert.equal(p.ready, 1);
  sm.dispose();
});

test('a program that never returns to the event loop gets the workers: a synchronous loop of big calls', async () => {
  const sm = await load({ threads: 2 });
  const p = poolOf(sm);
  const x = new Float32Array(256 * 1000).map((_, i) => Math.sin(i));
  const want = single.softmax(x, { shape: [256, 1000] });
  let got;
  // No await from here on: the workers must start and take tasks without an event-loop turn.
  const tasks = workerTasksWithin(p, () => {
    got = sm.softmax(x, { shape: [256, 1000] });
  });
  assert.ok(tasks > 0, 'a worker ran tasks within 15 s of synchronous calls');
  sameBits(got, want, 'softmax');
  sm.dispose();
});

for (const e of OPS) {
  test(`${e.name}: the threaded build with 1, 2 and 3 threads is bit-identical to the single-thread build`, async () => {
    await pool.start();
    assert.equal(pool.ready, 2, 'both workers are in their loop');
    for (const Type of [Float32Array, Float64Array]) {
      const rng = makeRng(1300 + OPS.indexOf(e));
      for (const [label, call] of calls(e, Type, rng)) {
        const want = call(single);
        for (const k of [1, 2, 3]) {
          threaded.threads = k;
          sameBits(call(threaded), want, `${e.name} ${Type.name} ${label}, ${k} threads`);
        }
      }
    }
    threaded.threads = 3;
  });
}

test('the workers take tasks with 2 and 3 threads, none with 1', async () => {
  await pool.start();
  const x = new Float32Array(256 * 4096).map((_, i) => Math.cos(i));
  const call = () => threaded.softmax(x, { shape: [256, 4096] });
  threaded.threads = 1;
  const before = pool.workerTasks;
  for (let r = 0; r < 20; r++) call();
  assert.equal(pool.workerTasks - before, 0);
  threaded.threads = 2;
  assert.ok(workerTasksWithin(pool, call) > 0, 'a worker ran tasks with 2 threads');
  threaded.threads = 3;
  assert.ok(workerTasksWithin(pool, call) > 0, 'workers ran tasks with 3 threads');
  threaded.threads = 3;
});

test('workerLate adds, per job and worker, the index of the first task the worker took (at most tasks - 1)', async () => {
  await pool.start();
  const x = new Float32Array(256 * 4096).map((_, i) => Math.cos(i));
  // 256 rows of 4096: kTaskGrain / 4096 = 4 rows a task, 64 tasks a call.
  const late = (k, calls) => {
    threaded.threads = k;
    const before = pool.workerLate;
    const tasksBefore = pool.workerTasks;
    for (let r = 0; r < calls; r++) threaded.softmax(x, { shape: [256, 4096] });
    return [pool.workerLate - before, pool.workerTasks - tasksBefore];
  };
  assert.deepEqual(late(1, 20), [0, 0]);
  const [l2, t2] = late(2, 20);
  assert.ok(Number.isInteger(l2) && l2 >= 0 && l2 <= 20 * 63, `workerLate grew by ${l2} over 20 jobs of 64 tasks`);
  if (t2 === 0) {
    // No worker ran in those 20 jobs (a loaded machine): workerLate must not have moved either.
    assert.equal(l2, 0);
    assert.ok(workerTasksWithin(pool, () => threaded.softmax(x, { shape: [256, 4096] })) > 0, 'a worker ran tasks');
  }
  threaded.threads = 3;
});

test('the sampling ops hand rows to the workers: sample, filterLogits, topK, argmax', async () => {
  await pool.start();
  const x = new Float32Array(8 * 50257).map((_, i) => Math.sin(i) * 5);
  const shape = [8, 50257];
  const ops = {
    sample: () => threaded.sample(x, { shape, topP: 0.9, random: 1 }),
    filterLogits: () => threaded.filterLogits(x, { shape, topK: 20 }),
    topK: () => threaded.topK(x, 50, { shape }),
    argmax: () => threaded.argmax(x, { shape }),
  };
  for (const [name, call] of Object.entries(ops)) {
    threaded.threads = 3;
    assert.ok(workerTasksWithin(pool, call) > 0, `a worker ran ${name} tasks with 3 threads`);
  }
});

test('the Jacobians are shared: the workers take rows of the n x n output above the threshold, none below', async () => {
  await pool.start();
  const big = new Float32Array(1500).map((_, i) => Math.sin(i) * 3); // 2.25M entries, 10 rows a task
  const small = new Float32Array(200).map((_, i) => Math.sin(i) * 3); // 40,000 entries: one thread
  const out = new Float32Array(1500 * 1500);
  for (const name of ['softmaxJacobian', 'logSoftmaxJacobian']) {
    const tasks = (k, x, reps) => {
      threaded.threads = k;
      const before = pool.workerTasks;
      for (let r = 0; r < reps; r++) threaded[name](x, x === big ? { out } : undefined);
      return pool.workerTasks - before;
    };
    assert.equal(tasks(1, big, 5), 0, `${name}: no worker task with 1 thread`);
    for (const k of [2, 3]) {
      threaded.threads = k;
      const ran = workerTasksWithin(pool, () => threaded[name](big, { out }));
      assert.ok(ran > 0, `${name}: a worker took rows with ${k} threads`);
    }
    assert.equal(tasks(3, small, 20), 0, `${name}: a 200 x 200 Jacobian stays on the calling thread`);
  }
  threaded.threads = 3;
});

const script = (body) => `const { load } = await import(${JSON.stringify(ENTRY)});\n${body}`;
const run = (body) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', script(body)], { encoding: 'utf8', timeout: 20000 });

test('a Node process with running workers exits on its own, without dispose', () => {
  const r = run(`const sm = await load({ threads: 2 });
    const x = new Float32Array(300 * 1000);
    sm.softmax(x, { shape: [300, 1000] });
    await new Promise((r) => setTimeout(r, 200));
    sm.softmax(x, { shape: [300, 1000] });
    console.log('ok', sm.threads);`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok 2');
});

test('dispose() and Symbol.dispose end the workers; later calls throw a clear Error', async () => {
  const sm = await load({ threads: 2 });
  const p = poolOf(sm);
  await p.start();
  assert.equal(p.ready, 1);
  sm[Symbol.dispose]();
  sm.dispose(); // idempotent
  assert.throws(() => sm.softmax([1, 2]), {
    name: 'Error',
    message: /softmax: this softmax-wasm instance was disposed/,
  });
  assert.throws(() => sm.crossEntropy([1, 2], [0]), { message: /crossEntropy: .*disposed/ });
  assert.throws(() => sm.alloc(3), { message: /alloc: .*disposed/ });
  const s1 = await load({ threads: 1 });
  s1.dispose();
  assert.throws(() => s1.logSumExp([1, 2]), { message: /logSumExp: .*disposed/ });
});

test('a worker that dies is reported: later calls throw, naming it, and nothing hangs', async () => {
  const sm = await load({ threads: 3 });
  const p = poolOf(sm);
  await p.start();
  p.workers[1].worker.terminate(); // as if it crashed: not through the pool
  await new Promise((r) => setTimeout(r, 100));
  assert.throws(() => sm.softmax([1, 2, 3]), { message: /softmax: softmax-wasm: worker thread 1 died/ });
  assert.equal(sm.threads, 1);
  sm.dispose();
});
