// bench/threads-browser.mjs — the peers' threaded modes where they run: Chromium (issue 13).
//
// tfjs-backend-wasm's threaded SIMD build does not load in Node, and onnxruntime-web's threads
// are process-wide there; in one cross-origin-isolated page (COOP/COEP, served here from
// 127.0.0.1) all of them load side by side: softmax-wasm with 1 and 2 threads (two instances),
// tfjs-backend-wasm's tfjs-backend-wasm-threaded-simd.wasm (setThreadsCount(2)), and
// onnxruntime-web with numThreads 1 and 2 (two instances of its module: numThreads is fixed per
// instance at its first session). Each case times every configuration round by round
// (interleaved, so a busy machine slows all alike) and reports the median per-call time.
// Every configuration is timed end to end from typed arrays: ours with `out` given, tfjs from
// tensors made of the arrays to dataSync(), onnxruntime-web's session.run on tensors wrapping
// them. crossEntropy is the mean loss and its gradient with respect to the logits.
//
//   node bench/threads-browser.mjs [--quick] [--rounds=N] [--json=FILE]
//   (npm run bench:threads runs it after the Node part and puts its table in the same report.)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../tests/chromium.mjs';
import { canaryCell, collapsedRounds } from './lib/canary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BROWSER_SHAPES = ['32x50257', '1024x1000', '8x21x16384@1', '1x1000', '1x8'];
/** The shapes of the 1.7x target (the others are under the threshold and run on one thread). */
export const TARGET_SHAPES = BROWSER_SHAPES.slice(0, 3);
export const BROWSER_OPS = ['softmax', 'logSoftmax', 'crossEntropy'];
/** Column ids in table order, and their headings. */
export const CONFIGS = [
  ['ours1', 'ours, 1 thread'],
  ['ours2', 'ours, 2 threads'],
  ['tfjs', 'tfjs-wasm threaded SIMD'],
  ['ort1', 'ort-web numThreads 1'],
  ['ort2', 'ort-web numThreads 2'],
];

const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>threads bench</title><link rel="icon" href="data:,">
<script src="/node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js"></script>
<script src="/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"></script>
<script type="module" src="/bench-page.js"></script>`;

// The page: everything the Node side needs comes back in window.result.
const PAGE_JS = `
import { load } from '/bindings/browser.js';
import { poolOf } from '/bindings/threads.js';
import { makeInputs, parseShape } from '/bench/lib/data.mjs';
import { modelFor } from '/bench/lib/onnx.mjs';
import { registerLossGradients } from '/bench/lib/tfjs-gradients.mjs';
import { createCanary } from '/bench/lib/canary.mjs';

const q = new URLSearchParams(location.search);
const ROUNDS = Number(q.get('rounds'));
const SAMPLE_MS = Number(q.get('sampleMs'));
const SHAPES = q.get('shapes').split(',');
const OPS = q.get('ops').split(',');
const ONLY = q.get('configs') ? q.get('configs').split(',') : undefined;
const log = (s) => window.benchLog?.(s);

async function sample(fn) {
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    const dt = performance.now() - t;
    if (dt >= SAMPLE_MS || reps > 1e6) return dt / reps;
    reps *= dt < SAMPLE_MS / 10 ? 8 : 2;
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function main() {
  const facts = { isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, userAgent: navigator.userAgent };
  const ours1 = await load({ threads: 1 });
  const ours2 = await load({ threads: 2 });
  await poolOf(ours2)?.start();
  facts.ours = { threads: [ours1.threads, ours2.threads] };

  const tf = window.tf;
  registerLossGradients(tf);
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  tf.wasm.setThreadsCount(2);
  await tf.setBackend('wasm');
  await tf.ready();
  facts.tfjs = {
    version: tf.version_core,
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threadsCount: tf.wasm.getThreadsCount(),
  };

  const orts = {};
  for (const n of [1, 2]) {
    const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs?instance=' + n);
    ort.env.wasm.numThreads = n;
    ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    ort.env.logLevel = 'error';
    orts[n] = ort;
  }
  facts.ort = { version: orts[1].env.versions?.common ?? orts[1].env.versions?.web };
  const canary = await createCanary();

  const cases = [];
  for (const name of SHAPES) {
    const shape = parseShape(name);
    const inp = makeInputs(shape);
    const last = shape.axis === shape.dims.length - 1;
    const perm = shape.dims.map((_, i) => i);
    perm[shape.axis] = perm.length - 1;
    perm[perm.length - 1] = shape.axis;
    for (const op of OPS) {
      log(op + ' ' + name);
      const calls = {};
      const notes = {};
      const opts = { shape: shape.dims, axis: shape.axis };
      for (const [id, sm] of [['ours1', ours1], ['ours2', ours2]]) {
        if (op === 'crossEntropy') {
          const o = { ...opts, grad: true, out: new Float32Array(shape.size) };
          calls[id] = () => sm.crossEntropy(inp.x, inp.target, o);
        } else {
          const o = { ...opts, out: new Float32Array(shape.size) };
          calls[id] = () => sm[op](inp.x, o);
        }
      }
      // tfjs: softmax and logSoftmax along the last axis only; another axis goes through two transposes.
      if (!last) notes.tfjs = 'last axis only: timed with transposes around it';
      const alongLast = (f) => (last ? f : (x) => tf.transpose(f(tf.transpose(x, perm)), perm));
      if (op === 'crossEntropy') {
        const rows = (l) => tf.reshape(last ? l : tf.transpose(l, perm), [-1, shape.n]);
        calls.tfjs = () =>
          tf.tidy(() => {
            const onehot = tf.oneHot(tf.tensor(inp.target, [shape.samples], 'int32'), shape.n);
            const { value, grad: g } = tf.valueAndGrad((l) => tf.losses.softmaxCrossEntropy(onehot, rows(l)))(
              tf.tensor(inp.x, shape.dims),
            );
            value.dataSync();
            g.dataSync();
          });
      } else {
        const f = alongLast((x) => (op === 'softmax' ? tf.softmax(x) : tf.logSoftmax(x)));
        calls.tfjs = () => tf.tidy(() => void f(tf.tensor(inp.x, shape.dims)).dataSync());
      }
      const sessions = [];
      const model = modelFor(op, shape.dims, shape.axis);
      for (const n of [1, 2]) {
        const ort = orts[n];
        const session = await ort.InferenceSession.create(model.bytes, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        });
        sessions.push(session);
        const targetDims = shape.dims.filter((_, i) => i !== shape.axis);
        const args = op === 'crossEntropy' ? [inp.x, inp.target] : [inp.x];
        const tensor = (a) =>
          a instanceof Int32Array ? new ort.Tensor('int32', a, targetDims) : new ort.Tensor('float32', a, shape.dims);
        calls['ort' + n] = async () => {
          const r = await session.run(Object.fromEntries(model.inputs.map((nm, i) => [nm, tensor(args[i])])));
          void r[model.output].data;
        };
      }
      const ids = Object.keys(calls).filter((id) => ONLY === undefined || ONLY.includes(id));
      for (const id of ids) await sample(calls[id]); // warm-up
      const times = Object.fromEntries(ids.map((id) => [id, []]));
      const machine = [];
      for (let r = 0; r < ROUNDS; r++) {
        for (const id of ids) times[id].push(await sample(calls[id]));
        machine.push(canary.measure());
      }
      for (const s of sessions) await s.release();
      cases.push({ op, shape: name, ms: Object.fromEntries(ids.map((id) => [id, median(times[id])])), rounds: times, canary: machine, notes });
    }
  }
  ours1.dispose();
  ours2.dispose();
  canary.close();
  return { facts, cases };
}
main().then(
  (r) => { window.result = r; },
  (e) => { window.result = { error: String(e && e.stack || e) }; },
);
`;

/** Serves the repository read-only with COOP/COEP (and CORP), plus the bench page. */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (url.pathname === '/' || url.pathname === '/bench-page.js') {
      res.writeHead(200, { ...headers, 'Content-Type': url.pathname === '/' ? 'text/html' : 'text/javascript' });
      res.end(url.pathname === '/' ? PAGE : PAGE_JS);
      return;
    }
    const file = path.join(ROOT, path.normalize(decodeURIComponent(url.pathname)));
    if (
      !/^\/(bindings|dist|bench\/lib|tests|node_modules)\//.test(url.pathname) ||
      !file.startsWith(ROOT) ||
      !fs.existsSync(file) ||
      !fs.statSync(file).isFile()
    ) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Runs the page; returns { facts, cases } (ms per call by configuration id). */
export async function runBrowserBench({
  rounds = 9,
  sampleMs = 40,
  shapes = BROWSER_SHAPES,
  ops = BROWSER_OPS,
  configs = undefined,
  log = () => {},
} = {}) {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const wasmFiles = new Set();
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
      else if (r.url().endsWith('.wasm')) wasmFiles.add(new URL(r.url()).pathname.split('/').pop());
    });
    await page.exposeFunction('benchLog', (s) => log(s));
    const q = new URLSearchParams({ rounds, sampleMs, shapes: shapes.join(','), ops: ops.join(',') });
    if (configs) q.set('configs', configs.join(','));
    await page.goto(`http://127.0.0.1:${server.address().port}/?${q}`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 3_600_000, polling: 500 });
    const result = await page.evaluate(() => window.result);
    if (result.error) throw new Error(`the bench page failed: ${result.error}\n${errors.join('\n')}`);
    return { ...result, facts: { ...result.facts, wasmFiles: [...wasmFiles] }, errors };
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }
}

const fmt = (ms) => (ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : `${(ms * 1000).toFixed(2)} µs`);

/** The Markdown of a browser run: facts, then one row per op and shape. */
export function browserTable({ facts, cases }, { rounds }) {
  const lines = [
    `Chromium (${facts.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}), one cross-origin-isolated page (crossOriginIsolated: ${facts.isolated}, ${facts.cores} cores): medians of ${rounds} interleaved rounds, ms per call, float32, end to end from typed arrays (ours with \`out\` given; crossEntropy = mean loss and its gradient). tfjs-backend-wasm ${facts.tfjs.version} ran with SIMD ${facts.tfjs.simd}, threads ${facts.tfjs.multithread} (tfjs-backend-wasm-threaded-simd.wasm), setThreadsCount(2) asked, getThreadsCount() reported ${facts.tfjs.threadsCount}${facts.tfjs.threadsCount < 2 ? ' (its XNNPACK pool did not get a second thread in this page, so its column is the threaded build on one thread)' : ''}; onnxruntime-web ${facts.ort.version ?? ''} (ort-wasm-simd-threaded.wasm) with numThreads 1 and 2 as two module instances. The last column is the fastest peer's threaded time (tfjs, or ort numThreads 2) over ours with 2 threads (above 1: ours is faster); the one before it is what the machine gave two threads in the page in the same rounds, with no library involved (bench/lib/canary.mjs, as in the Node table: the compute / memory 2-thread factors, medians over the rounds, the lowest memory one in brackets, 2.00: the two threads got what one gets alone; then the threads' ping-pong round trip in ns, the highest in brackets).`,
    '',
    `| op | shape | ${CONFIGS.map(([, h]) => h).join(' | ')} | ours 2 / 1 speed-up | machine: compute / memory (lowest) / ping-pong ns (highest) | best threaded peer / ours 2 |`,
    `|---|---|${CONFIGS.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  const notes = new Set();
  for (const c of cases) {
    const cells = CONFIGS.map(([id]) => {
      const ms = c.ms[id];
      if (ms === undefined) return '–';
      const note = c.notes[id];
      if (note) notes.add(`ᵗ tfjs: ${note} (${c.shape}).`);
      return `${fmt(ms)}${note ? ' ᵗ' : ''}`;
    });
    const peers = ['tfjs', 'ort2'].map((id) => c.ms[id]).filter((v) => v !== undefined);
    const best = Math.min(...peers);
    lines.push(
      `| ${c.op} | ${c.shape} | ${cells.join(' | ')} | ${(c.ms.ours1 / c.ms.ours2).toFixed(2)}x | ${canaryCell(c.canary)} | ${(best / c.ms.ours2).toFixed(2)}x |`,
    );
  }
  if (notes.size) lines.push('', ...notes);
  const attribution = collapsedRounds(
    cases
      .filter((c) => c.rounds?.ours1 && c.rounds?.ours2 && TARGET_SHAPES.includes(c.shape))
      .map((c) => ({ label: `${c.op} ${c.shape}`, one: c.rounds.ours1, two: c.rounds.ours2, canary: c.canary })),
  );
  if (attribution) lines.push('', `Chromium, ours with 2 threads: ${attribution}`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = Object.fromEntries(
    process.argv.slice(2).map((a) => {
      const [k, v = ''] = a.replace(/^--/, '').split('=');
      return [k, v];
    }),
  );
  const quick = args.quick !== undefined;
  const rounds = Number(args.rounds ?? (quick ? 3 : 9));
  const r = await runBrowserBench({
    rounds,
    sampleMs: quick ? 15 : 40,
    shapes: args.shapes ? args.shapes.split(',') : BROWSER_SHAPES,
    ops: args.ops ? args.ops.split(',') : BROWSER_OPS,
    configs: args.configs ? args.configs.split(',') : undefined,
    log: (s) => process.stderr.write(`  ${s}\n`),
  });
  console.log(browserTable(r, { rounds }).join('\n'));
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(r, null, 2));
}
