// bench/threads.mjs — how softmax-wasm scales with threads (issue 13), beside onnxruntime-web's
// numThreads. Ours: one process, three instances (threads 1, 2 and 'auto'), timed interleaved
// round by round so a busy machine slows all of them alike; the figure is the median of the
// rounds' per-call times. onnxruntime-web's numThreads is process-wide, so each setting runs in
// its own child process (the same op, shape and timing loop).
//
//   node bench/threads.mjs [--quick] [--rounds=N] [--json=FILE]   (npm run bench:threads)
//   node bench/threads.mjs --threshold   how the threshold (kParallelMin, cpp/parallel.h) was
//       chosen: softmax and crossEntropy on rows of 1000 and of 64 from 4k to 256k elements, with
//       sharing forced on for every size, 1 thread against 2; sharing pays from where 2 threads win.
//
// Prints a Markdown table (ms per call and the speed-up over one thread) and a text chart.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { makeInputs, parseShape } from './lib/data.mjs';
import { modelFor } from './lib/onnx.mjs';

const SHAPES = ['32x50257', '1024x1000', '8x21x16384@1', '1x1000', '1x8'];
const OPS = ['softmax', 'logSoftmax', 'crossEntropy'];
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v = ''] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const ROUNDS = Number(args.rounds ?? (args.quick !== undefined ? 5 : 9));
const SAMPLE_MS = args.quick !== undefined ? 15 : 40;

/** Per-call time of fn (ms): repeats until a sample lasts SAMPLE_MS. */
async function sample(fn, isAsync) {
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) isAsync ? await fn() : fn();
    const dt = performance.now() - t;
    if (dt >= SAMPLE_MS || reps > 1e6) return dt / reps;
    reps *= dt < SAMPLE_MS / 10 ? 8 : 2;
  }
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function oursCall(sm, op, shape, inp) {
  const opts = { shape: shape.dims, axis: shape.axis };
  if (op === 'crossEntropy') {
    const o = { ...opts, grad: true, out: new Float32Array(shape.size) };
    return () => sm.crossEntropy(inp.x, inp.target, o);
  }
  const o = { ...opts, out: new Float32Array(shape.size) };
  return () => sm[op](inp.x, o);
}

async function ortChild(numThreads) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = numThreads;
  ort.env.logLevel = 'error';
  const out = {};
  for (const name of SHAPES) {
    const shape = parseShape(name);
    const inp = makeInputs(shape);
    for (const op of OPS) {
      const session = await ort.InferenceSession.create(modelFor(op, shape.dims, shape.axis), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
      const f32 = (a) => new ort.Tensor('float32', a, shape.dims);
      const feeds =
        op === 'crossEntropy'
          ? () => ({
              x: f32(inp.x),
              t: new ort.Tensor(
                'int32',
                inp.target,
                shape.dims.filter((_, i) => i !== shape.axis),
              ),
            })
          : () => ({ x: f32(inp.x) });
      const run = () => session.run(feeds());
      await sample(run, true);
      const times = [];
      for (let r = 0; r < ROUNDS; r++) times.push(await sample(run, true));
      out[`${op} ${name}`] = median(times);
      await session.release();
    }
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

if (args['ort-child'] !== undefined) {
  await ortChild(Number(args['ort-child']));
} else if (args.threshold !== undefined) {
  const { load } = await import('../bindings/index.js');
  const { poolOf } = await import('../bindings/threads.js');
  const one = await load({ threads: 1 });
  const two = await load({ threads: 2 });
  await poolOf(two).start();
  poolOf(two).setMinWork(1); // share every call that has more than one task
  console.log(
    `Threshold sweep: Node ${process.versions.node}, load average ${os.loadavg()[0].toFixed(2)}; medians of ${ROUNDS} interleaved rounds; 2 threads / 1 thread time (below 1: sharing pays).`,
  );
  console.log(
    '| elements | softmax rows of 1000 | softmax rows of 64 | crossEntropy rows of 1000 | crossEntropy rows of 64 |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  for (const size of [4096, 8192, 16384, 32768, 65536, 131072, 262144]) {
    const cells = [];
    for (const op of ['softmax', 'crossEntropy']) {
      for (const width of [1000, 64]) {
        const shape = parseShape(`${Math.max(1, Math.round(size / width))}x${width}`);
        const inp = makeInputs(shape);
        const calls = [oursCall(one, op, shape, inp), oursCall(two, op, shape, inp)];
        for (const c of calls) await sample(c, false);
        const t = [[], []];
        for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < 2; i++) t[i].push(await sample(calls[i], false));
        cells.push((median(t[1]) / median(t[0])).toFixed(2));
      }
    }
    console.log(`| ${size} | ${cells.join(' | ')} |`);
  }
  poolOf(two).setMinWork(0);
} else {
  const { load } = await import('../bindings/index.js');
  const { poolOf } = await import('../bindings/threads.js');
  const configs = [
    ['1 thread', await load({ threads: 1 })],
    ['2 threads', await load({ threads: 2 })],
    ['auto', await load()],
  ];
  for (const [, sm] of configs) await poolOf(sm)?.start();
  const autoThreads = configs[2][1].threads;
  const load1 = os.loadavg()[0];
  const rows = [];
  for (const name of SHAPES) {
    const shape = parseShape(name);
    const inp = makeInputs(shape);
    for (const op of OPS) {
      const calls = configs.map(([, sm]) => oursCall(sm, op, shape, inp));
      for (const c of calls) await sample(c, false); // warm-up
      const times = calls.map(() => []);
      for (let r = 0; r < ROUNDS; r++)
        for (let i = 0; i < calls.length; i++) times[i].push(await sample(calls[i], false));
      rows.push({ op, shape: name, ms: times.map(median) });
    }
  }
  const ort = {};
  for (const n of [1, 2]) {
    const r = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        `--ort-child=${n}`,
        `--rounds=${ROUNDS}`,
        ...(args.quick !== undefined ? ['--quick'] : []),
      ],
      { encoding: 'utf8', timeout: 600_000 },
    );
    try {
      ort[n] = JSON.parse(r.stdout);
    } catch {
      ort[n] = { error: (r.stderr || r.stdout || `exit ${r.status}`).split('\n').slice(0, 3).join(' ') };
    }
  }
  const loadAfter = os.loadavg()[0];
  const f = (ms) =>
    (ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : `${(ms * 1000).toFixed(2)} us`).replace(
      /(\d) us$/,
      '$1 µs',
    );
  const lines = [];
  lines.push(
    `Threads bench (bench/threads.mjs): Node ${process.versions.node}, ${os.cpus().length} cores, 'auto' = ${autoThreads} threads; load average ${load1.toFixed(2)} before, ${loadAfter.toFixed(2)} after; medians of ${ROUNDS} interleaved rounds, ms per call (float32, \`out\` given; crossEntropy with its gradient).`,
    '',
  );
  lines.push(
    '| op | shape | 1 thread | 2 threads | auto | speed-up 2 / auto | onnxruntime-web numThreads 1 | numThreads 2 |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const key = `${r.op} ${r.shape}`;
    const o1 = ort[1]?.[key];
    const o2 = ort[2]?.[key];
    lines.push(
      `| ${r.op} | ${r.shape} | ${f(r.ms[0])} | ${f(r.ms[1])} | ${f(r.ms[2])} | ${(r.ms[0] / r.ms[1]).toFixed(2)}x / ${(r.ms[0] / r.ms[2]).toFixed(2)}x | ${o1 ? f(o1) : '–'} | ${o2 ? f(o2) : '–'} |`,
    );
  }
  if (ort[1]?.error || ort[2]?.error) lines.push('', `onnxruntime-web: ${ort[1]?.error ?? ''} ${ort[2]?.error ?? ''}`);
  lines.push('', 'Speed-up over one thread, 2 threads (each # is 0.1x; | marks 1x and 2x):', '```');
  for (const r of rows) {
    const s = r.ms[0] / r.ms[1];
    const bar = Array.from({ length: Math.min(25, Math.round(s * 10)) }, (_, i) =>
      i === 9 || i === 19 ? '|' : '#',
    ).join('');
    lines.push(`${`${r.op} ${r.shape}`.padEnd(28)} ${bar} ${s.toFixed(2)}x`);
  }
  lines.push('```');
  console.log(lines.join('\n'));
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ rows, ort, autoThreads, loadavg: [load1, loadAfter] }, null, 2));
}
