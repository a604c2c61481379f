#!/usr/bin/env node
// sampling.mjs — `npm run bench:sampling`: sm.sample against its peers, and sm.topK, sm.argmax,
// sm.filterLogits against plain JS and tfjs-backend-wasm (a benchmark, not a test).
//
//   node bench/sampling.mjs              the full run (a few minutes on 2 cores): writes
//                                        bench/results/sampling.json and the "Sampling"
//                                        section of bench/RESULTS.md
//   node bench/sampling.mjs --quick      two shapes, three rounds (writes results/sampling-partial.*)
//   options: --vocabs=50257,262144 --rows=1,8 --configs=greedy,top-p,top-p-flat --rounds=N
//            --sample-ms=N --clock=cpu|wall --no-transformers
//            --no-ops (skip the topK / argmax / filterLogits table) --no-tfjs
//
// Peers: a straightforward sort-based JS sampler (lib/sort-sampler.mjs) and
// transformers.js (@huggingface/transformers, pinned in bench/peers/package.json). The
// latter cannot be a devDependency: its dependency onnxruntime-node downloads a binary in
// its install script, which fails offline. This script installs bench/peers on first use
// with `npm ci --ignore-scripts` (only pure-JS parts of it are used). Of its sampling
// pipeline only TemperatureLogitsWarper and RepetitionPenaltyLogitsProcessor run:
// TopKLogitsWarper and TopPLogitsWarper throw "not implemented", it has no min-p and no
// presence/frequency penalties, its samplers are not exported. The table says what each
// of its rows does.
//
// For every case, before timing: our kept set (sm.filterLogits) must equal the JS
// sampler's on every row, the token sm.sample draws must be in it, greedy tokens must
// equal the JS argmax, and transformers.js's processed logits must equal the JS ones.
// The second table times sm.topK (k = 50), sm.argmax and sm.filterLogits (top-p 0.9) on
// the same rows against the plain JS way (a full sort; one loop; the JS filter) and
// tfjs-backend-wasm's tf.topk / tf.argMax (a devDependency, loaded as bench/lib/impls.mjs
// does), after checking that their outputs agree with ours (topK: values, and indices
// wherever a value is not tied).
// Timing as in bench/run.mjs (lib/timing.mjs: calibrated samples, interleaved rounds,
// CPU time). Ratios are medians over the rounds of the per-round ratio.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { load } from '../bindings/index.js';
import { loadTfjs } from './lib/impls.mjs';
import { markedSectionOf, withMarkedSection } from './lib/sections.mjs';
import { median, timeInterleaved } from './lib/timing.mjs';
import * as js from './lib/sort-sampler.mjs';
import { rng as mulberry32 } from '../web/lib/format.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PEERS = `${HERE}peers/`;

export const VOCABS = [
  { n: 50257, model: 'GPT-2' },
  { n: 128256, model: 'Llama 3' },
  { n: 151936, model: 'Qwen 2.5' },
  { n: 262144, model: 'Gemma 3' },
];
export const ROWS = [1, 8];

/**
 * The ops of the op table (bindings/ops.js) this script times: sm.sample per
 * configuration, and sm.topK, sm.argmax, sm.filterLogits in their own table
 * (runOpsCase). tests/ops.test.mjs checks every sampling op of the table is here.
 */
export const TIMED_OPS = Object.freeze(['sample', 'topK', 'argmax', 'filterLogits']);
/** runOpsCase's k of sm.topK, and the configuration of its sm.filterLogits. */
export const OPS_TOP_K = 50;
export const OPS_FILTER_CONFIG = 'top-p';
const PENALTIES = { repetitionPenalty: 1.2, presencePenalty: 0.5, frequencyPenalty: 0.3 };
export const CONFIGS = [
  { id: 'greedy', label: 'greedy (temperature 0)', options: { temperature: 0 } },
  { id: 'temperature', label: 'temperature 0.7 only', options: { temperature: 0.7 } },
  { id: 'top-k', label: 'top-k 50', options: { temperature: 1, topK: 50 } },
  { id: 'top-p', label: 'top-p 0.9', options: { temperature: 1, topP: 0.9 } },
  { id: 'min-p', label: 'min-p 0.05', options: { temperature: 1, minP: 0.05 } },
  {
    id: 'top-p-flat',
    label: 'top-p 0.9 on flat logits (every logit equal)',
    options: { temperature: 1, topP: 0.9 },
    flat: true,
  },
  {
    id: 'top-k+pen',
    label: 'top-k 50 + penalties, 64-token history',
    options: { temperature: 0.8, topK: 50, ...PENALTIES },
    history: true,
  },
  {
    id: 'top-p+pen',
    label: 'top-p 0.9 + penalties, 64-token history',
    options: { temperature: 0.8, topP: 0.9, ...PENALTIES },
    history: true,
  },
  {
    id: 'min-p+pen',
    label: 'min-p 0.05 + penalties, 64-token history',
    options: { temperature: 0.8, minP: 0.05, ...PENALTIES },
    history: true,
  },
];

function parseArgs(argv) {
  const o = { quick: false, transformers: true, ops: true, tfjs: true };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--quick') o.quick = true;
    else if (k === '--no-transformers') o.transformers = false;
    else if (k === '--no-ops') o.ops = false;
    else if (k === '--no-tfjs') o.tfjs = false;
    else if (k === '--vocabs') o.vocabs = v.split(',').map(Number);
    else if (k === '--rows') o.rows = v.split(',').map(Number);
    else if (k === '--configs') o.configs = v.split(',');
    else if (k === '--rounds') o.rounds = Number(v);
    else if (k === '--sample-ms') o.sampleMs = Number(v);
    else if (k === '--clock') {
      if (v !== 'cpu' && v !== 'wall') throw new Error(`--clock must be cpu or wall, got ${v}`);
      o.clock = v;
    } else if (k === '--help' || k === '-h') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      console.log(
        lines
          .slice(
            1,
            lines.findIndex((l) => l.startsWith('// Peers')),
          )
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const c of o.configs ?? [])
    if (!CONFIGS.some((k) => k.id === c))
      throw new Error(`unknown config ${c}; configs: ${CONFIGS.map((k) => k.id).join(', ')}`);
  o.partial =
    o.quick ||
    !!(o.vocabs || o.rows || o.configs || o.rounds || o.sampleMs || o.clock || !o.transformers || !o.ops || !o.tfjs);
  o.vocabs ??= o.quick ? [50257, 262144] : VOCABS.map((v) => v.n);
  o.rows ??= o.quick ? [1] : ROWS;
  o.configs ??= CONFIGS.map((c) => c.id);
  o.clock ??= 'cpu';
  o.sampleMs ??= 10;
  o.roundsFor = o.rounds
    ? () => o.rounds
    : o.quick
      ? () => 3
      : (slowestMs) => (slowestMs <= 30 ? 11 : slowestMs <= 300 ? 7 : 5);
  return o;
}

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

// ---- inputs ---------------------------------------------------------------------------

/**
 * Logits shaped like a language model's: the bulk 3·N(0, 1), 24 plausible next tokens
 * at 10..20 (a few of them hold most of the mass, as after most prompts), and 16 tokens
 * pushed far down at -45..-40 (every real vocabulary has such), so each row spans more
 * than 60. Plus, per row, a 64-token history: 24 of the plausible tokens' ids (so the
 * penalties move the kept set) and 40 random ids, some repeated.
 */
export function makeLogits(rows, n, seed = 0x5eed) {
  const rand = mulberry32(seed ^ n ^ (rows << 20));
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(rows * n);
  const history = [];
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) row[i] = 3 * gauss();
    const top = [];
    for (let k = 0; k < 24; k++) {
      const i = Math.floor(rand() * n);
      row[i] = 10 + 10 * rand();
      top.push(i);
    }
    for (let k = 0; k < 16; k++) row[Math.floor(rand() * n)] = -45 + 5 * rand();
    const h = [];
    for (let k = 0; k < 64; k++) h.push(k < 24 ? top[Math.floor(rand() * top.length)] : Math.floor(rand() * n));
    history.push(Int32Array.from(h));
  }
  return { x, history };
}

// ---- implementations ------------------------------------------------------------------

export async function loadTransformers(wanted) {
  if (!wanted) return { error: 'not run (--no-transformers)' };
  const entry = `${PEERS}node_modules/@huggingface/transformers/package.json`;
  if (!existsSync(entry)) {
    log('installing bench/peers (transformers.js, npm ci --ignore-scripts)...');
    try {
      execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: PEERS,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch (e) {
      return { error: `bench/peers install failed: ${e.message}` };
    }
  }
  const version = JSON.parse(readFileSync(entry, 'utf8')).version;
  const main =
    JSON.parse(readFileSync(entry, 'utf8')).exports?.['.']?.node?.import?.default ?? 'dist/transformers.node.mjs';
  const t = await import(pathToFileURL(`${PEERS}node_modules/@huggingface/transformers/${main}`).href);
  // Say so if the missing warpers start working in a later version.
  const probe = new t.Tensor('float32', new Float32Array([1, 2, 3]), [1, 3]);
  const implemented = {};
  for (const [name, make] of [
    ['topK', () => new t.TopKLogitsWarper(2)],
    ['topP', () => new t.TopPLogitsWarper(0.5)],
  ]) {
    try {
      make()([[0n]], probe);
      implemented[name] = true;
    } catch (e) {
      implemented[name] = false;
      implemented[`${name}Error`] = e.message;
    }
  }
  return { t, version, implemented };
}

/** tfjs-core on tfjs-backend-wasm (as bench/lib/impls.mjs loads it), for tf.topk and tf.argMax. */
async function loadTfjsWasm(wanted) {
  if (!wanted) return { error: 'not run (--no-tfjs)' };
  try {
    const { tf, facts } = await loadTfjs();
    await tf.setBackend('wasm');
    await tf.ready();
    const version = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/package.json', import.meta.url)),
        'utf8',
      ),
    ).version;
    return { tf, facts: { ...facts, version } };
  } catch (e) {
    return { error: `tfjs-backend-wasm did not load: ${e.message}` };
  }
}

/**
 * transformers.js on one case, as far as it goes: repetition penalty (if the config
 * has penalties), temperature warper; for temperature-only, also its exported softmax
 * and a linear-scan draw (what its unexported multinomial sampler does after its
 * top-k, which needs onnxruntime-node's binary). Returns null when nothing applies.
 */
function transformersCase(tjs, config, rows, n, x, history) {
  const { t } = tjs;
  const o = config.options;
  if (config.id === 'greedy' || (!config.history && config.id !== 'temperature')) return null;
  const steps = [];
  if (config.history) steps.push(new t.RepetitionPenaltyLogitsProcessor(o.repetitionPenalty));
  steps.push(new t.TemperatureLogitsWarper(o.temperature));
  const ids = history.map((h) => Array.from(h, BigInt));
  const full = config.id === 'temperature';
  const rand = mulberry32(7);
  const processed = () => {
    let logits = new t.Tensor('float32', Float32Array.from(x), [rows, n]);
    for (const s of steps) logits = s(ids, logits);
    return logits;
  };
  const run = () => {
    const logits = processed();
    if (!full) return logits;
    const tokens = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const p = t.softmax(logits.data.subarray(r * n, (r + 1) * n));
      const u = rand();
      let c = 0;
      let k = 0;
      for (; k < n - 1; k++) {
        c += p[k];
        if (c > u) break;
      }
      tokens[r] = k;
    }
    return tokens;
  };
  return {
    run,
    processed,
    does: full
      ? 'TemperatureLogitsWarper, its softmax, a linear-scan draw: the whole sample'
      : 'partial: RepetitionPenaltyLogitsProcessor + TemperatureLogitsWarper only (no presence/frequency penalty; its top-k/top-p warpers are not implemented, no min-p): a lower bound on its time',
  };
}

// ---- one case --------------------------------------------------------------------------

function sameArray(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function runCase(sm, tjs, config, rows, n, opts) {
  const { x, history } = makeLogits(rows, n);
  if (config.flat) x.fill(0.5); // the worst case of a histogram: every token in one bin, one level
  const shape = rows === 1 ? [n] : [rows, n];
  const hist = config.history ? (rows === 1 ? history[0] : history) : undefined;
  const o = { ...config.options, ...(hist ? { history: hist } : {}) };
  const jsOptions = (r) => ({ ...config.options, history: config.history ? history[r] : [] });
  const result = { config: config.id, vocab: n, rows, checks: [], rows_: {} };
  const fail = (msg) => {
    throw new Error(`${config.id} ${rows}x${n}: ${msg}`);
  };

  // Checks before timing.
  const rowsOf = (arr) => Array.from({ length: rows }, (_, r) => arr.subarray(r * n, (r + 1) * n));
  const xRows = rowsOf(x);
  const jsFiltered = xRows.map((row, r) => js.filter(row, jsOptions(r)));
  const tokens = sm.sample(x, { shape, ...o, random: sm.random(1) });
  const kept = [];
  if (config.options.temperature === 0) {
    const argmax = sm.argmax(x, { shape });
    for (let r = 0; r < rows; r++) {
      const ref = js.sample(xRows[r], jsOptions(r));
      if (tokens[r] !== ref || argmax[r] !== ref)
        fail(`greedy token ${tokens[r]} / argmax ${argmax[r]} vs JS ${ref} (row ${r})`);
      kept.push(1);
    }
    result.checks.push('greedy tokens = sm.argmax = JS argmax');
  } else {
    const ours = sm.filterLogits(x, { shape, ...o });
    const oursRows = rowsOf(ours);
    for (let r = 0; r < rows; r++) {
      const a = js.keptSet(oursRows[r]);
      const b = js.keptSet(jsFiltered[r]);
      if (config.flat) {
        // One tie group: ours keeps it whole (README: top-p keeps whole tie groups); the
        // sort-based sampler, like HF's warper, cuts inside it by sort position.
        if (a.length !== n || !(b.length > 0 && b.length < n))
          fail(`flat row ${r}: ours keeps ${a.length} of ${n}, JS ${b.length}`);
      } else if (!sameArray(a, b)) fail(`kept sets differ on row ${r}: ours ${a.length} tokens, JS ${b.length}`);
      if (!a.includes(tokens[r])) fail(`sm.sample drew ${tokens[r]}, which filterLogits cut (row ${r})`);
      kept.push(a.length);
    }
    result.checks.push(
      config.flat
        ? 'flat logits: filterLogits keeps the whole tie group (the JS sampler, like HF, cuts inside it); sampled tokens inside'
        : "kept sets (filterLogits) = JS sort-based sampler's on every row; sampled tokens inside them",
    );
  }
  result.kept = kept;

  // The rows to time.
  const rng = sm.random(12345);
  const tokenOut = new Int32Array(rows);
  const softOut = new Float32Array(rows * n);
  const jsRand = mulberry32(99);
  const entries = [
    { id: 'ours', prepared: { run: () => sm.sample(x, { shape, ...o, random: rng, out: tokenOut }) } },
    { id: 'softmax', prepared: { run: () => sm.softmax(x, { shape, out: softOut }) } },
    {
      id: 'js',
      prepared: {
        run: () => {
          for (let r = 0; r < rows; r++) tokenOut[r] = js.sample(xRows[r], jsOptions(r), jsRand);
        },
      },
    },
  ];
  if (tjs.t) {
    const c = transformersCase(tjs, config, rows, n, x, history.slice(0, rows));
    if (c) {
      // Its processed logits must be the JS sampler's before its cuts (float32 vs float64: 1e-5 relative).
      const p = c.processed().data;
      const before = xRows.map((row, r) =>
        js.filter(row, { ...jsOptions(r), topK: 0, topP: 1, minP: 0, presencePenalty: 0, frequencyPenalty: 0 }),
      );
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < n; i++) {
          const want = before[r][i];
          if (!(Math.abs(p[r * n + i] - want) <= 1e-5 * Math.abs(want) + 1e-6))
            fail(`transformers.js logit ${i} of row ${r}: ${p[r * n + i]} vs ${want}`);
        }
      }
      result.checks.push('transformers.js processed logits = JS (repetition penalty, temperature)');
      entries.push({ id: 'transformers', prepared: { run: c.run } });
      result.transformersDoes = c.does;
    } else {
      result.transformersDoes =
        config.id === 'greedy'
          ? 'not run: its greedy sampler and `max` are not exported'
          : `not run: its ${config.id === 'top-k' ? 'TopKLogitsWarper' : config.id.startsWith('top-p') ? 'TopPLogitsWarper' : 'min-p'} ${config.id === 'min-p' ? 'does not exist' : 'throws "not implemented"'}`;
    }
  }
  const timings = await timeInterleaved(entries, {
    clock: opts.clock,
    sampleMs: opts.sampleMs,
    rounds: opts.roundsFor,
    warmMs: opts.quick ? 50 : 200,
    log: (r, k) => process.stderr.write(`\r  ${config.id} ${rows}x${n}: round ${r}/${k}   `),
  });
  process.stderr.write('\n');
  const clock = opts.clock;
  for (const e of entries) {
    const t = timings[e.id];
    result.rows_[e.id] = { usPerToken: t.median / 1000 / rows, timing: t };
  }
  const paired = (a, b) => median(timings[a][clock].samples.map((v, i) => v / timings[b][clock].samples[i]));
  result.ratios = {
    oursOverSoftmax: paired('ours', 'softmax'),
    jsOverOurs: paired('js', 'ours'),
    transformersOverOurs: timings.transformers ? paired('transformers', 'ours') : undefined,
  };
  return result;
}

// ---- the other sampling ops: topK, argmax, filterLogits ------------------------------

/** tf.topk / tf.argMax on tfjs-backend-wasm, end to end: a tensor from the logits, the op, the result read back. */
function tfjsOpsCase(tfw, rows, n, x) {
  const { tf } = tfw;
  return {
    topK: () => {
      let r;
      tf.tidy(() => {
        const t = tf.topk(tf.tensor(x, [rows, n]), OPS_TOP_K, true);
        r = { values: t.values.dataSync(), indices: t.indices.dataSync() };
      });
      return r;
    },
    argmax: () => {
      let r;
      tf.tidy(() => {
        r = tf.argMax(tf.tensor(x, [rows, n]), 1).dataSync();
      });
      return r;
    },
  };
}

/** Values equal; indices equal wherever the value is not tied with another of the row's top k. */
function sameTopK(a, b, rows, k) {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const v = a.values[r * k + j];
      if (v !== b.values[r * k + j]) return `row ${r} value ${j}: ${v} vs ${b.values[r * k + j]}`;
      const tied = (j > 0 && a.values[r * k + j - 1] === v) || (j < k - 1 && a.values[r * k + j + 1] === v);
      if (!tied && a.indices[r * k + j] !== b.indices[r * k + j])
        return `row ${r} index ${j}: ${a.indices[r * k + j]} vs ${b.indices[r * k + j]}`;
    }
  }
  return null;
}

/**
 * sm.topK (k = 50, largest, sorted), sm.argmax and sm.filterLogits (top-p 0.9) on the
 * logits rows of one vocabulary × rows, each against the plain JS way (lib/sort-sampler.mjs)
 * and, for topK and argmax, tfjs-backend-wasm's tf.topk / tf.argMax. Outputs are compared
 * before timing.
 */
export async function runOpsCase(sm, tfw, rows, n, opts) {
  const { x } = makeLogits(rows, n);
  const shape = rows === 1 ? [n] : [rows, n];
  const xRows = Array.from({ length: rows }, (_, r) => x.subarray(r * n, (r + 1) * n));
  const k = OPS_TOP_K;
  const filterOptions = CONFIGS.find((c) => c.id === OPS_FILTER_CONFIG).options;
  const fail = (msg) => {
    throw new Error(`ops ${rows}x${n}: ${msg}`);
  };
  const checks = [];
  const tfOps = tfw.tf ? tfjsOpsCase(tfw, rows, n, x) : null;

  // Checks before timing.
  const jsTopK = () => {
    const values = new Float32Array(rows * k);
    const indices = new Int32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      const t = js.topK(xRows[r], k);
      values.set(t.values, r * k);
      indices.set(t.indices, r * k);
    }
    return { values, indices };
  };
  const oursTopK = sm.topK(x, k, { shape, largest: true, sorted: true });
  const refTopK = jsTopK();
  let bad = sameTopK(oursTopK, refTopK, rows, k);
  if (bad) fail(`sm.topK vs JS: ${bad}`);
  if (!sameArray(oursTopK.indices, refTopK.indices)) fail('sm.topK indices differ from JS (tie order)');
  checks.push('sm.topK values and indices = JS sort');
  if (tfOps) {
    bad = sameTopK(oursTopK, tfOps.topK(), rows, k);
    if (bad) fail(`sm.topK vs tf.topk: ${bad}`);
    checks.push('tf.topk values = ours, indices too where not tied');
  }
  const oursArgmax = sm.argmax(x, { shape });
  const refArgmax = Int32Array.from(xRows, (row) => js.argmax(row));
  if (!sameArray(oursArgmax, refArgmax)) fail(`sm.argmax ${oursArgmax} vs JS ${refArgmax}`);
  checks.push('sm.argmax = JS loop');
  if (tfOps) {
    const t = tfOps.argmax();
    if (!sameArray(oursArgmax, t)) fail(`sm.argmax ${oursArgmax} vs tf.argMax ${t}`);
    checks.push('tf.argMax = ours');
  }
  const oursFiltered = sm.filterLogits(x, { shape, ...filterOptions });
  const kept = [];
  for (let r = 0; r < rows; r++) {
    const a = js.keptSet(oursFiltered.subarray(r * n, (r + 1) * n));
    const b = js.keptSet(js.filter(xRows[r], filterOptions));
    if (!sameArray(a, b)) fail(`filterLogits kept sets differ on row ${r}: ours ${a.length}, JS ${b.length}`);
    kept.push(a.length);
  }
  checks.push('sm.filterLogits kept sets = JS sort-based filter');

  // The rows to time, one interleaved set per op.
  const floatOut = new Float32Array(rows * n);
  const tokenOut = new Int32Array(rows);
  const sink = [];
  const table = {
    topK: {
      ours: () => sm.topK(x, k, { shape }),
      js: () => {
        for (let r = 0; r < rows; r++) sink[0] = js.topK(xRows[r], k);
      },
      ...(tfOps ? { tfjs: tfOps.topK } : {}),
    },
    argmax: {
      ours: () => sm.argmax(x, { shape }),
      js: () => {
        for (let r = 0; r < rows; r++) tokenOut[r] = js.argmax(xRows[r]);
      },
      ...(tfOps ? { tfjs: tfOps.argmax } : {}),
    },
    filterLogits: {
      ours: () => sm.filterLogits(x, { shape, ...filterOptions, out: floatOut }),
      js: () => {
        for (let r = 0; r < rows; r++) sink[0] = js.filter(xRows[r], filterOptions);
      },
    },
  };
  const result = { vocab: n, rows, checks, kept, ops: {} };
  for (const [op, impls] of Object.entries(table)) {
    const entries = Object.entries(impls).map(([id, run]) => ({ id, prepared: { run } }));
    const timings = await timeInterleaved(entries, {
      clock: opts.clock,
      sampleMs: opts.sampleMs,
      rounds: opts.roundsFor,
      warmMs: opts.quick ? 50 : 200,
      log: (r, m) => process.stderr.write(`\r  ${op} ${rows}x${n}: round ${r}/${m}   `),
    });
    process.stderr.write('\n');
    const paired = (a, b) =>
      median(timings[a][opts.clock].samples.map((v, i) => v / timings[b][opts.clock].samples[i]));
    result.ops[op] = {
      usPerRow: Object.fromEntries(entries.map((e) => [e.id, timings[e.id].median / 1000 / rows])),
      timing: timings,
      jsOverOurs: paired('js', 'ours'),
      tfjsOverOurs: timings.tfjs ? paired('tfjs', 'ours') : undefined,
    };
  }
  return result;
}

// ---- report ----------------------------------------------------------------------------

const f = (v) =>
  v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);

export function evaluate(cases, opsCases = []) {
  const targets = [];
  const peers = cases.flatMap((c) => [
    { c, peer: 'sort-based JS', r: c.ratios.jsOverOurs },
    ...(c.ratios.transformersOverOurs !== undefined
      ? [{ c, peer: 'transformers.js', r: c.ratios.transformersOverOurs }]
      : []),
  ]);
  const slower = peers.filter((p) => !(p.r > 1));
  targets.push({
    title: 'faster than every peer on every configuration',
    pass: slower.length === 0,
    detail: slower.length
      ? `slower or equal: ${slower.map((p) => `${p.c.config} ${p.c.rows}x${p.c.vocab} vs ${p.peer} (${p.r.toFixed(2)}x)`).join('; ')}`
      : `slowest peer margin ${Math.min(...peers.map((p) => p.r)).toFixed(1)}x (${peers.length} comparisons)`,
  });
  const topP = cases.filter((c) => c.config === 'top-p' && c.vocab === 262144);
  targets.push({
    title: 'top-p 0.9 at 262144: at least 10x faster than the sort-based JS sampler',
    pass: topP.length > 0 && topP.every((c) => c.ratios.jsOverOurs >= 10),
    detail: topP.length
      ? topP.map((c) => `${c.rows} row${c.rows > 1 ? 's' : ''}: ${c.ratios.jsOverOurs.toFixed(1)}x`).join(', ')
      : 'not measured',
  });
  const over = cases.filter((c) => !(c.ratios.oursOverSoftmax <= 3));
  const worst = cases.reduce((w, c) => (c.ratios.oursOverSoftmax > (w?.ratios.oursOverSoftmax ?? -1) ? c : w), null);
  targets.push({
    title: 'every configuration at most 3x our own softmax of the same rows',
    pass: over.length === 0,
    detail: over.length
      ? `over 3x: ${over.map((c) => `${c.config} ${c.rows}x${c.vocab} ${c.ratios.oursOverSoftmax.toFixed(2)}x`).join('; ')}`
      : `worst ${worst.config} ${worst.rows}x${worst.vocab}: ${worst.ratios.oursOverSoftmax.toFixed(2)}x`,
  });
  const flat = cases.filter((c) => c.config === 'top-p-flat');
  targets.push({
    title: 'top-p 0.9 on flat logits: at most 3x our own softmax of the same rows',
    pass: flat.length > 0 && flat.every((c) => c.ratios.oursOverSoftmax <= 3),
    detail: flat.length
      ? flat.map((c) => `${c.rows}x${c.vocab}: ${c.ratios.oursOverSoftmax.toFixed(2)}x`).join(', ')
      : 'not measured (--configs without top-p-flat)',
  });
  for (const op of ['topK', 'argmax']) {
    const measured = opsCases.filter((c) => c.ops[op]?.tfjsOverOurs !== undefined);
    const slow = measured.filter((c) => !(c.ops[op].tfjsOverOurs > 1));
    targets.push({
      title: `sm.${op} faster than tfjs-backend-wasm's tf.${op === 'topK' ? 'topk' : 'argMax'} on every shape`,
      pass: measured.length > 0 && slow.length === 0,
      detail: !measured.length
        ? 'not measured (--no-ops or --no-tfjs, or tfjs did not load)'
        : slow.length
          ? `slower or equal: ${slow.map((c) => `${c.rows}x${c.vocab} (${c.ops[op].tfjsOverOurs.toFixed(2)}x)`).join('; ')}`
          : `slowest margin ${Math.min(...measured.map((c) => c.ops[op].tfjsOverOurs)).toFixed(1)}x (${measured.length} shapes)`,
    });
  }
  return targets;
}

export function markdown(results) {
  const { meta, cases, targets, options } = results;
  const out = [];
  out.push('## Sampling: sm.sample against a sort-based JS sampler and transformers.js', '');
  out.push(
    `Generated by \`${meta.command}\`. **µs per token** = median time of one call ÷ rows (CPU time, ${options.quick ? 3 : '5–11'} interleaved rounds of ~${options.sampleMs} ms samples, as in bench/run.mjs), float32 logits drawn like a language model's (bulk 3·N(0,1), 24 plausible tokens at 10..20, 16 at −45..−40: a range over 60; per row a 64-token history, 24 of its ids among the plausible tokens). Penalties: repetition 1.2, presence 0.5, frequency 0.3, temperature 0.8. ours = \`sm.sample(logits, { shape, ...options, random, out })\`; softmax = \`sm.softmax(logits, { shape, out })\` of the same rows (the yardstick of the 3x target); **÷ softmax** = ours ÷ softmax, **JS ×** and **tjs ×** = the peer's time ÷ ours (higher: ours is faster). Kept = tokens left after the filters (mean over rows).`,
    '',
  );
  out.push(
    '| configuration | vocab × rows | kept | ours µs/token | softmax µs/token | ÷ softmax | sort-based JS µs/token | JS × | transformers.js µs/token | tjs × |',
  );
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of cases) {
    const cfg = CONFIGS.find((k) => k.id === c.config);
    const tj = c.rows_.transformers;
    const keptMean = c.kept.reduce((a, b) => a + b, 0) / c.kept.length;
    out.push(
      `| ${cfg.label} | ${c.vocab} × ${c.rows} | ${keptMean >= 10 ? keptMean.toFixed(0) : keptMean.toFixed(1)} | **${f(c.rows_.ours.usPerToken)}** | ${f(c.rows_.softmax.usPerToken)} | ${c.ratios.oursOverSoftmax.toFixed(2)} | ${f(c.rows_.js.usPerToken)} | ${c.ratios.jsOverOurs.toFixed(1)} | ${tj ? `${f(tj.usPerToken)}${/^partial/.test(c.transformersDoes) ? '¹' : ''}` : '–²'} | ${c.ratios.transformersOverOurs !== undefined ? c.ratios.transformersOverOurs.toFixed(1) : '–'} |`,
    );
  }
  out.push('');
  const t = meta.transformers;
  out.push(
    `¹ transformers.js (${t.error ? t.error : `@huggingface/transformers ${t.version}`}) runs only part of these pipelines: RepetitionPenaltyLogitsProcessor and TemperatureLogitsWarper (no presence/frequency penalties; its TopKLogitsWarper and TopPLogitsWarper throw${t.implemented ? ` "${t.implemented.topKError ?? 'implemented?'}"` : ''}; no min-p). Its time there is a lower bound. Temperature-only rows are its whole sample: the warper, its exported softmax and a linear-scan draw (its multinomial sampler is not exported, and it calls a top-k that needs onnxruntime-node's native binary).`,
    '² not run: greedy has no exported transformers.js path (its GreedySampler and `max` are internal); top-k and top-p throw in its warpers, min-p does not exist.',
    '',
  );
  if (results.opsCases?.length) out.push(...opsMarkdown(results), '');
  out.push('### Targets', '');
  for (const g of targets) out.push(`- **${g.pass ? 'PASS' : 'MISS'}** — ${g.title}: ${g.detail}`);
  out.push('');
  out.push(`Checks before timing: ${[...new Set(cases.flatMap((c) => c.checks))].join('; ')}.`, '');
  out.push(
    `${meta.cpu} (${meta.cores} cores), Node ${meta.node}, ${meta.date}; load average ${meta.loadStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${meta.loadEnd.map((l) => l.toFixed(2)).join(' ')} at the end (a shared machine). ours: ${meta.backend}, kernels ${meta.kernels}. ${meta.durationS.toFixed(0)} s.`,
    '',
  );
  return out.join('\n');
}

function opsMarkdown({ opsCases, meta }) {
  const out = [];
  const t = meta.tfjs;
  out.push('### sm.topK, sm.argmax, sm.filterLogits', '');
  out.push(
    `The same logits rows. **µs per row** = median time of one call ÷ rows. topK = \`sm.topK(logits, ${OPS_TOP_K}, { shape })\` (largest, sorted: torch.topk's defaults) against sorting every index of the row in JS (lib/sort-sampler.mjs \`topK\`) and \`tf.topk(tensor, ${OPS_TOP_K}, true)\`; argmax = \`sm.argmax(logits, { shape })\` against a plain JS loop and \`tf.argMax(tensor, 1)\`; filterLogits = \`sm.filterLogits(logits, { shape, temperature: 1, topP: 0.9, out })\` against the sort-based JS filter (tfjs has no such op). tfjs = ${t.error ? `not run (${t.error})` : `tfjs-backend-wasm ${t.version} (${t.simd ? 'SIMD' : 'no SIMD'}${t.multithread ? ', threaded' : ''})`}, end to end as a tfjs user calls it: \`tf.tensor\` from the Float32Array, the op, \`dataSync()\` of the result, in \`tf.tidy\` (ours too copies the logits in and the result out). **JS ×** and **tfjs ×** = the peer's time ÷ ours.`,
    '',
  );
  out.push('| op | vocab × rows | ours µs/row | JS µs/row | JS × | tfjs-wasm µs/row | tfjs × |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const op of ['topK', 'argmax', 'filterLogits']) {
    for (const c of opsCases) {
      const o = c.ops[op];
      out.push(
        `| ${op === 'filterLogits' ? 'filterLogits, top-p 0.9' : op === 'topK' ? `topK, k = ${OPS_TOP_K}` : op} | ${c.vocab} × ${c.rows} | **${f(o.usPerRow.ours)}** | ${f(o.usPerRow.js)} | ${o.jsOverOurs.toFixed(1)} | ${f(o.usPerRow.tfjs)} | ${o.tfjsOverOurs !== undefined ? o.tfjsOverOurs.toFixed(1) : '–'} |`,
      );
    }
  }
  out.push('');
  out.push(`Checks before timing: ${[...new Set(opsCases.flatMap((c) => c.checks))].join('; ')}.`);
  return out;
}

export const SECTION_START = '<!-- sampling:start (bench/sampling.mjs writes this section; bench/run.mjs keeps it) -->';
export const SECTION_END = '<!-- sampling:end -->';

/** RESULTS.md with the sampling section replaced (or appended). */
export const withSection = (text, section) => withMarkedSection(text, SECTION_START, SECTION_END, section);

/** The sampling section of an old RESULTS.md text (without its markers), or undefined. */
export const samplingSectionOf = (text) => markedSectionOf(text, SECTION_START, SECTION_END);

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadStart = os.loadavg();
  const sm = await load();
  for (const fn of ['sample', 'filterLogits', 'argmax', 'random']) {
    if (typeof sm[fn] !== 'function')
      throw new Error(`this build has no sm.${fn}: the sampling API is not built (npm run build)`);
  }
  const tjs = await loadTransformers(opts.transformers);
  if (tjs.error) log(`transformers.js: ${tjs.error}`);
  const cases = [];
  let opsTfjs = { error: 'not run (--no-ops)' };
  for (const n of opts.vocabs) {
    for (const rows of opts.rows) {
      for (const id of opts.configs) {
        cases.push(
          await runCase(
            sm,
            tjs,
            CONFIGS.find((c) => c.id === id),
            rows,
            n,
            opts,
          ),
        );
      }
    }
  }
  const opsCases = [];
  if (opts.ops) {
    const tfw = await loadTfjsWasm(opts.tfjs);
    if (tfw.error) log(`tfjs: ${tfw.error}`);
    opsTfjs = tfw.error ? { error: tfw.error } : tfw.facts;
    for (const n of opts.vocabs) for (const rows of opts.rows) opsCases.push(await runOpsCase(sm, tfw, rows, n, opts));
  }
  // Table order: configuration, then vocabulary, then rows.
  cases.sort(
    (a, b) => opts.configs.indexOf(a.config) - opts.configs.indexOf(b.config) || a.vocab - b.vocab || a.rows - b.rows,
  );
  const meta = {
    command: `node bench/sampling.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    backend: sm.backend,
    kernels: sm.kernels,
    transformers: tjs.error ? { error: tjs.error } : { version: tjs.version, implemented: tjs.implemented },
    tfjs: opsTfjs,
    cpu: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadStart,
    loadEnd: os.loadavg(),
    durationS: (Date.now() - started) / 1000,
  };
  const results = {
    meta,
    options: { quick: opts.quick, clock: opts.clock, sampleMs: opts.sampleMs },
    cases,
    opsCases,
    targets: evaluate(cases, opsCases),
  };
  const md = markdown(results);
  const dir = `${HERE}results`;
  mkdirSync(dir, { recursive: true });
  if (opts.partial) {
    writeFileSync(`${dir}/sampling-partial.json`, `${JSON.stringify(results, null, 1)}\n`);
    writeFileSync(`${dir}/sampling-partial.md`, md);
    log(`wrote ${dir}/sampling-partial.{json,md}`);
  } else {
    writeFileSync(`${dir}/sampling.json`, `${JSON.stringify(results, null, 1)}\n`);
    const resultsMd = `${HERE}RESULTS.md`;
    writeFileSync(resultsMd, withSection(existsSync(resultsMd) ? readFileSync(resultsMd, 'utf8') : '', md));
    log(`wrote ${dir}/sampling.json and the sampling section of ${resultsMd}`);
  }
  console.log(md);
  process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
