// sampling.js — the JS side of the sampling ops (cpp/sample.h): the drivers
// of the op table's kinds 'sample' (sm.sample), 'filter' (sm.filterLogits),
// 'topK' and 'argmax', and the seeded generator sm.random(seed).
//
// The same two phases as every driver (validate.js): phase 1 reads what may
// run user code — the options object (own keys, once each), plain arrays
// (logits, shape, history rows: once per element) and the logitBias object or
// Map — into snapshots; phase 2 takes typed arrays and WasmArrays through
// their brands (no user code), checks every value, then allocates, copies
// exactly the checked counts and calls the kernel. Kernels never throw: a
// bad row comes back as a status and becomes a RangeError here. Nothing is
// copied to the caller's `out`, and the generator does not advance, unless
// the whole call succeeded.
import {
  COPIED,
  INT32,
  WASM,
  checkAxis,
  checkOut,
  checkShape,
  copyIn,
  copyPhase,
  copyOut,
  pinViews,
  readNumbers,
  readOptions,
  readShape,
  refreshViews,
  show,
  showNumbers,
  takeArray,
  takeData,
  typedArrayLength,
  typedArrayTag,
} from './validate.js';
import { align16, malloc16 } from './wasm-array.js';

const MAX_WASM_BYTES = 2 ** 31;

// ---- options ------------------------------------------------------------------

function numberOption(op, name, value, fallback, ok, rule) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${op}: ${name} must be a number, got ${show(value)}`);
  if (!ok(value)) throw new RangeError(`${op}: ${name} must be ${rule}, got ${show(value)}`);
  return value;
}

export const checkTemperature = (op, v) =>
  numberOption(op, 'temperature', v, 1, (t) => t >= 0 && Number.isFinite(t), 'a finite number >= 0 (0 = greedy)');
export const checkTopK = (op, v) =>
  numberOption(op, 'topK', v, 0, (k) => Number.isSafeInteger(k) && k >= 0, 'a non-negative integer (0 = off)');
export const checkTopP = (op, v) => numberOption(op, 'topP', v, 1, (p) => p > 0 && p <= 1, 'in (0, 1] (1 = off)');
export const checkMinP = (op, v) => numberOption(op, 'minP', v, 0, (p) => p >= 0 && p < 1, 'in [0, 1) (0 = off)');
export const checkRepetition = (op, v) =>
  numberOption(op, 'repetitionPenalty', v, 1, (p) => p > 0 && Number.isFinite(p), 'a finite number > 0 (1 = off)');
export const checkAdditivePenalty = (op, name, v) =>
  numberOption(op, name, v, 0, Number.isFinite, 'a finite number (0 = off; negative values encourage repetition)');

export function checkFlag(op, name, value) {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

// ---- history and logit bias ------------------------------------------------------

const HISTORY_KINDS = 'an Int32Array, a BigInt64Array or an array of integers';
const isHistoryRow = (v) =>
  Array.isArray(v) || typedArrayTag(v) === 'Int32Array' || typedArrayTag(v) === 'BigInt64Array';

/**
 * Phase 1 of one history row: its ids, read once. An Int32Array or a
 * BigInt64Array is copied whole (its elements run no user code); a plain
 * array's elements are checked to be integers as they are read.
 */
function readIds(op, name, value, first) {
  const tag = typedArrayTag(value);
  if (tag === 'Int32Array') return copyInt32(value, typedArrayLength(value));
  if (tag === 'BigInt64Array') return copyBigInt64(value, typedArrayLength(value));
  if (Array.isArray(value)) {
    const n = value.length;
    const ids = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const id = i === 0 && first !== undefined ? first : value[i];
      if (typeof id !== 'number' || !Number.isInteger(id))
        throw new TypeError(`${op}: ${name}[${i}] must be an integer token id, got ${show(id)}`);
      ids[i] = id;
    }
    return ids;
  }
  throw new TypeError(`${op}: ${name} must be ${HISTORY_KINDS}, got ${show(value)}`);
}

// One function per element type: V8 keeps each loop's element access monomorphic.
function copyInt32(value, n) {
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = value[i];
  return ids;
}

function copyBigInt64(value, n) {
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = value[i];
  return ids;
}

/**
 * history, phase 1: one array (every row's history: the row of a 1-row call,
 * or shared by all rows) or an array of arrays (one per row). Returns
 * { perRow, rows: [ids] } or undefined.
 */
export function readHistory(op, history) {
  if (history === undefined) return undefined;
  const count = Array.isArray(history) ? history.length : 0;
  const first = count > 0 ? history[0] : undefined; // read once: it decides the form and is row 0
  if (!(count > 0 && isHistoryRow(first))) return { perRow: false, rows: [readIds(op, 'history', history, first)] };
  const rows = [];
  for (let r = 0; r < count; r++) {
    const row = r === 0 ? first : history[r];
    if (!isHistoryRow(row)) throw new TypeError(`${op}: history[${r}] must be ${HISTORY_KINDS}, got ${show(row)}`);
    rows.push(readIds(op, `history[${r}]`, row));
  }
  return { perRow: true, rows };
}

/**
 * history, phase 2: ids in [0, vocab), one row per logits row. Returns
 * { ids: Int32Array, ranges: Int32Array(2 * rows), longest }: a shared
 * history is stored once, every row's range pointing at it.
 */
function checkHistory(op, h, rows, vocab) {
  if (h === undefined) return undefined;
  if (h.perRow && h.rows.length !== rows) {
    throw new RangeError(
      `${op}: history holds ${h.rows.length} rows of token ids but the logits have ${rows} rows; give one array per row (or one array for all rows)`,
    );
  }
  let total = 0;
  for (const row of h.rows) total += row.length;
  const ids = new Int32Array(total);
  const ranges = new Int32Array(2 * rows);
  let at = 0;
  let longest = 0;
  for (let r = 0; r < h.rows.length; r++) {
    const row = h.rows[r];
    const n = row.length;
    ranges[2 * r] = at;
    if (row instanceof BigInt64Array) {
      const bad = storeBigIds(ids, at, row, vocab);
      if (bad >= 0) throw badHistoryId(op, h, r, bad, row[bad], vocab);
    } else {
      const bad = storeIds(ids, at, row, vocab);
      if (bad >= 0) throw badHistoryId(op, h, r, bad, row[bad], vocab);
    }
    at += n;
    ranges[2 * r + 1] = at;
    longest = Math.max(longest, n);
  }
  if (!h.perRow) for (let r = 1; r < rows; r++) ranges[2 * r + 1] = at;
  return { ids, ranges, longest };
}

/** Copies a row of ids (Int32Array or Float64Array) to ids[at..]; returns the first index outside [0, vocab), or -1. */
function storeIds(ids, at, row, vocab) {
  const n = row.length;
  for (let i = 0; i < n; i++) {
    const id = row[i];
    if (!(id >= 0 && id < vocab)) return i;
    ids[at + i] = id;
  }
  return -1;
}

function storeBigIds(ids, at, row, vocab) {
  const n = row.length;
  const limit = BigInt(vocab);
  for (let i = 0; i < n; i++) {
    const id = row[i];
    if (!(id >= 0n && id < limit)) return i;
    ids[at + i] = Number(id);
  }
  return -1;
}

function badHistoryId(op, h, r, i, id, vocab) {
  const name = h.perRow ? `history[${r}]` : 'history';
  return new RangeError(`${op}: ${name}[${i}] = ${show(id)} is not a token id in [0, ${vocab})`);
}

const CANONICAL_ID = /^(0|[1-9][0-9]*)$/;

/** logitBias, phase 1: { [tokenId]: bias } or a Map, its entries read once. */
export function readLogitBias(op, bias) {
  if (bias === undefined) return undefined;
  if (bias === null || typeof bias !== 'object' || Array.isArray(bias)) {
    throw new TypeError(`${op}: logitBias must be an object { [tokenId]: bias } or a Map, got ${show(bias)}`);
  }
  const entries = [];
  if (bias instanceof Map) {
    for (const [key, value] of bias) entries.push([key, value]);
  } else {
    for (const key of Object.keys(bias)) entries.push([key, bias[key]]);
  }
  return entries;
}

/** logitBias, phase 2: ids ascending in an Int32Array, biases in a Float64Array. */
function checkLogitBias(op, entries, vocab) {
  if (entries === undefined) return undefined;
  const seen = new Map();
  for (const [key, value] of entries) {
    let id;
    if (typeof key === 'number') {
      if (!Number.isInteger(key))
        throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id (an integer in [0, ${vocab}))`);
      id = key;
    } else if (typeof key === 'string') {
      if (!CANONICAL_ID.test(key))
        throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id (an integer in [0, ${vocab}))`);
      id = Number(key);
    } else {
      throw new TypeError(`${op}: logitBias keys must be token ids (numbers or integer strings), got ${show(key)}`);
    }
    if (id < 0 || id >= vocab)
      throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id in [0, ${vocab})`);
    if (typeof value !== 'number') throw new TypeError(`${op}: logitBias[${id}] must be a number, got ${show(value)}`);
    if (Number.isNaN(value) || value === Infinity) {
      throw new RangeError(`${op}: logitBias[${id}] must be a finite number or -Infinity (a ban), got ${show(value)}`);
    }
    if (seen.has(id)) throw new RangeError(`${op}: logitBias names token ${id} twice`);
    seen.set(id, value);
  }
  const ids = Int32Array.from([...seen.keys()].sort((p, q) => p - q));
  return { ids, values: Float64Array.from(ids, (id) => seen.get(id)) };
}

// ---- the generator -----------------------------------------------------------------

function seedFromCrypto(op) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError(
      `${op}: this engine has no crypto.getRandomValues to seed a generator; pass random: a seed or sm.random(seed)`,
    );
  }
  const words = c.getRandomValues(new Uint32Array(2));
  return (BigInt(words[1]) << 32n) | BigInt(words[0]);
}

function checkSeed(op, seed) {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`${op}: seed must be in [0, 2^64), got ${show(seed)}`);
    return seed;
  }
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(
        `${op}: seed must be a non-negative safe integer or a BigInt in [0, 2^64), got ${show(seed)}`,
      );
    }
    return BigInt(seed);
  }
  throw new TypeError(`${op}: seed must be a non-negative safe integer or a BigInt, got ${show(seed)}`);
}

/**
 * A seeded Philox4x32-10 stream (cpp/philox.h): the key is the seed, the
 * position counts the draws made. One draw per sampled row; the kernels
 * compute draw i from (key, i), and the position moves only when a call
 * succeeds. Usable with any softmax-wasm instance (SIMD or scalar: the same
 * tokens).
 */
export class Random {
  #k0;
  #k1;
  #position = 0;
  #seed;

  /** @internal Use sm.random(seed). */
  constructor(seed) {
    this.#seed = seed;
    this.#k0 = Number(seed & 0xffffffffn);
    this.#k1 = Number(seed >> 32n);
  }

  /** The seed, a BigInt in [0, 2^64). */
  get seed() {
    return this.#seed;
  }

  /** How many draws this generator has made (one per sampled row). */
  get position() {
    return this.#position;
  }

  /** @internal */
  static state(r) {
    return [r.#k0, r.#k1, r.#position];
  }

  /** @internal */
  static advance(r, draws) {
    r.#position += draws;
  }

  /** @internal */
  static isRandom(value) {
    return typeof value === 'object' && value !== null && #k0 in value;
  }
}

export function makeRandom(seed) {
  return new Random(seed === undefined ? seedFromCrypto('random') : checkSeed('random', seed));
}

export function readRandom(op, random) {
  if (random === undefined) return new Random(seedFromCrypto(op));
  if (Random.isRandom(random)) return random;
  if (typeof random === 'number' || typeof random === 'bigint') return new Random(checkSeed(op, random));
  throw new TypeError(
    `${op}: random must be sm.random(seed), a seed (a non-negative safe integer or BigInt) or undefined, got ${show(random)}`,
  );
}

// ---- the ops ---------------------------------------------------------------------------

/** The option names of an ops.js entry (own keys of its frozen literal). */
const optionNames = (entry) => Object.keys(entry.options);
const BAD_ROW = ['', 'a NaN', '+Infinity', 'every logit -Infinity'];
const dtypeKey = (dtype) => dtype.name;

/** sample's out, phase 2: an Int32Array with one slot per row. */
export function checkTokensOut(op, out, M, rows) {
  if (out === undefined) return undefined;
  const a = takeArray(op, 'out', out, undefined, M);
  if (a === undefined || a.type !== INT32 || a.kind !== COPIED) {
    throw new TypeError(`${op}: out must be an Int32Array (one token per row), got ${show(out)}`);
  }
  if (a.length !== rows)
    throw new RangeError(`${op}: out must have length ${rows} (one token per row), got ${a.length}`);
  return a;
}

/** The sampling ops of one wasm instance: softmax-wasm.js's drivers of their kinds. */
export class Sampling {
  #M;
  #kernels; // per op index of ops.js: { float32, float64 } Embind functions
  #ptr = 0;
  #bytes = 0;
  #small; // a threaded instance's: the single-thread build's Sampling (softmax-wasm.js #engine)
  #unshared; // (work, rows) => whether the threaded build would run the call on one thread

  constructor(module, kernels, small, unshared) {
    this.#M = module;
    this.#kernels = kernels;
    this.#small = small;
    this.#unshared = unshared;
  }

  /**
   * Where a call runs: on the single-thread build beside a threaded one when every array is
   * copied (no WasmArray: V8 copies into shared memory word by word) and the call would not be
   * shared; the same kernels, so the same bits.
   */
  #engine(a, out, work, rows) {
    if (this.#small === undefined || a.kind === WASM || out?.kind === WASM) return this;
    return this.#unshared(work, rows) ? this.#small : this;
  }

  /**
   * Byte offsets of regions of the scratch block (sizes in bytes, 16-byte
   * aligned), grown first if needed. Growing wasm memory detaches views of
   * it: the Args in `args` that are such views are re-pointed (pinViews).
   */
  #regions(op, sizes, args, phased = {}) {
    const offsets = [];
    // On a threaded instance's shared memory, the copy of phased[k] (an Arg) sits at its phase
    // (copyPhase: V8 copies in and out of shared memory 8x slower out of phase).
    const shared = this.#small !== undefined;
    let total = 0;
    for (let k = 0; k < sizes.length; k++) {
      const arg = shared ? phased[k] : undefined;
      offsets.push(total + (arg === undefined ? 0 : copyPhase(arg)));
      total += align16(sizes[k] + (arg === undefined ? 0 : 8));
    }
    total = Math.max(total, 16);
    if (total > this.#bytes) {
      if (total > MAX_WASM_BYTES)
        throw new RangeError(
          `${op}: the call needs ${total} bytes of wasm memory, more than the 2 GiB a wasm32 module can address`,
        );
      const M = this.#M;
      const before = M.HEAPU8.buffer;
      const pinned = pinViews(args, before);
      if (this.#ptr) M._free(this.#ptr);
      this.#ptr = 0;
      this.#bytes = 0;
      const ptr = malloc16(M, total);
      if (!ptr) throw new RangeError(`${op}: could not allocate ${total} bytes of wasm memory (at most 2 GiB in all)`);
      this.#ptr = ptr;
      this.#bytes = total;
      if (pinned && M.HEAPU8.buffer !== before) refreshViews(args, M.HEAPU8.buffer);
    }
    return offsets.map((o) => this.#ptr + o);
  }

  /** Phase 1 of sample / filterLogits: everything that may run user code. */
  #read(op, entry, logits, options) {
    const o = readOptions(op, options, optionNames(entry));
    return {
      o,
      snap: readNumbers(op, 'logits', logits),
      shape: readShape(op, o.shape),
      history: readHistory(op, o.history),
      bias: readLogitBias(op, o.logitBias),
    };
  }

  /** Phase 2 of sample / filterLogits: the logits Arg and every checked value. */
  #check(op, logits, r) {
    const { o } = r;
    const a = takeData(op, 'logits', logits, r.snap, this.#M);
    const shape = checkShape(op, r.shape, a.length, 'logits');
    const vocab = shape[shape.length - 1];
    if (vocab === 0)
      throw new RangeError(
        `${op}: the vocabulary (the last axis of shape ${showNumbers(r.shape)}) must hold at least one token`,
      );
    if (vocab > 2 ** 31 - 1)
      throw new RangeError(`${op}: a vocabulary of ${vocab} tokens is more than int32 token ids can name`);
    const rows = a.length / vocab;
    return {
      a,
      rows,
      vocab,
      temperature: checkTemperature(op, o.temperature),
      topK: checkTopK(op, o.topK),
      topP: checkTopP(op, o.topP),
      minP: checkMinP(op, o.minP),
      repetitionPenalty: checkRepetition(op, o.repetitionPenalty),
      presencePenalty: checkAdditivePenalty(op, 'presencePenalty', o.presencePenalty),
      frequencyPenalty: checkAdditivePenalty(op, 'frequencyPenalty', o.frequencyPenalty),
      history: checkHistory(op, r.history, rows, vocab),
      bias: checkLogitBias(op, r.bias, vocab),
    };
  }

  /**
   * Places the call and runs the kernel: filter writes the filtered logits;
   * draw = [k0, k1, position] makes it draw. Returns the heap offsets of the
   * results (valid until the next allocation).
   */
  #run(op, i, p, { draw, filter, wantLogProbs, out }) {
    const M = this.#M;
    const { a, rows, vocab } = p;
    const dtype = a.type;
    const B = dtype.bytes;
    const size = rows * vocab;
    const maxHistory = p.history ? p.history.longest : 0;
    const workBytes = M[`sampleWorkspaceBytes_${B === 4 ? 'f32' : 'f64'}`](vocab, maxHistory, rows);
    const histIds = p.history ? p.history.ids.length : 0;
    const biasCount = p.bias ? p.bias.ids.length : 0;
    const [pParams, pLogits, pHist, pRange, pBiasIds, pBiasValues, pTokens, pLogProbs, pFiltered, pWork, pBad] =
      this.#regions(
        op,
        [
          14 * 8,
          a.kind === WASM ? 0 : size * B,
          histIds * 4,
          p.history ? rows * 8 : 0,
          biasCount * 4,
          biasCount * 8,
          draw ? rows * 4 : 0,
          wantLogProbs ? rows * 8 : 0,
          filter ? size * B : 0,
          workBytes,
          8,
        ],
        [a, out],
        { 1: a, 8: out }, // the logits' copy and filterLogits' result
      );
    // From here on, only wasm writes.
    if (a.kind !== WASM) copyIn(M, B === 4 ? M.HEAPF32 : M.HEAPF64, dtype, pLogits, a);
    M.HEAPF64.set(
      [
        rows,
        vocab,
        p.temperature,
        p.topK,
        p.topP,
        p.minP,
        p.repetitionPenalty,
        p.presencePenalty,
        p.frequencyPenalty,
        biasCount,
        draw ? draw[0] : 0,
        draw ? draw[1] : 0,
        draw ? draw[2] : 0,
        a.kind === WASM ? 0 : 1, // our own copy of the logits: the kernel may process it in place
      ],
      pParams / 8,
    );
    if (p.history) {
      M.HEAP32.set(p.history.ids, pHist / 4);
      M.HEAP32.set(p.history.ranges, pRange / 4);
    }
    if (p.bias) {
      M.HEAP32.set(p.bias.ids, pBiasIds / 4);
      M.HEAPF64.set(p.bias.values, pBiasValues / 8);
    }
    const status = this.#kernels[i][dtypeKey(dtype)](
      pParams,
      a.kind === WASM ? a.ptr : pLogits,
      p.history ? pHist : 0,
      p.history ? pRange : 0,
      biasCount ? pBiasIds : 0,
      biasCount ? pBiasValues : 0,
      draw ? pTokens : 0,
      wantLogProbs ? pLogProbs : 0,
      filter ? pFiltered : 0,
      pWork,
      pBad,
    );
    if (status === 7) {
      const row = M.HEAP32[pBad / 4];
      const why = M.HEAP32[pBad / 4 + 1];
      throw new RangeError(
        `${op}: row ${row} of the logits holds ${BAD_ROW[why] ?? 'an invalid value'} after processing (penalties, bias, temperature); ` +
          'every row needs finite logits or -Infinity, at least one of them finite',
      );
    }
    if (status) throw new Error(`${op}: kernel returned status ${status}; please report this with sm.kernels`);
    return { pTokens, pLogProbs, pFiltered };
  }

  sample(entry, i, logits, options) {
    const op = entry.name;
    const M = this.#M;
    const r = this.#read(op, entry, logits, options);
    const random = readRandom(op, r.o.random);
    const wantLogProbs = checkFlag(op, 'logProbs', r.o.logProbs);
    // Phase 2.
    const p = this.#check(op, logits, r);
    const out = checkTokensOut(op, r.o.out, M, p.rows);
    const logProbs = wantLogProbs ? new Float64Array(p.rows) : undefined;
    const tokens = out === undefined ? new Int32Array(p.rows) : out.value;
    if (p.rows > 0) {
      const [k0, k1, position] = Random.state(random);
      const E = this.#engine(p.a, out, p.a.length, p.rows);
      const { pTokens, pLogProbs } = E.#run(op, i, p, {
        draw: [k0, k1, position],
        filter: false,
        wantLogProbs,
        out,
      });
      const H = E.#M;
      if (out === undefined) copyOut(tokens, H.HEAP32, pTokens / 4, p.rows);
      else copyOut(out.src, H.HEAP32, pTokens / 4, p.rows);
      if (logProbs) copyOut(logProbs, H.HEAPF64, pLogProbs / 8, p.rows);
      Random.advance(random, p.rows);
    }
    return wantLogProbs ? { tokens, logProbs } : tokens;
  }

  filterLogits(entry, i, logits, options) {
    const op = entry.name;
    const M = this.#M;
    const r = this.#read(op, entry, logits, options);
    // Phase 2.
    const p = this.#check(op, logits, r);
    const dtype = p.a.type;
    const out = checkOut(op, r.o.out, M, dtype, p.a.length);
    if (p.rows === 0) return out === undefined ? new dtype.Array(0) : out.value;
    const E = this.#engine(p.a, out, p.a.length, p.rows);
    const { pFiltered } = E.#run(op, i, p, { draw: undefined, filter: true, wantLogProbs: false, out });
    const B = dtype.bytes;
    const heap = B === 4 ? E.#M.HEAPF32 : E.#M.HEAPF64;
    const start = pFiltered / B;
    if (out === undefined) return heap.slice(start, start + p.a.length);
    if (out.kind === WASM) heap.copyWithin(out.ptr / B, start, start + p.a.length);
    else copyOut(out.src, heap, start, p.a.length);
    return out.value;
  }

  /** topK's and argmax's common start: options and x read (phase 1), then x taken and its shape and axis checked. */
  #alongAxis(entry, x, options) {
    const op = entry.name;
    const M = this.#M;
    const o = readOptions(op, options, optionNames(entry));
    const snap = readNumbers(op, 'x', x);
    const shapeIn = readShape(op, o.shape);
    // Phase 2.
    const a = takeData(op, 'x', x, snap, M);
    const shape = checkShape(op, shapeIn, a.length, 'x');
    const axis = checkAxis(op, o.axis, shape.length, shapeIn ?? shape);
    return { op, M, o, a, shape, axis, n: shape[axis] };
  }

  topK(entry, i, x, k, options) {
    const { op, o, a, shape, axis, n } = this.#alongAxis(entry, x, options);
    if (typeof k !== 'number') throw new TypeError(`${op}: k must be an integer, got ${show(k)}`);
    if (!Number.isSafeInteger(k) || k < 0 || k > n) {
      throw new RangeError(
        `${op}: k must be an integer in [0, ${n}] (the length of axis ${axis} of shape ${showNumbers(shape)}), got ${show(k)}`,
      );
    }
    const largest = o.largest === undefined ? true : checkFlag(op, 'largest', o.largest);
    const sorted = o.sorted === undefined ? true : checkFlag(op, 'sorted', o.sorted);
    let outer = 1;
    let inner = 1;
    for (let d = 0; d < axis; d++) outer *= shape[d];
    for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
    const count = outer * k * inner;
    const dtype = a.type;
    const values = new dtype.Array(count);
    const indices = new Int32Array(count);
    if (count === 0) return { values, indices };
    const B = dtype.bytes;
    const E = this.#engine(a, undefined, a.length, outer);
    const M = E.#M;
    const [pX, pValues, pIndices, pWork] = E.#regions(
      op,
      [a.kind === WASM ? 0 : a.length * B, count * B, count * 4, M.topKWorkspaceBytes(n, outer)],
      [a],
      { 0: a },
    );
    const heap = () => (B === 4 ? M.HEAPF32 : M.HEAPF64);
    if (a.kind !== WASM) copyIn(M, heap(), dtype, pX, a);
    const status = E.#kernels[i][dtypeKey(dtype)](
      a.kind === WASM ? a.ptr : pX,
      pValues,
      pIndices,
      outer,
      n,
      inner,
      k,
      largest,
      sorted,
      pWork,
    );
    if (status) throw new Error(`${op}: kernel returned status ${status}; please report this with sm.kernels`);
    copyOut(values, heap(), pValues / B, count);
    copyOut(indices, M.HEAP32, pIndices / 4, count);
    return { values, indices };
  }

  argmax(entry, i, x, options) {
    const { op, a, shape, axis, n } = this.#alongAxis(entry, x, options);
    if (n === 0)
      throw new RangeError(
        `${op}: axis ${axis} of shape ${showNumbers(shape)} is empty; argmax needs at least one value`,
      );
    let outer = 1;
    let inner = 1;
    for (let d = 0; d < axis; d++) outer *= shape[d];
    for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
    const count = outer * inner;
    const result = new Int32Array(count);
    if (count === 0) return result;
    const dtype = a.type;
    const B = dtype.bytes;
    const E = this.#engine(a, undefined, a.length, outer);
    const M = E.#M;
    const [pX, pOut] = E.#regions(op, [a.kind === WASM ? 0 : a.length * B, count * 4], [a], { 0: a });
    if (a.kind !== WASM) copyIn(M, B === 4 ? M.HEAPF32 : M.HEAPF64, dtype, pX, a);
    const status = E.#kernels[i][dtypeKey(dtype)](a.kind === WASM ? a.ptr : pX, pOut, outer, n, inner);
    if (status) throw new Error(`${op}: kernel returned status ${status}; please report this with sm.kernels`);
    copyOut(result, M.HEAP32, pOut / 4, count);
    return result;
  }
}
