// timing.mjs — calibrated samples, taken round by round across implementations.
//
// The machine is shared and noisy, so no single timing means anything: each
// implementation gets an iteration count that makes one sample last about
// `sampleMs`, then every round takes one sample of every implementation (the
// order rotates from round to round), and the report uses the median of the
// rounds. Ratios come from one run, where all rows saw the same noise.

const now = () => process.hrtime.bigint();

/**
 * Mean ns per call over `iterations` calls of a prepared in-process
 * implementation: wall time, and the process's CPU time (user + system) as a
 * second opinion on a machine where other tenants take the cores.
 */
async function timeCalls(p, iterations) {
  if (p.before) await p.before();
  const { run } = p;
  const c0 = process.cpuUsage();
  const t0 = now();
  if (p.isAsync) {
    for (let i = 0; i < iterations; i++) await run();
  } else {
    for (let i = 0; i < iterations; i++) run();
  }
  const wall = Number(now() - t0) / iterations;
  const c = process.cpuUsage(c0);
  return { wall, cpu: ((c.user + c.system) * 1000) / iterations };
}

/** Warms an implementation up (JIT, lazy init, first-touch of memory) and returns a rough ns per call. */
async function estimate(p, warmMs) {
  if (p.estimate) return p.estimate();
  const deadline = Date.now() + warmMs;
  let calls = 0;
  do {
    await timeCalls(p, 1);
    calls++;
  } while (Date.now() < deadline || calls < 2);
  // Then a batch long enough for the clock: double until it takes >= 2 ms.
  let iterations = 1;
  for (;;) {
    const { wall } = await timeCalls(p, iterations);
    if (wall * iterations >= 2e6 || iterations >= 1 << 20) return wall;
    iterations *= 2;
  }
}

async function sample(p, iterations) {
  return p.sample ? p.sample(iterations) : timeCalls(p, iterations);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times prepared implementations round by round.
 * entries: [{ id, prepared }]; options: { sampleMs, rounds (a function of the
 * slowest sample in ms, so big shapes can take fewer), warmMs, log }.
 * Returns { [id]: { iterations, samples: [wall ns per call], median, min, max,
 * cpuMedian } } (the native rows' CPU time is Google Benchmark's cpu_time).
 */
export async function timeInterleaved(entries, { sampleMs, rounds, warmMs, log = () => {} }) {
  const plan = [];
  for (const { id, prepared } of entries) {
    const est = await estimate(prepared, warmMs);
    const iterations = Math.max(1, Math.round((sampleMs * 1e6) / est));
    plan.push({ id, prepared, iterations, samples: [], cpu: [], estimateNs: est });
  }
  const slowestMs = Math.max(...plan.map((e) => (e.iterations * e.estimateNs) / 1e6));
  const roundCount = rounds(slowestMs);
  for (let r = 0; r < roundCount; r++) {
    for (let k = 0; k < plan.length; k++) {
      const e = plan[(k + r) % plan.length];
      const { wall, cpu } = await sample(e.prepared, e.iterations);
      e.samples.push(wall);
      e.cpu.push(cpu);
    }
    log(r + 1, roundCount);
  }
  const out = {};
  for (const e of plan) {
    out[e.id] = {
      iterations: e.iterations,
      samples: e.samples,
      median: median(e.samples),
      min: Math.min(...e.samples),
      max: Math.max(...e.samples),
      cpuMedian: median(e.cpu),
    };
  }
  return out;
}
