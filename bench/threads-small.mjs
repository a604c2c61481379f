// bench/threads-small.mjs — small calls on a threaded instance against the single-thread build
// (issue 13: "no slowdown (<= 1.05x) on 1x8 and 1x1000"), each configuration in a Node process
// of its own. bench/threads.mjs times its instances in one process, where the same wrapper code
// serves three wasm modules (threads 1, 2 and 'auto', and the single-thread build inside the
// threaded ones): V8's call sites then see several modules, and a 1x8 call of whichever instance
// runs second measured 15-20% slower with identical code (bench/VARIANTS.md, "Threads"). A user
// holds one instance, so this script gives each configuration its own process, alternating
// A, B, A, B... and reports the ratio of the medians.
//
//   node bench/threads-small.mjs [--runs=10] [--json=FILE]
//   node bench/threads-small.mjs --child=<threads>      (one process: prints its times as JSON)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { threadCpuNs } from './lib/thread-cpu.mjs';

const CASES = [
  ['softmax', 1, 8],
  ['logSoftmax', 1, 8],
  ['crossEntropy', 1, 8],
  ['softmax', 1, 1000],
  ['logSoftmax', 1, 1000],
  ['crossEntropy', 1, 1000],
];
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v = ''] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** The calling thread's CPU time in ns (V8's helper threads excluded), else the process's. */
const threadCpu =
  threadCpuNs(process.pid) !== undefined
    ? () => threadCpuNs(process.pid)
    : () => {
        const c = process.cpuUsage();
        return (c.user + c.system) * 1000;
      };

/**
 * CPU ns per call of fn on the calling thread: 15 samples of ~10 ms after 300 ms of calls, the
 * median. The thread's own clock, not the process's: for the first ~50 ms after load() V8
 * compiles the hot JS and wasm on helper threads, and later its concurrent marking runs there
 * (the process's CPU time ran at 1.3-1.9x the wall time in the first samples of a case, after a
 * 20,000-call warm-up: charged to softmax 1x8, the first case, of the threaded process most).
 */
function time(fn) {
  for (const t0 = performance.now(); performance.now() - t0 < 300; ) for (let i = 0; i < 50; i++) fn();
  const samples = [];
  for (let r = 0; r < 15; r++) {
    const c0 = threadCpu();
    const t0 = performance.now();
    let calls = 0;
    while (performance.now() - t0 < 10) {
      for (let i = 0; i < 50; i++) fn();
      calls += 50;
    }
    samples.push((threadCpu() - c0) / calls);
  }
  return median(samples);
}

async function child(threads) {
  const { load } = await import('../bindings/index.js');
  const { poolOf } = await import('../bindings/threads.js');
  const sm = await load({ threads });
  const out = {};
  for (const [op, rows, n] of CASES) {
    const x = Float32Array.from({ length: rows * n }, (_, i) => Math.sin(i * 0.7) * 3);
    const shape = [rows, n];
    const fn =
      op === 'crossEntropy'
        ? (
            (o) => () =>
              sm.crossEntropy(x, new Int32Array(rows), o)
          )({ shape, grad: true, out: new Float32Array(x.length) })
        : (
            (o) => () =>
              sm[op](x, o)
          )({ shape, out: new Float32Array(x.length) });
    out[`${op} ${rows}x${n}`] = time(fn);
  }
  out.threads = sm.threads;
  // The thread's clock leaves out the workers: none may have been spawned by these calls.
  const pool = poolOf(sm);
  if (pool !== undefined && pool.workers.length !== 0)
    throw new Error(`small calls spawned ${pool.workers.length} workers`);
  process.stdout.write(JSON.stringify(out));
}

if (args.child !== undefined) {
  await child(Number(args.child));
  process.exit(0);
}

const RUNS = Number(args.runs || 10);
const script = fileURLToPath(import.meta.url);
const load0 = os.loadavg()[0];
const times = { 1: [], 2: [] };
for (let r = 0; r < RUNS; r++) {
  for (const t of r % 2 ? [2, 1] : [1, 2]) {
    const p = spawnSync(process.execPath, [script, `--child=${t}`], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`child --child=${t} failed: ${p.stderr}`);
    const got = JSON.parse(p.stdout);
    if (got.threads !== t) throw new Error(`asked for ${t} threads, the child ran ${got.threads}`);
    times[t].push(got);
  }
}
const lines = [
  `Small calls, each configuration in its own Node process (bench/threads-small.mjs): Node ${process.versions.node}, ${os.cpus().length} cores, ${RUNS} processes per configuration (alternating), load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; in each process, after 300 ms of calls, the median CPU time of the calling thread (Linux schedstat; V8's compile and GC threads excluded) over 15 samples of ~10 ms, \`out\` given; the table: the median over the processes, and the ratio of those medians.`,
  '',
  '| op | shape | 1 thread (single-thread build) | 2 threads | 2 / 1 |',
  '|---|---|---:|---:|---:|',
];
const result = {};
for (const [op, rows, n] of CASES) {
  const key = `${op} ${rows}x${n}`;
  const one = median(times[1].map((o) => o[key]));
  const two = median(times[2].map((o) => o[key]));
  result[key] = { one, two, ratio: two / one };
  lines.push(
    `| ${op} | ${rows}x${n} | ${(one / 1000).toFixed(3)} µs | ${(two / 1000).toFixed(3)} µs | ${(two / one).toFixed(3)}x |`,
  );
}
console.log(lines.join('\n'));
if (args.json)
  writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), result, lines }, null, 2)}\n`);
