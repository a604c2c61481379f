// bench/threads-spells.mjs — are the threads bench's collapsed 2-thread figures the library's or
// the machine's? (issue 13). For a few minutes, window after window (half a second each), one
// process times the same op and shape three ways on softmax-wasm and measures the machine with no
// library code in between (bench/lib/canary.mjs):
//   one:    a threads: 1 instance, zero-copy (arrays in its wasm memory, `out` given);
//   two:    a threads: 2 instance, zero-copy (the same split and kernels, no copies);
//   typed:  the same threads: 2 instance from plain Float32Arrays (`out` given: the copies are
//           streamed into its shared memory while the worker computes);
//   canary: the 2-thread factors of a job in registers and of a 64 MiB sum per thread, and the
//           threads' ping-pong round trip (bench/lib/canary.mjs).
// Each window's figure is the median of its calls, shown against the run's median. The summary
// counts the windows where a 2-thread row ran slow (over 1.25x its median) and what the canary
// said in them, the windows where the machine gave two memory streams less than 1.7x one, and
// the rows' medians in the windows where the ping-pong round trip was over FAR ns (the two vCPUs
// far apart) against the others.
//
//   node bench/threads-spells.mjs [--seconds=180] [--op=softmax] [--shape=32x50257] [--json=FILE]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { load } from '../bindings/index.js';
import { poolOf } from '../bindings/threads.js';
import { createCanary } from './lib/canary.mjs';
import { makeInputs, parseShape } from './lib/data.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v = ''] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const SECONDS = Number(args.seconds ?? 180);
const OP = args.op ?? 'softmax';
const SHAPE = args.shape ?? '32x50257';
const SLOW = 1.25; // a window this much over the row's median is a slow one
const LOW = 1.7; // a canary factor under this is the machine sharing
const FAR = 220; // ns: a ping-pong round trip over this is the two vCPUs far apart (120 against 330)

const shape = parseShape(SHAPE);
const inp = makeInputs(shape);
const one = await load({ threads: 1 });
const two = await load({ threads: 2 });
await poolOf(two).start();
const canary = await createCanary();

/** One call of OP on sm: zero-copy (its own WasmArrays) or from typed arrays (`out` given). */
function caller(sm, zeroCopy) {
  const arr = (data, dtype) => {
    if (!zeroCopy) return data ?? (dtype === 'int32' ? new Int32Array(shape.samples) : new Float32Array(shape.size));
    const h = sm.alloc(data ? data.length : shape.size, dtype);
    if (data) h.array.set(data);
    return h;
  };
  const x = arr(inp.x, 'float32');
  const opts = { shape: shape.dims, axis: shape.axis, out: arr(undefined, 'float32') };
  if (OP === 'crossEntropy') {
    const t = arr(inp.target, 'int32');
    opts.grad = true;
    return () => sm.crossEntropy(x, t, opts);
  }
  return () => sm[OP](x, opts);
}
const rows = { one: caller(one, true), two: caller(two, true), typed: caller(two, false) };
const names = Object.keys(rows);
for (const f of Object.values(rows)) for (let i = 0; i < 30; i++) f();
canary.measure();

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const windows = [];
const load0 = os.loadavg()[0];
const end = Date.now() + SECONDS * 1000;
while (Date.now() < end) {
  const t = Object.fromEntries(names.map((k) => [k, []]));
  const t0 = performance.now();
  while (performance.now() - t0 < 500) {
    for (const k of names) {
      const s = performance.now();
      rows[k]();
      t[k].push(performance.now() - s);
    }
  }
  windows.push({ ...Object.fromEntries(names.map((k) => [k, median(t[k])])), ...canary.measure() });
}
canary.close();
one.dispose();
two.dispose();

const base = Object.fromEntries(names.map((k) => [k, median(windows.map((w) => w[k]))]));
const lines = [
  `threads-spells (bench/threads-spells.mjs): ${OP} ${SHAPE}, ${windows.length} windows of 0.5 s over ${SECONDS} s; Node ${process.versions.node}, ${os.cpus().length} cores, load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after.`,
  `Medians, ms per call: one thread (zero-copy) ${base.one.toFixed(3)}, two threads (zero-copy) ${base.two.toFixed(3)}, two threads from typed arrays ${base.typed.toFixed(3)}; speed-up ${(base.one / base.two).toFixed(2)}x zero-copy.`,
  '',
];
const slow = (k) => windows.filter((w) => w[k] > SLOW * base[k]);
const fmt = (w) =>
  `one ${(w.one / base.one).toFixed(2)} two ${(w.two / base.two).toFixed(2)} typed ${(w.typed / base.typed).toFixed(2)} | machine compute ${w.compute.toFixed(2)} memory ${w.memory.toFixed(2)} ping-pong ${w.pingPongNs.toFixed(0)} ns`;
for (const k of names) {
  const s = slow(k);
  const withLow = s.filter((w) => w.memory < LOW || w.compute < LOW).length;
  lines.push(
    `- ${k}: ${s.length} of ${windows.length} windows over ${SLOW}x its median; in ${withLow} of them the machine gave two threads under ${LOW}x (memory or compute).`,
  );
}
const lowMem = windows.filter((w) => w.memory < LOW);
const lowCompute = windows.filter((w) => w.compute < LOW);
lines.push(
  `- machine: memory factor under ${LOW}x in ${lowMem.length} windows (in ${lowMem.filter((w) => w.two > SLOW * base.two).length} of them the 2-thread zero-copy row was slow too); compute factor under ${LOW}x in ${lowCompute.length}.`,
  ...[
    ['far apart', windows.filter((w) => w.pingPongNs > FAR)],
    ['near', windows.filter((w) => w.pingPongNs <= FAR)],
  ]
    .filter(([, g]) => g.length)
    .map(
      ([name, g]) =>
        `- ping-pong ${name === 'near' ? `at most ${FAR}` : `over ${FAR}`} ns (${name}): ${g.length} windows; medians against the run's: one ${median(g.map((w) => w.one / base.one)).toFixed(2)}, two ${median(g.map((w) => w.two / base.two)).toFixed(2)}, typed ${median(g.map((w) => w.typed / base.typed)).toFixed(2)}; speed-up ${median(g.map((w) => w.one / w.two)).toFixed(2)}x zero-copy, ${median(g.map((w) => w.one / w.typed)).toFixed(2)}x one thread zero-copy over two from typed arrays.`,
    ),
  '',
  'The slow windows, each against the medians:',
  ...windows.filter((w) => names.some((k) => w[k] > SLOW * base[k]) || w.memory < LOW || w.compute < LOW).map(fmt),
);
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify({ op: OP, shape: SHAPE, base, windows }, null, 2));
