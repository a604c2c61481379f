// Shared test machinery: the module under test and its build matrix, dtypes,
// a seeded PRNG, random shapes and logits, and comparison helpers that
// implement the accuracy contract of cpp/accuracy.json. Not a test file (node --test only
// runs *.test.mjs here).
//
// Environment:
//   SOFTMAX_WASM_ENTRY  path of the module to test (default: the package
//                       itself, resolved by its name 'softmax-wasm' through
//                       package.json "exports", as a consumer imports it)
//   SEED                base seed of every random case (default below); a
//                       failure message names the SEED that reproduces it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { rng as mulberry32 } from '../web/lib/format.js';
import * as R from './reference.mjs';

// ------------------------------------------------------- module and builds ----

/** URL of the module under test: what `import 'softmax-wasm'` gives a consumer, unless overridden. */
export const ENTRY = process.env.SOFTMAX_WASM_ENTRY
  ? pathToFileURL(path.resolve(process.env.SOFTMAX_WASM_ENTRY)).href
  : import.meta.resolve('softmax-wasm');

export async function loadModule() {
  return import(ENTRY);
}

/**
 * The build matrix every Node test file runs on: both builds of the library,
 * loaded through ENTRY: [{ name: 'simd', sm }, { name: 'scalar', sm }].
 * load({ simd: true }) must give the SIMD128 build (Node 20 always has SIMD)
 * and load({ simd: false }) must force the scalar one.
 */
export async function builds() {
  const { load } = await loadModule();
  const simd = await load({ simd: true });
  assert.equal(simd.backend, 'wasm-simd128', 'load({ simd: true }).backend');
  const scalar = await load({ simd: false });
  assert.equal(scalar.backend, 'wasm-scalar', 'load({ simd: false }).backend');
  return [
    { name: 'simd', sm: simd },
    { name: 'scalar', sm: scalar },
  ];
}

// ------------------------------------------------------ accuracy contract ----

/** cpp/accuracy.json: the one table of bounds (the GoogleTests, the README and the kernels' headers read it too). */
export const ACCURACY = JSON.parse(readFileSync(new URL('../cpp/accuracy.json', import.meta.url), 'utf8'));
/** The error of tests/reference.mjs itself (float64 arithmetic), added to every bound here. */
export const REFERENCE_ERROR = ACCURACY.referenceError.value;

/**
 * The Node tests' tolerance for op's quantity and dtype ('array' is float64):
 * the contract's bound (its highest range: a range split needs compare() to
 * take the lines) plus REFERENCE_ERROR.
 */
export function tolerance(op, dtype, quantity) {
  const d = dtype === 'array' ? 'float64' : dtype;
  const lines = ACCURACY.bounds.filter(
    (b) => b.op === op && b.dtype === d && (quantity === undefined || b.quantity === quantity),
  );
  if (lines.length === 0) throw new Error(`cpp/accuracy.json has no bound for ${op} ${quantity ?? ''} ${d}`);
  const top = lines.reduce((a, b) => ((b.from ?? 0) > (a.from ?? 0) ? b : a));
  return top.bound + REFERENCE_ERROR;
}

/**
 * The range lines of op's bound for dtype ('array' is float64), ascending by
 * from: [{ from, tol }] with tol = bound + REFERENCE_ERROR. compare() takes
 * them as `lines` for the 'softmax' kind (the float32 softmax bound is split at 1e-12).
 */
export function toleranceLines(op, dtype, quantity) {
  const d = dtype === 'array' ? 'float64' : dtype;
  return ACCURACY.bounds
    .filter((b) => b.op === op && b.dtype === d && (quantity === undefined || b.quantity === quantity))
    .map((b) => ({ from: b.from ?? 0, tol: b.bound + REFERENCE_ERROR }))
    .sort((a, b) => a.from - b.from);
}

/** The along-axis ops that share one tolerance per dtype (DTYPES[].tol): their largest. */
const SHARED_TOL_OPS = ['softmax', 'logSoftmax', 'logSumExp', 'softmaxBackward', 'logSoftmaxBackward'];
const sharedTol = (dtype) => Math.max(...SHARED_TOL_OPS.map((op) => tolerance(op, dtype)));

// ----------------------------------------------------------------- dtypes ----

/**
 * The three input kinds of the API. `make` turns doubles into the kernel's
 * input (Float32Array.from rounds with Math.fround, so the reference, fed
 * Float64Array.from(input), sees exactly the kernel's inputs). `num` rounds a
 * scalar the same way: float32 cases use float32-representable temperatures so
 * that it does not matter whether the binding narrows T.
 */
export const DTYPES = [
  {
    name: 'float32',
    tol: sharedTol('float32'),
    lines: toleranceLines('softmax', 'float32'),
    Result: Float32Array,
    make: (v) => Float32Array.from(v),
    num: Math.fround,
    minNormal: 2 ** -126,
  },
  {
    name: 'float64',
    tol: sharedTol('float64'),
    lines: toleranceLines('softmax', 'float64'),
    Result: Float64Array,
    make: (v) => Float64Array.from(v),
    num: (t) => t,
    minNormal: 2 ** -1022,
  },
  {
    name: 'array',
    tol: sharedTol('float64'),
    lines: toleranceLines('softmax', 'float64'),
    Result: Float64Array,
    make: (v) => Array.from(v, Number),
    num: (t) => t,
    minNormal: 2 ** -1022,
  },
];

/** The exact values a kernel sees, as doubles. */
export const asRef = (input) => Float64Array.from(input, Number);

// -------------------------------------------------------------------- PRNG ----

const DEFAULT_SEED = 0x5eed2024;
export const BASE_SEED = process.env.SEED !== undefined ? Number(process.env.SEED) >>> 0 : DEFAULT_SEED;

function hashString(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function makeRng(seed) {
  const next = mulberry32(seed);
  const rng = {
    seed,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (list) => list[Math.floor(next() * list.length)],
    bool: (p = 0.5) => next() < p,
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
  return rng;
}

/**
 * Registers a node:test test whose body gets a PRNG seeded from SEED and the
 * test's name; on failure the message says how to reproduce it.
 */
export function seededTest(name, body, options = {}) {
  return test(name, options, async (t) => {
    const seed = (hashString(name) ^ BASE_SEED) >>> 0;
    try {
      await body(makeRng(seed), t);
    } catch (error) {
      if (error && typeof error.message === 'string') {
        error.message += `\n  [reproduce: SEED=${BASE_SEED} node --test <this file>; test seed ${seed}]`;
      }
      throw error;
    }
  });
}

// ------------------------------------------------------- random test data ----

/** Sizes at and around SIMD tile widths (4 float32 / 2 float64 lanes, unrolled loops). */
export const SIMD_SIZES = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 63, 64, 65, 127, 128, 129, 255,
  256, 257, 1023, 1024, 1025,
];
const DIM_CHOICES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65];
export const TEMPERATURES = [0.1, 0.25, 0.5, 0.7, 1, 1.5, 2, 3.3, 5, 10];

/** A random shape of rank 1..maxRank with at most maxElements elements. */
export function randomShape(rng, { minRank = 1, maxRank = 4, maxElements = 20000 } = {}) {
  const rank = rng.int(minRank, maxRank);
  const dims = Array.from({ length: rank }, () => rng.pick(DIM_CHOICES));
  const size = () => dims.reduce((p, d) => p * d, 1);
  while (size() > maxElements) {
    const largest = dims.indexOf(Math.max(...dims));
    dims[largest] = Math.max(1, Math.floor(dims[largest] / 2));
  }
  return dims;
}

export const LOGIT_MODES = ['uniform10', 'normal3', 'small', 'offset1000', 'ties', 'wide'];

/**
 * count random logits as doubles. Modes: uniform [-10, 10]; normal * 3;
 * nearly equal ([-1e-3, 1e-3]); +-1000 offsets (shift invariance); integer
 * ties; normal * 30 (many outputs far below 1e-30).
 */
export function randomLogits(rng, count, mode = rng.pick(LOGIT_MODES)) {
  const out = new Float64Array(count);
  const offset = rng.bool() ? 1000 : -1000;
  for (let i = 0; i < count; i++) {
    switch (mode) {
      case 'uniform10':
        out[i] = rng.uniform(-10, 10);
        break;
      case 'normal3':
        out[i] = rng.normal() * 3;
        break;
      case 'small':
        out[i] = rng.uniform(-1e-3, 1e-3);
        break;
      case 'offset1000':
        out[i] = offset + rng.normal() * 2;
        break;
      case 'ties':
        out[i] = rng.int(-2, 2);
        break;
      case 'wide':
        out[i] = rng.normal() * 30;
        break;
      default:
        throw new Error(`unknown logit mode ${mode}`);
    }
  }
  return out;
}

/** A random upstream gradient: normal, sometimes all equal (a cancellation case). */
export function randomGradient(rng, count) {
  if (rng.bool(0.15)) return new Float64Array(count).fill(rng.normal());
  const scale = rng.pick([1, 1e-3, 100]);
  return Float64Array.from({ length: count }, () => rng.normal() * scale);
}

// ------------------------------------------------------------ comparisons ----
//
// Every comparison first demands the same non-finite pattern: NaN where the
// reference is NaN, the same infinity where it is infinite, and a finite value
// where it is finite. Then, per entry:
//
//   softmax     ref >= 1e-30: |got - ref| <= tol * ref, or, given `lines` (toleranceLines: the
//               float32 bound is split at 1e-12), the tol of the line whose range holds ref;
//               ref <  1e-30: 0 <= got <= 1e-30 (1 + tol) (tiny outputs may flush to 0)
//               and got is never negative.
//   log         |got - ref| <= tol * max(1, |ref|)          (logSoftmax, logSumExp)
//   backward    |got - ref| <= tol * max(scale_i, minNormal) (scale: the size of the terms, README; the
//               floor only matters for subnormal results, which cannot carry relative accuracy)
//   jacobian    |ref| >= 1e-30: |got - ref| <= tol * |ref|; else |got| <= 1e-30 (1 + tol)
//
// tol: tolerance(op, dtype) (cpp/accuracy.json), or DTYPES[].tol where one
// tolerance serves several ops; TINY: the contract's smallest output (from).

export const TINY = Math.min(...ACCURACY.bounds.filter((b) => b.op === 'softmax').map((b) => b.from));

/** The tol of the line whose range holds |ref| (lines ascending by from), or tol without lines. */
function lineTol(ref, tol, lines) {
  if (!lines) return tol;
  let t = lines[0].tol;
  for (const l of lines) if (Math.abs(ref) >= l.from) t = l.tol;
  return t;
}

function allowanceFor(kind, ref, i, { tol, scale, minNormal, lines }) {
  switch (kind) {
    case 'softmax':
      return Math.abs(ref) >= TINY ? lineTol(ref, tol, lines) * Math.abs(ref) : null; // null: tiny rule
    case 'jacobian':
      return Math.abs(ref) >= TINY ? tol * Math.abs(ref) : null; // null: tiny rule
    case 'log':
      return tol * Math.max(1, Math.abs(ref));
    case 'backward':
      return tol * Math.max(scale[i], minNormal);
    default:
      throw new Error(`unknown comparison kind ${kind}`);
  }
}

/**
 * Compares got with ref under the contract; never throws. Returns
 * { ok, failures, worst }, worst being the entry with the largest
 * error/allowance ratio (a non-finite mismatch counts as infinitely bad).
 */
export function compare(kind, got, ref, { tol, scale, minNormal = 0, lines }) {
  let failures = 0;
  let worst = null;
  const consider = (entry) => {
    if (!worst || entry.ratio > worst.ratio) worst = entry;
  };
  if (got.length !== ref.length) {
    return {
      ok: false,
      failures: 1,
      worst: { index: -1, got: got.length, ref: ref.length, ratio: Infinity, why: 'length differs' },
    };
  }
  for (let i = 0; i < ref.length; i++) {
    const g = Number(got[i]);
    const r = ref[i];
    let entry;
    if (Number.isNaN(r) || !Number.isFinite(r) || !Number.isFinite(g)) {
      const same = Number.isNaN(r) ? Number.isNaN(g) : g === r;
      entry = { index: i, got: g, ref: r, ratio: same ? 0 : Infinity, why: 'non-finite pattern differs' };
    } else {
      const allowed = allowanceFor(kind, r, i, { tol, scale, minNormal, lines });
      const err = Math.abs(g - r);
      if (allowed === null) {
        const limit = TINY * (1 + (lines && kind === 'softmax' ? lines[0].tol : tol));
        const bad = Math.abs(g) > limit || (kind === 'softmax' && g < 0);
        entry = {
          index: i,
          got: g,
          ref: r,
          err,
          allowed: limit,
          ratio: bad ? 1 + Math.abs(g) / limit : 0,
          why: `|ref| < ${TINY}: need ${kind === 'softmax' ? '0 <= got' : '|got|'} <= ${limit}`,
        };
      } else {
        const bad = err > allowed || (kind === 'softmax' && g < 0);
        const ratio = allowed > 0 ? err / allowed : err > 0 ? Infinity : 0;
        entry = { index: i, got: g, ref: r, err, allowed, ratio: bad ? Math.max(ratio, 1 + 1e-9) : Math.min(ratio, 1) };
      }
    }
    if (entry.ratio > 1) failures++;
    consider(entry);
  }
  return { ok: failures === 0, failures, worst };
}

function unravel(index, shape) {
  if (!shape || index < 0) return null;
  const idx = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return idx;
}

function describeContext(ctx) {
  const parts = [];
  for (const [key, value] of Object.entries(ctx)) {
    if (key === 'inputs' || value === undefined || typeof value === 'function') continue;
    const list = ArrayBuffer.isView(value) ? Array.from(value) : value;
    const long = Array.isArray(list) && list.length > 40;
    parts.push(`${key}=${long ? `[${list.length} values]` : JSON.stringify(list)}`);
  }
  return parts.join(' ');
}

/**
 * Asserts the contract; on failure reports the case, how many entries failed,
 * and the worst one (flat and multi-index, got, ref, error, allowance, and the
 * input values there if ctx.inputs = { name: array } is given).
 */
export function assertClose(
  kind,
  got,
  ref,
  { tol, scale, minNormal, lines: tolLines, what = kind, ctx = {}, shape } = {},
) {
  const result = compare(kind, got, ref, { tol, scale, minNormal, lines: tolLines });
  if (result.ok) return;
  const w = result.worst;
  const at = unravel(w.index, shape);
  const lines = [
    `${what}: ${result.failures} of ${ref.length} entries break the accuracy contract (${kind}, tol ${tolLines && kind === 'softmax' ? tolLines.map((l) => `${l.tol} from ${l.from}`).join(', ') : tol})`,
    `  case: ${describeContext(ctx)}`,
    `  worst: index ${w.index}${at ? ` [${at}]` : ''}: got ${w.got}, ref ${w.ref}` +
      (w.err !== undefined ? `, |err| ${w.err.toExponential(3)} > allowed ${w.allowed.toExponential(3)}` : '') +
      (w.why ? ` (${w.why})` : ''),
  ];
  if (scale) lines.push(`  scale there: ${scale[w.index]}`);
  if (ctx.inputs) {
    for (const [name, values] of Object.entries(ctx.inputs)) {
      if (values && w.index >= 0 && w.index < values.length) lines.push(`  ${name}[${w.index}] = ${values[w.index]}`);
    }
  }
  assert.fail(lines.join('\n'));
}

/** Collects failures of many cases in one test so a report lists them all. */
export class Failures {
  constructor() {
    this.messages = [];
    this.cases = 0;
  }
  check(fn) {
    this.cases++;
    try {
      fn();
    } catch (error) {
      this.messages.push(
        error?.stack && !(error instanceof assert.AssertionError) ? error.stack : String(error.message),
      );
    }
  }
  assertNone() {
    if (this.messages.length === 0) return;
    const shown = this.messages.slice(0, 4).join('\n---\n');
    assert.fail(
      `${this.messages.length} of ${this.cases} cases failed; first ${Math.min(4, this.messages.length)}:\n${shown}`,
    );
  }
}

// ------------------------------------------------------ loss comparisons ----
//
// crossEntropy / nllLoss, with the bounds the README states for them:
//   |loss - ref| <= tol max(1, |ref|), |grad - ref| <= tol max|ref grad|, tol: cpp/accuracy.json's
//   crossEntropy loss and grad bounds plus the reference's own error.

const LOSS_TOL = Object.fromEntries(DTYPES.map((d) => [d.name, tolerance('crossEntropy', d.name, 'loss')]));
const GRAD_TOL = Object.fromEntries(DTYPES.map((d) => [d.name, tolerance('crossEntropy', d.name, 'grad')]));

export function checkLoss(got, ref, dtype, what) {
  const tol = LOSS_TOL[dtype.name];
  const one = (g, r, i) => {
    if (Number.isNaN(r)) {
      assert.ok(Number.isNaN(g), `${what}: loss${i ?? ''} ${g}, want NaN`);
      return;
    }
    if (g === r) return; // also +inf (a -inf target logit), where g - r is NaN
    assert.ok(
      Math.abs(g - r) <= tol * Math.max(1, Math.abs(r)),
      `${what}: loss${i === undefined ? '' : `[${i}]`} ${g}, ref ${r}, |err| ${Math.abs(g - r)}`,
    );
  };
  if (typeof ref === 'number') {
    assert.equal(typeof got, 'number', `${what}: loss should be a number, got ${got?.constructor?.name}`);
    one(got, ref);
  } else {
    assert.equal(got.length, ref.length, `${what}: per-sample loss length`);
    ref.forEach((r, i) => one(Number(got[i]), r, i));
  }
}

export function checkGrad(got, ref, dtype, what) {
  assert.ok(
    got instanceof dtype.Result,
    `${what}: grad should be a ${dtype.Result.name}, got ${got?.constructor?.name}`,
  );
  assert.equal(got.length, ref.length, `${what}: grad length`);
  const scale = Math.max(0, ...Array.from(ref, Math.abs).filter(Number.isFinite));
  const allowed = GRAD_TOL[dtype.name] * scale;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < ref.length; i++) {
    // NaN exactly where the reference has NaN
    const err = Number.isNaN(ref[i]) ? (Number.isNaN(got[i]) ? 0 : Infinity) : Math.abs(got[i] - ref[i]);
    if (!(err <= allowed) && (worst < 0 || !(err <= worstErr))) {
      worst = i;
      worstErr = err;
    }
  }
  assert.ok(
    worst < 0,
    `${what}: grad[${worst}] = ${got[worst]}, ref ${ref[worst]}, |err| ${worstErr} > ${allowed} (${GRAD_TOL[dtype.name]} of max|grad| ${scale})`,
  );
}

// ------------------------------------------------------------ op runners ----

/** The options object for a library call, without undefined keys. */
export function options(fields) {
  const out = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

const SENTINEL = -7.25;

/**
 * Calls sm[op](...inputs, opts) for one dtype; checks the result type and
 * length, that `out` (when useOut) is the returned object, and that the
 * inputs were not modified. Returns the result.
 */
function callOp(sm, op, inputs, opts, dtype, { useOut = false, resultLength }) {
  const before = inputs.map((a) => Array.from(a));
  const callOpts = { ...opts };
  let out;
  if (useOut) {
    out = new dtype.Result(resultLength).fill(SENTINEL);
    callOpts.out = out;
  }
  const result = sm[op](...inputs, callOpts);
  assert.ok(
    result instanceof dtype.Result,
    `${op}: result should be a ${dtype.Result.name} for ${dtype.name} input, got ${result?.constructor?.name}`,
  );
  assert.equal(result.length, resultLength, `${op}: result length`);
  if (useOut) assert.equal(result, out, `${op}: with opts.out the result must be that same array`);
  else inputs.forEach((a) => assert.notEqual(result, a, `${op}: without out the result must be a new array`));
  inputs.forEach((a, k) => {
    const same = Array.from(a).every((v, i) => Object.is(v, before[k][i]));
    assert.ok(same, `${op}: input ${k} was modified`);
  });
  return result;
}

/**
 * One random case of an op, checked against the reference:
 *   op: softmax | logSoftmax | logSumExp | softmaxBackward | logSoftmaxBackward
 *   params: { shape, axis, temperature, useOut, mode, constantGradient };
 *   shape undefined -> 1-D of params.length; constantGradient: dy all equal to it (backward ops)
 */
export function runOpCase(sm, dtype, op, params, rng, label = '') {
  const { shape, axis, useOut = false } = params;
  const size = shape ? shape.reduce((p, d) => p * d, 1) : params.length;
  const mode = params.mode ?? rng.pick(LOGIT_MODES);
  const hasT = op !== 'logSumExp';
  const temperature = hasT && params.temperature !== undefined ? dtype.num(params.temperature) : undefined;
  const refOpts = { shape, axis, temperature };
  const libOpts = options({ shape, axis, temperature });
  const ctx = { label, op, dtype: dtype.name, shape: shape ?? [size], axis, temperature, useOut, mode };
  const tol = tolerance(op, dtype.name);
  const logits = randomLogits(rng, size, mode);

  if (op === 'softmax' || op === 'logSoftmax' || op === 'logSumExp') {
    const x = dtype.make(logits);
    const xr = asRef(x);
    const ref = R[op](xr, refOpts);
    const got = callOp(sm, op, [x], libOpts, dtype, { useOut, resultLength: ref.length });
    const kind = op === 'softmax' ? 'softmax' : 'log';
    const refShape = op === 'logSumExp' ? undefined : (shape ?? [size]);
    assertClose(kind, got, ref, {
      tol,
      lines: toleranceLines(op, dtype.name),
      what: op,
      ctx: { ...ctx, inputs: op === 'logSumExp' ? undefined : { x: xr } },
      shape: refShape,
    });
    return;
  }
  // Backward ops get a genuine forward output y (rounded to the dtype) and a random dy.
  const forward = op === 'softmaxBackward' ? 'softmax' : 'logSoftmax';
  const y = dtype.make(R[forward](logits, refOpts));
  const dy = dtype.make(
    params.constantGradient === undefined
      ? randomGradient(rng, size)
      : new Float64Array(size).fill(params.constantGradient),
  );
  const yr = asRef(y);
  const dyr = asRef(dy);
  const ref = R[op](dyr, yr, refOpts);
  const scale = (op === 'softmaxBackward' ? R.softmaxBackwardScale : R.logSoftmaxBackwardScale)(dyr, yr, refOpts);
  const got = callOp(sm, op, [dy, y], libOpts, dtype, { useOut, resultLength: ref.length });
  assertClose('backward', got, ref, {
    tol,
    scale,
    minNormal: dtype.minNormal,
    what: op,
    ctx: { ...ctx, inputs: { dy: dyr, y: yr } },
    shape: shape ?? [size],
  });
}

/** Every axis of a shape, in positive and negative form. */
export function allAxes(shape) {
  const axes = [];
  for (let a = 0; a < shape.length; a++) axes.push(a, a - shape.length);
  return axes;
}

export { R };

/**
 * A copy of a at element 1 of a buffer one element longer on each side and one more after,
 * filled with `fill` around it: byte offset 4 (mod 8) for float32, whose copies into a shared
 * memory the threaded instance places out of its blocks' alignment (copyPhase in
 * bindings/validate.js); float64 data stays 8-byte aligned (offset 8).
 */
export function offBy4(a, fill = 0) {
  const buf = new a.constructor(a.length + 3).fill(fill);
  buf.set(a, 1);
  return buf.subarray(1, 1 + a.length);
}

/**
 * Makes calls until the pool's workers have run a task (pool.workerTasks grew), for at most
 * `ms` milliseconds, and returns how many they ran. Whether a sleeping worker is scheduled
 * within some fixed number of calls is the OS's choice (on a loaded machine the calling thread
 * can claim every task of 20 calls before a worker runs); whether the op hands tasks to the
 * pool at all is the code's, and an op that never does still fails after `ms`.
 */
export function workerTasksWithin(pool, call, ms = 15000) {
  const before = pool.workerTasks;
  const end = performance.now() + ms;
  do call();
  while (pool.workerTasks === before && performance.now() < end);
  return pool.workerTasks - before;
}

/**
 * Asserts that got holds exactly want's bits: a number (Object.is), a typed array of the same
 * type and length, or an object whose own keys hold such values (compared key by key).
 */
export function sameBits(got, want, what) {
  if (typeof want === 'number') {
    assert.ok(Object.is(got, want), `${what}: ${got} !== ${want}`);
    return;
  }
  if (ArrayBuffer.isView(want)) {
    assert.equal(got.constructor, want.constructor, what);
    assert.equal(got.length, want.length, `${what}: length`);
    const g = new Uint8Array(got.buffer, got.byteOffset, got.byteLength);
    const w = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
    for (let i = 0; i < w.length; i++) {
      if (g[i] !== w[i]) {
        const k = Math.floor(i / want.BYTES_PER_ELEMENT);
        assert.fail(`${what}: element ${k} of ${want.length} differs: ${got[k]} vs ${want[k]}`);
      }
    }
    return;
  }
  for (const key of Object.keys(want)) sameBits(got[key], want[key], `${what}.${key}`);
}
