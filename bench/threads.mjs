// bench/threads.mjs — how softmax-wasm scales with threads (issue 13), beside onnxruntime-web's
// numThreads. Ours: one process, three instances (threads 1, 2 and 'auto'), timed interleaved
// round by round so a busy machine slows all of them alike; the figure is the median of the
// rounds' per-call times. onnxruntime-web's numThreads is process-wide, so each setting runs in
// its own child process (the same op, shape and timing loop).
//
// Then (unless --no-browser) bench/threads-browser.mjs times the peers' threaded modes where they
// run, in Chromium: ours with 1 and 2 threads, tfjs-backend-wasm's threaded SIMD build and
// onnxruntime-web with numThreads 1 and 2, in one cross-origin-isolated page.
//
//   node bench/threads.mjs [--quick] [--rounds=N] [--json=FILE] [--no-browser]   (npm run bench:threads)
//       prints the report, writes it into bench/RESULTS.md's threads section and draws the
//       scaling chart bench/threads-chart.svg (Observable Plot, as bench/lib/chart.mjs) from the
//       same run (--quick: neither file is written).
//   node bench/threads.mjs --threshold [--repeats=N]   measures the threshold (kParallelMin,
//       cpp/parallel.h): softmax and crossEntropy on rows of 1000 and of 64 from 4k to 256k
//       elements, with sharing forced on for every size, 1 thread against 2. Each size is timed in
//       N repeats (default 3) of interleaved 1-vs-2 rounds (the order alternating round by round);
//       each repeat gives the ratio of the medians, the table shows the median ratio and the range
//       over the repeats, and the crossover is the smallest size from which 2 threads win in every
//       repeat at that size and all larger ones.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { makeInputs, parseShape } from './lib/data.mjs';
import { canaryCell, collapsedRounds, createCanary } from './lib/canary.mjs';
import { modelFor } from './lib/onnx.mjs';
import { BROWSER_SHAPES, browserTable, runBrowserBench, TARGET_SHAPES } from './threads-browser.mjs';
import { withThreadsSection } from './threads-section.mjs';

const HERE = fileURLToPath(new URL('./', import.meta.url));

const SHAPES = BROWSER_SHAPES;
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

/**
 * Median ms per call of each of `calls` (one per configuration): a warm-up, then ROUNDS interleaved
 * rounds, each followed by a canary measurement (bench/lib/canary.mjs) when one is given.
 * Returns { ms: the medians, rounds: each configuration's per-round times, canary: per round }.
 */
async function timeConfigs(calls, canary) {
  for (const c of calls) await sample(c, false); // warm-up
  const times = calls.map(() => []);
  const machine = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < calls.length; i++) times[i].push(await sample(calls[i], false));
    if (canary) machine.push(canary.measure());
  }
  return { ms: times.map(median), rounds: times, canary: machine };
}

/** A Float32Array of n elements at byte offset 4 of its buffer (x.subarray(1) of a longer one). */
const offBy4 = (n) => new Float32Array(n + 1).subarray(1);

/** One call of op (float32, `out` given); offset4: x and out at byte offset 4, as a row of a batch. */
function oursCall(sm, op, shape, inp, offset4 = false) {
  const opts = { shape: shape.dims, axis: shape.axis };
  const x = offset4 ? offBy4(shape.size) : inp.x;
  if (offset4) x.set(inp.x);
  const out = offset4 ? offBy4(shape.size) : new Float32Array(shape.size);
  if (op === 'crossEntropy') {
    const o = { ...opts, grad: true, out };
    return () => sm.crossEntropy(x, inp.target, o);
  }
  const o = { ...opts, out };
  return () => sm[op](x, o);
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
      const model = modelFor(op, shape.dims, shape.axis);
      const session = await ort.InferenceSession.create(model.bytes, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
      const targetDims = shape.dims.filter((_, i) => i !== shape.axis);
      const args = op === 'crossEntropy' ? [inp.x, inp.target] : [inp.x];
      const tensor = (a) =>
        a instanceof Int32Array ? new ort.Tensor('int32', a, targetDims) : new ort.Tensor('float32', a, shape.dims);
      const feeds = () => Object.fromEntries(model.inputs.map((name, i) => [name, tensor(args[i])]));
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
  const REPEATS = Number(args.repeats ?? 3);
  const SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144];
  const COLUMNS = [];
  for (const op of ['softmax', 'crossEntropy']) for (const width of [1000, 64]) COLUMNS.push({ op, width });
  const load0 = os.loadavg()[0];
  // ratios[column][size] = the 2-thread / 1-thread ratio of medians, one per repeat.
  const ratios = COLUMNS.map(() => SIZES.map(() => []));
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const [si, size] of SIZES.entries()) {
      for (const [ci, { op, width }] of COLUMNS.entries()) {
        const shape = parseShape(`${Math.max(1, Math.round(size / width))}x${width}`);
        const inp = makeInputs(shape);
        const calls = [oursCall(one, op, shape, inp), oursCall(two, op, shape, inp)];
        for (const c of calls) await sample(c, false);
        const t = [[], []];
        for (let r = 0; r < ROUNDS; r++) {
          const order = r % 2 ? [1, 0] : [0, 1]; // ABBA: neither always runs first
          for (const i of order) t[i].push(await sample(calls[i], false));
        }
        ratios[ci][si].push(median(t[1]) / median(t[0]));
      }
    }
  }
  poolOf(two).setMinWork(0);
  const lines = [
    `Threshold sweep (\`node bench/threads.mjs --threshold\`): Node ${process.versions.node}, ${os.cpus().length} cores, load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; sharing forced on for every size; per size ${REPEATS} repeats of ${ROUNDS} interleaved 1-vs-2-thread rounds (alternating order). Each cell: the median over the repeats of (2-thread median / 1-thread median), and [lowest, highest] repeat; below 1 sharing pays.`,
    '',
    `| elements | ${COLUMNS.map((c) => `${c.op} rows of ${c.width}`).join(' | ')} |`,
    `|---:|${COLUMNS.map(() => '---:').join('|')}|`,
  ];
  for (const [si, size] of SIZES.entries()) {
    const cells = COLUMNS.map((_, ci) => {
      const r = ratios[ci][si];
      return `${median(r).toFixed(2)} [${Math.min(...r).toFixed(2)}, ${Math.max(...r).toFixed(2)}]`;
    });
    lines.push(`| ${size} | ${cells.join(' | ')} |`);
  }
  // Crossover per column: the smallest size from which every repeat at it and above is below 1.
  const crossover = COLUMNS.map((_, ci) => {
    let from = null;
    for (let si = SIZES.length - 1; si >= 0; si--) {
      if (ratios[ci][si].every((v) => v < 1)) from = SIZES[si];
      else break;
    }
    return from;
  });
  lines.push(
    '',
    `Crossover (2 threads faster in every repeat from this size up): ${COLUMNS.map((c, ci) => `${c.op} rows of ${c.width}: ${crossover[ci] ?? 'none in range'}`).join('; ')}. The shipped threshold is kParallelMin = 65536 elements (cpp/parallel.h).`,
  );
  const worst = Math.max(...crossover.map((v) => v ?? Infinity));
  lines.push(
    worst === Infinity
      ? 'Not every column crosses over in the range: the run is too noisy (or sharing never pays) to confirm a threshold.'
      : `The largest crossover, ${worst} elements, is the threshold this run supports${worst === 65536 ? ' (the shipped value)' : ` (the shipped value is 65536: ${worst < 65536 ? 'lower would also pay' : 'raise it'} if a quiet run agrees)`}.`,
  );
  console.log(lines.join('\n'));
  if (args.json) writeFileSync(args.json, JSON.stringify({ SIZES, COLUMNS, ratios, crossover }, null, 2));
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
  const canary = await createCanary();
  const load1 = os.loadavg()[0];
  const rows = [];
  for (const name of SHAPES) {
    const shape = parseShape(name);
    const inp = makeInputs(shape);
    for (const op of OPS) {
      rows.push({
        op,
        shape: name,
        ...(await timeConfigs(
          configs.map(([, sm]) => oursCall(sm, op, shape, inp)),
          canary,
        )),
      });
    }
  }
  // x and out at byte offset 4 (mod 8): copies into the threaded build's shared memory are word
  // copies only in phase (copyPhase, bindings/validate.js).
  const phaseRows = [];
  for (const name of ['1024x1000', '32x50257']) {
    const shape = parseShape(name);
    const inp = makeInputs(shape);
    for (const op of ['softmax', 'crossEntropy']) {
      const calls = configs.map(([, sm]) => oursCall(sm, op, shape, inp, true));
      phaseRows.push({ op, shape: name, ...(await timeConfigs(calls, canary)) });
    }
  }
  canary.close();
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
    "The machine column is what the machine gave two threads in the same rounds, with no library code (bench/lib/canary.mjs, measured after each round): a job on each thread alone, then on both at once; 2 / the larger of the two threads' slowdowns, median over the rounds (2.00: the two threads got what one gets alone). compute: an integer loop in registers (does each thread have a core?); memory: a sum over a private 64 MiB array per thread (do two streams get twice one stream's bandwidth?). In brackets the lowest memory factor of the row's rounds. Then the ping-pong round trip between the two threads on one shared word (median ns, the highest in brackets): about 120 ns when the host places the two vCPUs near each other, about 330 ns far apart, when everything the calling thread copies in for the worker and out from it crosses between them too.",
    '',
  );
  lines.push(
    '| op | shape | 1 thread | 2 threads | auto | speed-up 2 / auto | machine: 2-thread factor, compute / memory (lowest) / ping-pong ns (highest) | onnxruntime-web numThreads 1 | numThreads 2 |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const key = `${r.op} ${r.shape}`;
    const o1 = ort[1]?.[key];
    const o2 = ort[2]?.[key];
    lines.push(
      `| ${r.op} | ${r.shape} | ${f(r.ms[0])} | ${f(r.ms[1])} | ${f(r.ms[2])} | ${(r.ms[0] / r.ms[1]).toFixed(2)}x / ${(r.ms[0] / r.ms[2]).toFixed(2)}x | ${canaryCell(r.canary)} | ${o1 ? f(o1) : '–'} | ${o2 ? f(o2) : '–'} |`,
    );
  }
  if (ort[1]?.error || ort[2]?.error) lines.push('', `onnxruntime-web: ${ort[1]?.error ?? ''} ${ort[2]?.error ?? ''}`);
  lines.push(
    '',
    'x and `out` at byte offset 4 (a Float32Array `subarray(1)` of a longer one; the same rounds):',
    '',
    '| op | shape | 1 thread | 2 threads | auto | speed-up 2 / auto | machine: compute / memory (lowest) / ping-pong ns (highest) |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...phaseRows.map(
      (r) =>
        `| ${r.op} | ${r.shape} | ${f(r.ms[0])} | ${f(r.ms[1])} | ${f(r.ms[2])} | ${(r.ms[0] / r.ms[1]).toFixed(2)}x / ${(r.ms[0] / r.ms[2]).toFixed(2)}x | ${canaryCell(r.canary)} |`,
    ),
  );
  const big = (r) => TARGET_SHAPES.includes(r.shape);
  const attribution = collapsedRounds([
    ...rows
      .filter(big)
      .map((r) => ({ label: `${r.op} ${r.shape}`, one: r.rounds[0], two: r.rounds[1], canary: r.canary })),
    ...phaseRows.map((r) => ({
      label: `${r.op} ${r.shape} offset 4`,
      one: r.rounds[0],
      two: r.rounds[1],
      canary: r.canary,
    })),
  ]);
  if (attribution) lines.push('', `Node, 2 threads: ${attribution}`);
  let browser = null;
  if (args['no-browser'] === undefined) {
    lines.push('', "### The peers' threaded modes, in Chromium (bench/threads-browser.mjs)", '');
    try {
      browser = await runBrowserBench({
        rounds: ROUNDS,
        sampleMs: SAMPLE_MS,
        log: (s) => process.stderr.write(`  browser: ${s}\n`),
      });
      lines.push(...browserTable(browser, { rounds: ROUNDS }));
    } catch (e) {
      lines.push(`The Chromium part failed: ${String(e.message).split('\n')[0]}`);
    }
  }
  const report = lines.join('\n');
  console.log(report);
  const svg = scalingChart(rows, browser, autoThreads, `load ${load1.toFixed(1)}-${loadAfter.toFixed(1)}`);
  if (args.quick === undefined) {
    writeFileSync(`${HERE}threads-chart.svg`, svg);
    const section = `## Threads (\`npm run bench:threads\`)\n\n${report}\n\n![Speed-up over one thread](threads-chart.svg)\n`;
    writeFileSync(`${HERE}RESULTS.md`, withThreadsSection(readFileSync(`${HERE}RESULTS.md`, 'utf8'), section));
    console.error('wrote bench/threads-chart.svg and the threads section of bench/RESULTS.md');
  }
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ rows, phaseRows, ort, browser, autoThreads, loadavg: [load1, loadAfter] }, null, 2),
    );
}

/**
 * The scaling chart (SVG text): the speed-up over one thread of each op and shape, one dot per
 * configuration (Node 2 threads, Node 'auto', Chromium 2 threads), with rules at 1x and 2x.
 */
function scalingChart(rows, browser, autoThreads, loadNote) {
  const data = [];
  for (const r of rows) {
    const line = `${r.op} ${r.shape}`;
    data.push({ line, config: 'Node, 2 threads', speedup: r.ms[0] / r.ms[1] });
    data.push({ line, config: `Node, 'auto' (${autoThreads})`, speedup: r.ms[0] / r.ms[2] });
  }
  for (const c of browser?.cases ?? [])
    data.push({ line: `${c.op} ${c.shape}`, config: 'Chromium, 2 threads', speedup: c.ms.ours1 / c.ms.ours2 });
  const lines = [...new Set(data.map((d) => d.line))];
  const configs = [...new Set(data.map((d) => d.config))];
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const top = 40 + 16 * configs.length;
  const svg = Plot.plot({
    document,
    width: 760,
    height: top + 40 + 18 * lines.length,
    marginTop: top,
    marginLeft: 200,
    marginRight: 20,
    x: {
      domain: [0, Math.max(2.2, ...data.map((d) => d.speedup)) * 1.02],
      label: 'speed-up over one thread (1-thread median / n-thread median; higher is faster)',
      grid: true,
    },
    y: { domain: lines, label: null },
    color: { domain: configs, scheme: 'tableau10' },
    marks: [
      Plot.ruleY(lines, { stroke: '#ddd' }),
      Plot.ruleX([1], { stroke: '#888' }),
      Plot.ruleX([2], { stroke: '#888', strokeDasharray: '4,3' }),
      Plot.dot(data, { x: 'speedup', y: 'line', stroke: 'config', r: 4, strokeWidth: 1.5 }),
    ],
  });
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const color = svg.scale('color');
  const ns = 'http://www.w3.org/2000/svg';
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
  };
  add(
    'text',
    { x: 10, y: 18, 'font-size': 13, 'font-weight': 'bold', 'text-anchor': 'start' },
    `softmax-wasm threads: speed-up over one thread (npm run bench:threads, ${loadNote})`,
  );
  configs.forEach((label, i) => {
    const y = 36 + 16 * i;
    const stroke = color.range[color.domain.indexOf(label) % color.range.length];
    add('circle', { cx: 210, cy: y - 4, r: 4, fill: 'none', stroke, 'stroke-width': 1.5 });
    add('text', { x: 222, y, 'text-anchor': 'start' }, label);
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.outerHTML}\n`;
}
