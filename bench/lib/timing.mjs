// timing.mjs — calibrated samples, taken round by round across implementations.
//
// The machine is shared and noisy, so no single timing means anything: each
// implementation gets an iteration count that makes one sample last about
// `sampleMs`, then every round takes one sample of every implementation (the
// order rotates from round to round), and the report uses the median of the
// rounds. Ratios come from one run, where all rows saw the same noise.
//
// Two clocks per sample: wall time, and the CPU time (user + system) of the
// process doing the work. On this shared 2-core machine other tenants'
// processes keep the run queue long (load average 4-9 was seen), and the wall
// clock then counts the time spent waiting for a core; the CPU time does not,
// so it is the default clock (--clock=wall switches). The implementations are
// single-threaded but for our threaded rows, which take the wall clock (the
// CPU clock adds up their threads); for the rest CPU time is the time on the
// core plus V8's helper threads (concurrent GC, which a new array per call
// does cost), and `settle` waits before each sample until those are idle, so
// that no row pays for another's garbage. Settling can miss work that has not
// started yet (on a loaded machine a helper thread waits for a core), and a
// collection another row started is finished on the main thread by the next
// call that allocates; so a "quiet" row (one whose calls leave no garbage:
// zero-copy, `out` given, the internal kernel call, tfjs's kernel only) gets a
// full collection before its sample when the row before it littered, and a
// sample during which the helper threads worked is taken again
// (timeInterleaved; bench/VARIANTS.md, "The full run's slow rows").

import v8 from 'node:v8';
import vm from 'node:vm';
import { helperCpuNs } from './thread-cpu.mjs';

const now = () => process.hrtime.bigint();

// A full collection on demand (what node --expose-gc gives as gc()): see timeInterleaved.
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc');
v8.setFlagsFromString('--no-expose-gc');

let loopCount = 0;
/** The newest result of the process, held until a later sample's result replaces it (see timeCalls). */
const held = { result: undefined };

/**
 * Mean ns per call over `iterations` calls of a prepared in-process
 * implementation: wall time, and the process's CPU time (user + system) as a
 * second opinion on a machine where other tenants take the cores.
 */
async function timeCalls(p, iterations) {
  if (p.before) await p.before();
  const { run } = p;
  // Each implementation's synchronous loop is a function of its own (the
  // source differs by a counter: V8 shares compiled code, and so the call
  // site's feedback, between functions of identical source), so its call
  // site sees one callee instead of every row's.
  //
  // Every loop, sync or async, keeps each call's result until the next call
  // has returned (`last`), as code that uses a result does (`probs =
  // sm.softmax(x, o)` holds the previous probs while the next call runs). It
  // is not a detail: a result array of a few MB is malloc'd at the top of the
  // heap, and when V8 frees a batch of dead results together (a scavenge for
  // external memory pressure, every 5-15 calls) and the newest one is among
  // them, glibc trims the heap top (more than M_TRIM_THRESHOLD free there) and
  // the next calls' results land on pages new to the process, a zero-filled
  // page fault per 4 KiB; while the newest result is alive the freed ones
  // below it are reused. An awaited call keeps its result alive in the
  // resolved promise, so onnxruntime-web's row (async) always held it, while
  // the sync rows dropped theirs. The same softmax 32x50257 typed call of
  // ours, in a process holding every implementation (medians of 21 samples
  // of 2 calls, two processes): timed as `run()` 5.9 ms with 1,570 faults a
  // call (19 of 21 samples faulting on every page), as `last = run()`
  // 2.7-2.9 ms with 4.5 (3-4 of 21), as `await run()` of a promise of the
  // result 2.7 ms with 0.5 (0-2 of 21), as an awaited call whose result is
  // dropped 2.7-5.5 ms (8-13 of 21) (bench/VARIANTS.md, "Typed arrays in and
  // out, round 4").
  if (!p.isAsync) {
    p.loop ??= new Function(
      'run',
      'iterations',
      `let last; for (let i = 0; i < iterations; i++) last = run(); return last; // loop ${++loopCount}`,
    );
  }
  const h0 = helperCpuNs();
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = now();
  let last;
  if (p.isAsync) {
    for (let i = 0; i < iterations; i++) last = await run();
  } else {
    last = p.loop(run, iterations);
  }
  const wall = Number(now() - t0) / iterations;
  const c = process.cpuUsage(c0);
  // Minor page faults: a new result array's pages are often new to the process, and then the
  // kernel zero-fills each on first touch (bench/VARIANTS.md, "Typed arrays in and out").
  const faults = (process.resourceUsage().minorPageFault - f0) / iterations;
  const h1 = helperCpuNs();
  const helper = h0 === undefined || h1 === undefined ? undefined : Math.max(0, h1 - h0) / iterations;
  // This sample's last result stays alive through the next sample (whichever row), so no call runs
  // with the process's newest result dead; the one it replaces becomes garbage here, between samples.
  held.result = last;
  return { wall, cpu: ((c.user + c.system) * 1000) / iterations, faults, helper };
}

/** Warms an implementation up (JIT, lazy init, first-touch of memory) and returns a rough { wall, cpu } ns per call. */
async function estimate(p, warmMs) {
  if (p.estimate) return p.estimate();
  // Batches that double while they fit in what is left of warmMs: one call a batch gave a 1x8
  // call a few thousand calls in 300 ms, short of V8's tier-up of the wasm kernel, and half of
  // the isolated 1x8 runs then sampled the baseline code first (0.53-0.64 µs a call against
  // 0.23-0.25 once optimised, the first 3-12 samples of 21).
  const deadline = Date.now() + warmMs;
  let calls = 0;
  let batch = 1;
  do {
    const t = await timeCalls(p, batch);
    calls += batch;
    const leftNs = (deadline - Date.now()) * 1e6;
    batch = Math.max(1, Math.min(batch * 2, Math.floor(leftNs / Math.max(t.wall, 1))));
  } while (Date.now() < deadline || calls < 2);
  // Then a batch long enough for the clocks: double until it takes >= 2 ms.
  let iterations = 1;
  for (;;) {
    const t = await timeCalls(p, iterations);
    if (t.wall * iterations >= 2e6 || iterations >= 1 << 20) return t;
    iterations *= 2;
  }
}

async function sample(p, iterations) {
  return p.sample ? p.sample(iterations) : timeCalls(p, iterations);
}

/**
 * Waits (up to maxMs) until the process's other threads are idle: V8's concurrent marking and
 * sweeping, and the freeing of dead ArrayBuffers, run on helper threads after a collection that
 * one row's allocations started, and the CPU clock charged them to whichever row sampled next.
 * The rows keep a fixed cyclic order (rotated round by round), so it was always the same row: in
 * the full run of 18:22Z tfjs-wasm's kernel-only row (after the result-allocation row) had a
 * median CPU/wall ratio of 1.34 over its cases, ours zero-copy (after our typed in/out row) up to
 * 1.67 on softmax 32x50257, the row's "slow spell". Idle = the process used under a quarter of
 * the wall time of a 2 ms sleep of the main thread.
 */
async function settle(maxMs = 250) {
  const end = performance.now() + maxMs;
  for (;;) {
    const c0 = process.cpuUsage();
    const t0 = now();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) * 1000 < 0.25 * Number(now() - t0) || performance.now() > end) return;
  }
}

/**
 * A sample of a quiet row (prepared.quiet: its calls leave no garbage of their own beyond a few
 * small objects) is contaminated when the process's other threads (helperCpuNs) used more than
 * HELPER_SHARE of its CPU time: that is another row's garbage being marked, swept or freed. The
 * old test, CPU time above 1.1 x wall time, missed it whenever the other core was busy with another
 * tenant: the helper thread then took turns with the main thread on one core, and wall = CPU.
 */
const HELPER_SHARE = 0.02;
const RETAKES = 3;
const contaminated = (t) => t.helper !== undefined && t.helper > HELPER_SHARE * t.cpu;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const stats = (samples) => ({ samples, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) });

/**
 * Times prepared implementations round by round.
 * entries: [{ id, prepared }]; options: { clock ('cpu' or 'wall': which one
 * calibrates the samples and gives `median`), sampleMs, rounds (a function of
 * the slowest sample in ms, so big shapes can take fewer), warmMs, log }.
 * Returns { [id]: { iterations, median, wall: stats, cpu: stats, faults } } in ns per
 * call (faults: the median of the samples' minor page faults per call, in-process rows only);
 * the native rows' clocks are Google Benchmark's real_time and cpu_time.
 */
export async function timeInterleaved(entries, { clock, sampleMs, rounds, warmMs, log = () => {} }) {
  const plan = [];
  for (const { id, prepared } of entries) {
    // A row of several threads is timed by the wall clock (the CPU clock adds up its threads).
    const own = prepared.clock ?? clock;
    const est = (await estimate(prepared, warmMs))[own];
    const iterations = Math.max(1, Math.round((sampleMs * 1e6) / Math.max(est, 1)));
    const quiet = prepared.quiet === true;
    plan.push({
      id,
      prepared,
      clock: own,
      quiet,
      retaken: 0,
      adjusted: 0,
      iterations,
      wall: [],
      cpu: [],
      helper: [],
      faults: [],
      estimateNs: est,
    });
  }
  const slowestMs = Math.max(...plan.map((e) => (e.iterations * e.estimateNs) / 1e6));
  const roundCount = rounds(slowestMs);
  // Whether the row sampled last leaves garbage (not quiet).
  let litter = true;
  for (let r = 0; r < roundCount; r++) {
    for (let k = 0; k < plan.length; k++) {
      const e = plan[(k + r) % plan.length];
      // A collection that a littering row started is finished on the main thread by whichever
      // call allocates next (incremental marking steps, the final pause, scavenges for external
      // memory pressure: 5-31 ms each with --trace-gc): a quiet row's small allocations (the
      // wrapper's option snapshot and result object) then paid for it inside its sample, where
      // the internal kernel call, allocating nothing, never did. So before a quiet row that
      // follows a littering one the garbage is collected here, untimed (its sweeping runs on the
      // helper threads: settle waits for it, and the retakes below catch what it misses).
      if (e.quiet && litter) fullGc();
      litter = !e.quiet;
      await settle();
      let t = await sample(e.prepared, e.iterations);
      // A quiet row's sample during which other threads of the process worked timed another row's
      // garbage being collected: settled and taken again, at most RETAKES times; if every take
      // was, the helpers' time is taken off the last (the main thread's time is the row's).
      if (e.quiet && e.clock === 'cpu') {
        for (let k = 0; contaminated(t) && k < RETAKES; k++) {
          e.retaken++;
          await settle();
          t = await sample(e.prepared, e.iterations);
        }
        if (contaminated(t)) {
          e.adjusted++;
          t = { ...t, cpu: t.cpu - t.helper };
        }
      }
      if (t.helper !== undefined) e.helper.push(t.helper);
      e.wall.push(t.wall);
      e.cpu.push(t.cpu);
      if (t.faults !== undefined) e.faults.push(t.faults);
    }
    log(r + 1, roundCount);
  }
  const out = {};
  for (const e of plan) {
    const wall = stats(e.wall);
    const cpu = stats(e.cpu);
    out[e.id] = {
      iterations: e.iterations,
      median: (e.clock === 'cpu' ? cpu : wall).median,
      clock: e.clock,
      wall,
      cpu,
    };
    if (e.faults.length) out[e.id].faults = median(e.faults);
    if (e.helper.length) out[e.id].helper = median(e.helper);
    if (e.quiet) {
      out[e.id].retaken = e.retaken;
      out[e.id].adjusted = e.adjusted;
    }
  }
  return out;
}
