// canary.mjs — what the machine gives two threads right now, measured beside the threads bench's
// samples (issue 13) with no library code: a job run on the calling thread alone, on a worker
// alone, then on both at once. Its 2-thread factor, 2 / the larger of the two threads' slowdowns
// (own time with both running / own time alone), is 2.0 when the two threads get all they would
// get alone, and 1.0 when they share one (a core, or the bandwidth). Two jobs:
//   compute: an integer recurrence in registers: whether each thread has a core;
//   memory:  a sum over a private 64 MiB Float64Array per thread (twice the L3): whether two
//            streams get twice the memory bandwidth of one. On this VM it drops for seconds at
//            a time (two streams each 1.4x slower, one alone unaffected), and the 2-thread
//            kernels slow with it (bench/VARIANTS.md, "The threads bench's collapses").
// And the ping-pong round trip (ns): the two threads take turns on one shared word, whose cache
// line then crosses from core to core each turn. On this VM it is about 120 ns or about 330 ns
// for minutes at a time (the host places the two vCPUs near or far apart); far, every byte the
// calling thread copies in for the worker, and every result the worker leaves for the calling
// thread to copy out, crosses too.
// The same module runs in Node (worker_threads) and in a cross-origin-isolated page (a module
// Worker); the worker is bench/lib/canary-worker.mjs, the jobs are this file's.
//
//   const canary = await createCanary();  canary.measure() -> { compute, memory, pingPongNs }
//   canary.close()

/** The compute job: `n` steps of a 32-bit LCG folded into an xorshift; returns the state so it is not dead code. */
export function spin(n) {
  let a = 0x9e3779b9 | 0;
  let b = 0x7f4a7c15 | 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1103515245) + 12345) | 0;
    b ^= a;
    b ^= b << 13;
    b ^= b >>> 17;
  }
  return a ^ b;
}

/** The memory job: one pass summing `data`. */
export function sweep(data) {
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < data.length; i += 2) {
    s0 += data[i];
    s1 += data[i + 1];
  }
  return s0 + s1;
}

/**
 * Both jobs optimised by ordinary tier-up on small inputs, in each thread before its first
 * measurement, so that no measurement includes a tier-up. (The calling thread's sweep still
 * changes speed once in a bench process: when any ArrayBuffer of the isolate is detached, as
 * the single-thread build's wasm memory is when it grows, V8 drops the optimised code that
 * assumed none would be and its typed-array loops run about 1.7x slower from then on. The
 * factors are taken per thread, so a thread's own constant speed cancels.)
 */
export function warm() {
  const small = new Float64Array(4096).fill(1);
  for (let i = 0; i < 2000; i++) {
    spin(256);
    sweep(small);
  }
}

/** The memory job's array, per thread: 64 MiB of doubles. */
export const MEMORY_DOUBLES = 8 * 1024 * 1024;

const now = () => performance.timeOrigin + performance.now();

/** Round trips of the ping-pong job: one to wake the worker, then 19 chunks of 200. */
export const PING_ROUNDS = 1 + 19 * 200;

// Control words (Int32Array over a SharedArrayBuffer): [0] job sequence number, [1] job kind
// (1 compute, 2 memory, 3 ping-pong, -1 quit), [2] compute steps, [3] done sequence number;
// Float64Array after them: [2] the worker's start and [3] end time of its last job (absolute
// ms); at byte 128, on a cache line of its own, the ping-pong's word.
const SEQ = 0;
const KIND = 1;
const STEPS = 2;
const DONE = 3;

/** Starts the canary's worker; resolves when it is ready. */
export async function createCanary() {
  const sab = new SharedArrayBuffer(192);
  const ctl = new Int32Array(sab, 0, 8);
  const times = new Float64Array(sab, 32, 4);
  const ball = new Int32Array(sab, 128, 1); // its own cache line
  const url = new URL('./canary-worker.mjs', import.meta.url);
  let worker;
  let ready;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { Worker } = await import('node:worker_threads');
    worker = new Worker(url, { workerData: sab });
    worker.unref();
    ready = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } else {
    worker = new Worker(url, { type: 'module' });
    ready = new Promise((resolve, reject) => {
      worker.onmessage = resolve;
      worker.onerror = (e) => reject(new Error(`canary worker: ${e.message}`));
    });
    worker.postMessage(sab);
  }
  await ready;
  const data = new Float64Array(MEMORY_DOUBLES).fill(1);
  // The jobs optimised first (an interpreted first run would set the calibration), then the
  // compute steps for ~1.5 ms on this machine, found once.
  warm();
  let steps = 1 << 14;
  for (;;) {
    const t = now();
    spin(steps);
    const dt = now() - t;
    if (dt >= 1.5 || steps >= 1 << 30) break;
    steps = dt < 0.15 ? steps * 8 : Math.ceil((steps * 1.5) / Math.max(dt, 0.01));
  }
  ctl[STEPS] = steps;
  let seq = 0;

  const job = (kind) => (kind === 1 ? spin(steps) : sweep(data));
  /** Hands the worker job `kind` (it wakes on the sequence number). */
  const post = (kind) => {
    ctl[KIND] = kind;
    seq++;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
  };
  /**
   * Spins until `word` of `array` holds `value` (the worker's answer: a page's main thread may
   * not Atomics.wait, and a job lasts 1.5-10 ms); gives up after 2 s rather than hang.
   */
  const spinUntil = (array, word, value, what) => {
    const deadline = now() + 2000;
    while (Atomics.load(array, word) !== value) {
      if (now() > deadline) throw new Error(`canary: the worker did not ${what} within 2 s`);
    }
  };
  /** Runs a job on the worker, and on this thread too when `both`: [this thread's ms, the worker's ms]. */
  const run = (kind, both) => {
    post(kind);
    let mine = 0;
    if (both) {
      const t = now();
      job(kind);
      mine = now() - t;
    }
    spinUntil(ctl, DONE, seq, 'finish its job');
    return [mine, times[3] - times[2]];
  };
  const mineAlone = (kind) => {
    const t = now();
    job(kind);
    return now() - t;
  };
  const median3 = (f) => [f(), f(), f()].sort((p, q) => p - q)[1];

  return {
    steps,
    /**
     * What the machine gives two threads now, { compute, memory, pingPongNs }. The factors are
     * 2 / the larger of the two threads' slowdowns (each thread's own time with both running
     * over its time alone): 2.0, neither thread is slowed by the other running; 1.0, each takes
     * twice as long. Taken per thread, so that one thread's array or core being slower than the
     * other's (a constant) cancels. pingPongNs: the median round trip, in ns.
     */
    measure() {
      const out = {};
      for (const [name, kind] of [
        ['compute', 1],
        ['memory', 2],
      ]) {
        run(kind, true); // wakes the worker
        const aMine = median3(() => mineAlone(kind));
        const aWorker = median3(() => run(kind, false)[1]);
        const pairs = [run(kind, true), run(kind, true), run(kind, true)];
        const pMine = pairs.map((p) => p[0]).sort((x, y) => x - y)[1];
        const pWorker = pairs.map((p) => p[1]).sort((x, y) => x - y)[1];
        out[name] = 2 / Math.max(pMine / aMine, pWorker / aWorker);
      }
      // Ping-pong: the two threads take turns on one shared word (its cache line goes from
      // core to core each turn): the round trip's time.
      ball[0] = 0;
      post(3);
      // The first round trip waits for the worker to wake; then 19 chunks of 200, and the median
      // chunk (a chunk in which either thread lost its core reads far over).
      const chunks = [];
      Atomics.store(ball, 0, 1);
      spinUntil(ball, 0, 2, 'answer the ping');
      for (let c = 0; c < 19; c++) {
        const t = now();
        for (let i = 1 + 200 * c; i < 1 + 200 * (c + 1); i++) {
          Atomics.store(ball, 0, 2 * i + 1);
          while (Atomics.load(ball, 0) !== 2 * i + 2);
        }
        chunks.push((now() - t) / 200);
      }
      out.pingPongNs = chunks.sort((x, y) => x - y)[9] * 1e6;
      spinUntil(ctl, DONE, seq, 'finish its job');
      return out;
    },
    close() {
      ctl[KIND] = -1;
      Atomics.add(ctl, SEQ, 1);
      Atomics.notify(ctl, SEQ);
      worker.terminate?.();
    },
  };
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/**
 * A table cell: over a row's rounds, the median compute / memory 2-thread factor (the lowest
 * memory one in brackets) / the median ping-pong round trip in ns (the highest in brackets).
 */
export function canaryCell(rounds) {
  if (!rounds?.length) return '–';
  const m = rounds.map((r) => r.memory);
  const p = rounds.map((r) => r.pingPongNs);
  return `${median(rounds.map((r) => r.compute)).toFixed(2)} / ${median(m).toFixed(2)} (${Math.min(...m).toFixed(2)}) / ${median(p).toFixed(0)} (${Math.max(...p).toFixed(0)})`;
}

/**
 * A sentence on the rounds whose 2-thread speed-up (that round's 1-thread sample / its 2-thread
 * sample) fell under `below`, against what the canary measured in them and in the other rounds.
 * rows: [{ label, one: [ms per round], two: [ms per round], canary: [canary.measure() per round] }].
 */
export function collapsedRounds(rows, below = 1.5) {
  const low = [];
  const rest = [];
  const where = new Set();
  for (const r of rows) {
    if (!r.canary?.length) continue;
    r.one.forEach((t1, i) => {
      const m = r.canary[i];
      if (m === undefined) return;
      if (t1 / r.two[i] < below) {
        low.push(m);
        where.add(r.label);
      } else rest.push(m);
    });
  }
  const total = low.length + rest.length;
  if (!total) return '';
  const range = (a, k, digits = 2) => {
    const v = a.map((m) => m[k]);
    return `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}-${Math.max(...v).toFixed(digits)})`;
  };
  const both = (a) =>
    `compute ${range(a, 'compute')}, memory ${range(a, 'memory')}, ping-pong ns ${range(a, 'pingPongNs', 0)}`;
  if (!low.length)
    return `Rounds with a 2-thread speed-up under ${below}x: none of ${total} (the machine's 2-thread factors, median and range: ${both(rest)}).`;
  return `Rounds with a 2-thread speed-up under ${below}x: ${low.length} of ${total} (${[...where].join(', ')}); the machine's 2-thread factors in those rounds, median and range: ${both(low)}; in the other rounds: ${rest.length ? both(rest) : '–'}.`;
}
