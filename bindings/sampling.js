// sampling.js — the JS side of the sampling ops (cpp/sample.h): sample,
// filterLogits, topK, argmax, and the seeded generator sm.random(seed).
//
// Boundary rules (the same as every op): each option is read once, as an own
// property, into a snapshot; typed arrays are recognised by their internal
// brand (not by instanceof or a spoofable .length); plain arrays are read
// element by element exactly once into our own typed arrays; every piece of
// user code (getters, Map iteration, BigInt conversion) runs before anything is
// written to wasm memory; kernels never throw, a bad row comes back as a status
// and becomes a RangeError here; nothing is copied to the caller's `out`, and
// the generator does not advance, unless the whole call succeeded.
import { DTYPES, show } from './validate.js';
import { WasmArray } from './wasm-array.js';

const MAX_WASM_BYTES = 2 ** 31;
const TWO_32 = 2 ** 32;

// ---- brands -------------------------------------------------------------------

const TypedArrayProto = Object.getPrototypeOf(Int8Array.prototype);
const tagGetter = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;
const lengthGetter = Object.getOwnPropertyDescriptor(TypedArrayProto, 'length').get;
const bufferGetter = Object.getOwnPropertyDescriptor(TypedArrayProto, 'buffer').get;

/** 'Float32Array', 'Int32Array', ... for a genuine typed array, else undefined. */
function typedTag(value) {
  return tagGetter.call(value);
}
function typedLength(value) {
  return lengthGetter.call(value);
}

// ---- options ------------------------------------------------------------------

/** A snapshot of the known own properties of an options object, each read once. */
function readOptions(op, options, known) {
  const snap = Object.create(null);
  if (options === undefined) return snap;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${op}: unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
    snap[key] = options[key];
  }
  return snap;
}

function numberOption(op, name, value, fallback, ok, rule) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${op}: ${name} must be a number, got ${show(value)}`);
  if (!ok(value)) throw new RangeError(`${op}: ${name} must be ${rule}, got ${show(value)}`);
  return value;
}

const checkTemperature = (op, v) =>
  numberOption(op, 'temperature', v, 1, (t) => t >= 0 && Number.isFinite(t), 'a finite number >= 0 (0 = greedy)');
const checkTopK = (op, v) =>
  numberOption(op, 'topK', v, 0, (k) => Number.isSafeInteger(k) && k >= 0, 'a non-negative integer (0 = off)');
const checkTopP = (op, v) => numberOption(op, 'topP', v, 1, (p) => p > 0 && p <= 1, 'in (0, 1] (1 = off)');
const checkMinP = (op, v) => numberOption(op, 'minP', v, 0, (p) => p >= 0 && p < 1, 'in [0, 1) (0 = off)');
const checkRepetition = (op, v) =>
  numberOption(op, 'repetitionPenalty', v, 1, (p) => p > 0 && Number.isFinite(p), 'a finite number > 0 (1 = off)');
const checkAdditivePenalty = (op, name, v) =>
  numberOption(op, name, v, 0, Number.isFinite, 'a finite number (0 = off; negative values encourage repetition)');

function checkFlag(op, name, value) {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

// ---- data arrays ---------------------------------------------------------------

/**
 * A float data argument: { dtype, array (a typed array we may read with .set),
 * wasm (a WasmArray or undefined), length }. Plain arrays are copied once into
 * a Float64Array; a typed array that views wasm memory is copied out of it (a
 * later memory growth would detach it).
 */
function floatData(op, name, value, M) {
  if (value instanceof WasmArray) {
    const dtype = DTYPES[value.dtype];
    if (!dtype) throw new TypeError(`${op}: ${name} is an ${value.dtype} WasmArray; it must hold float32 or float64 values`);
    WasmArray.pointer(value, M, op, name);
    return { dtype, wasm: value, array: undefined, length: value.length };
  }
  const tag = typedTag(value);
  if (tag === 'Float32Array' || tag === 'Float64Array') {
    const dtype = tag === 'Float32Array' ? DTYPES.float32 : DTYPES.float64;
    let array = value;
    if (bufferGetter.call(value) === M.HEAPU8.buffer) array = new dtype.Array(value);
    return { dtype, wasm: undefined, array, length: typedLength(array) };
  }
  if (Array.isArray(value)) {
    const length = value.length;
    const array = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const v = value[i];
      if (typeof v !== 'number') throw new TypeError(`${op}: ${name}[${i}] must be a number, got ${show(v)}`);
      array[i] = v;
    }
    return { dtype: DTYPES.float64, wasm: undefined, array, length };
  }
  throw new TypeError(`${op}: ${name} must be a Float32Array, a Float64Array, an array of numbers or a WasmArray, got ${show(value)}`);
}

/** shape (default [length]): non-negative integers whose product is length. Read once into a new array. */
function readShape(op, shape, length, name) {
  if (shape === undefined) return [length];
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${show(shape)}`);
  const dims = [];
  let size = 1;
  const rank = shape.length;
  for (let i = 0; i < rank; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw new TypeError(`${op}: shape[${i}] must be a number, got ${show(d)}`);
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${op}: shape[${i}] must be a non-negative integer, got ${show(d)}`);
    dims.push(d);
    size *= d;
  }
  if (size !== length) {
    throw new RangeError(`${op}: shape ${show(dims)} holds ${size} elements but ${name} has length ${length}; the length must be the product of the shape`);
  }
  return dims.length === 0 ? [1] : dims;
}

function readAxis(op, axis, rank, shape) {
  if (axis === undefined) return rank - 1;
  if (typeof axis !== 'number') throw new TypeError(`${op}: axis must be an integer, got ${show(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${op}: axis must be an integer in [${-rank}, ${rank - 1}] for shape ${show(shape)}, got ${show(axis)}`);
  }
  return axis < 0 ? axis + rank : axis;
}

// ---- history and logit bias ------------------------------------------------------

const HISTORY_KINDS = 'an Int32Array, a BigInt64Array or an array of integers';

/**
 * One row's token ids as a list of numbers, each checked to be in [0, vocab).
 * first: a plain array's element 0, when the caller has read it already.
 */
function historyIds(op, name, value, vocab, sink, first) {
  const tag = typedTag(value);
  if (tag === 'Int32Array') {
    const n = typedLength(value);
    for (let i = 0; i < n; i++) {
      const id = value[i];
      if (id < 0 || id >= vocab) throw new RangeError(`${op}: ${name}[${i}] = ${id} is not a token id in [0, ${vocab})`);
      sink.push(id);
    }
    return n;
  }
  if (tag === 'BigInt64Array') {
    const n = typedLength(value);
    for (let i = 0; i < n; i++) {
      const id = value[i];
      if (id < 0n || id >= BigInt(vocab)) throw new RangeError(`${op}: ${name}[${i}] = ${id}n is not a token id in [0, ${vocab})`);
      sink.push(Number(id));
    }
    return n;
  }
  if (Array.isArray(value)) {
    const n = value.length;
    for (let i = 0; i < n; i++) {
      const id = i === 0 && first !== undefined ? first : value[i];
      if (typeof id !== 'number' || !Number.isInteger(id)) {
        throw new TypeError(`${op}: ${name}[${i}] must be an integer token id, got ${show(id)}`);
      }
      if (id < 0 || id >= vocab) throw new RangeError(`${op}: ${name}[${i}] = ${id} is not a token id in [0, ${vocab})`);
      sink.push(id);
    }
    return n;
  }
  throw new TypeError(`${op}: ${name} must be ${HISTORY_KINDS}, got ${show(value)}`);
}

const isHistoryRow = (v) => Array.isArray(v) || typedTag(v) === 'Int32Array' || typedTag(v) === 'BigInt64Array';

/**
 * history: one array (every row's history: the row of a 1-row call, or shared
 * by all rows) or an array of `rows` arrays. Returns { ids: Int32Array,
 * ranges: Int32Array(2 * rows) } or undefined.
 */
function readHistory(op, history, rows, vocab) {
  if (history === undefined) return undefined;
  const ids = [];
  const ranges = new Int32Array(2 * rows);
  const count = Array.isArray(history) ? history.length : 0;
  const first = count > 0 ? history[0] : undefined; // read once: it decides the form and is row 0
  const perRow = count > 0 && isHistoryRow(first);
  if (!perRow) {
    const n = Array.isArray(history) ? historyIds(op, 'history', history, vocab, ids, first) : historyIds(op, 'history', history, vocab, ids);
    for (let r = 0; r < rows; r++) ranges[2 * r + 1] = n;
  } else {
    if (count !== rows) {
      throw new RangeError(`${op}: history holds ${count} rows of token ids but the logits have ${rows} rows; give one array per row (or one array for all rows)`);
    }
    for (let r = 0; r < rows; r++) {
      const row = r === 0 ? first : history[r];
      if (!isHistoryRow(row)) throw new TypeError(`${op}: history[${r}] must be ${HISTORY_KINDS}, got ${show(row)}`);
      ranges[2 * r] = ids.length;
      historyIds(op, `history[${r}]`, row, vocab, ids);
      ranges[2 * r + 1] = ids.length;
    }
  }
  return { ids: Int32Array.from(ids), ranges };
}

const CANONICAL_ID = /^(0|[1-9][0-9]*)$/;

/** logitBias: { [tokenId]: bias } or a Map; ids ascending in an Int32Array, biases in a Float64Array. */
function readLogitBias(op, bias, vocab) {
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
  const seen = new Map();
  for (const [key, value] of entries) {
    let id;
    if (typeof key === 'number') {
      if (!Number.isInteger(key)) throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id (an integer in [0, ${vocab}))`);
      id = key;
    } else if (typeof key === 'string') {
      if (!CANONICAL_ID.test(key)) throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id (an integer in [0, ${vocab}))`);
      id = Number(key);
    } else {
      throw new TypeError(`${op}: logitBias keys must be token ids (numbers or integer strings), got ${show(key)}`);
    }
    if (id < 0 || id >= vocab) throw new RangeError(`${op}: logitBias key ${show(key)} is not a token id in [0, ${vocab})`);
    if (typeof value !== 'number') throw new TypeError(`${op}: logitBias[${id}] must be a number, got ${show(value)}`);
    if (Number.isNaN(value) || value === Infinity) {
      throw new RangeError(`${op}: logitBias[${id}] must be a finite number or -Infinity (a ban), got ${show(value)}`);
    }
    if (seen.has(id)) throw new RangeError(`${op}: logitBias names token ${id} twice`);
    seen.set(id, value);
  }
  const ids = Int32Array.from([...seen.keys()].sort((a, b) => a - b));
  const values = Float64Array.from(ids, (id) => seen.get(id));
  return { ids, values };
}

// ---- the generator -----------------------------------------------------------------

function seedFromCrypto(op) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new TypeError(`${op}: this engine has no crypto.getRandomValues to seed a generator; pass random: a seed or sm.random(seed)`);
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
      throw new RangeError(`${op}: seed must be a non-negative safe integer or a BigInt in [0, 2^64), got ${show(seed)}`);
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

function readRandom(op, random) {
  if (random === undefined) return new Random(seedFromCrypto(op));
  if (Random.isRandom(random)) return random;
  if (typeof random === 'number' || typeof random === 'bigint') return new Random(checkSeed(op, random));
  throw new TypeError(`${op}: random must be sm.random(seed), a seed (a non-negative safe integer or BigInt) or undefined, got ${show(random)}`);
}

// ---- the ops ---------------------------------------------------------------------------

const SAMPLE_OPTIONS = ['shape', 'temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'presencePenalty',
  'frequencyPenalty', 'history', 'logitBias', 'random', 'logProbs', 'out'];
const FILTER_OPTIONS = ['shape', 'temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'presencePenalty',
  'frequencyPenalty', 'history', 'logitBias', 'out'];
const BAD_ROW = ['', 'a NaN', '+Infinity', 'every logit -Infinity'];

const align16 = (bytes) => Math.ceil(bytes / 16) * 16;

/** The sampling ops of one wasm instance (softmax-wasm.js forwards to it). */
export class Sampling {
  #M;
  #ptr = 0;
  #bytes = 0;

  constructor(module) {
    this.#M = module;
  }

  /** The scratch block's offset, grown to at least `total` bytes (may grow wasm memory). */
  #base(op, total) {
    if (total > this.#bytes) {
      if (total > MAX_WASM_BYTES) throw new RangeError(`${op}: the call needs ${total} bytes of wasm memory, more than the 2 GiB a wasm32 module can address`);
      const M = this.#M;
      if (this.#ptr) M._free(this.#ptr);
      this.#ptr = 0;
      this.#bytes = 0;
      const ptr = M._malloc(total) >>> 0;
      if (!ptr) throw new RangeError(`${op}: could not allocate ${total} bytes of wasm memory (at most 2 GiB in all)`);
      this.#ptr = ptr;
      this.#bytes = total;
    }
    return this.#ptr;
  }

  /** Regions of the scratch block: sizes in bytes -> byte offsets (16-byte aligned). */
  #regions(op, sizes) {
    const offsets = [];
    let total = 0;
    for (const s of sizes) {
      offsets.push(total);
      total += align16(s);
    }
    const base = this.#base(op, Math.max(total, 16));
    return offsets.map((o) => base + o);
  }

  #processOptions(op, o, data) {
    const shape = readShape(op, o.shape, data.length, 'logits');
    const vocab = shape[shape.length - 1];
    if (vocab === 0) throw new RangeError(`${op}: the vocabulary (the last axis of shape ${show(shape)}) must hold at least one token`);
    if (vocab > 2 ** 31 - 1) throw new RangeError(`${op}: a vocabulary of ${vocab} tokens is more than int32 token ids can name`);
    const rows = data.length / vocab;
    return {
      rows,
      vocab,
      temperature: checkTemperature(op, o.temperature),
      topK: checkTopK(op, o.topK),
      topP: checkTopP(op, o.topP),
      minP: checkMinP(op, o.minP),
      repetitionPenalty: checkRepetition(op, o.repetitionPenalty),
      presencePenalty: checkAdditivePenalty(op, 'presencePenalty', o.presencePenalty),
      frequencyPenalty: checkAdditivePenalty(op, 'frequencyPenalty', o.frequencyPenalty),
      history: readHistory(op, o.history, rows, vocab),
      bias: readLogitBias(op, o.logitBias, vocab),
    };
  }

  /**
   * Runs the sample kernel: filter: true writes the filtered logits; draw:
   * [k0, k1, position] makes it draw. Returns { tokens, logProbs, filtered } as
   * heap offsets (valid until the next allocation).
   */
  #run(op, data, p, { draw, filter, wantLogProbs }) {
    const M = this.#M;
    const { dtype } = data;
    const { rows, vocab } = p;
    const B = dtype.bytes;
    const size = rows * vocab;
    const maxHistory = p.history ? maxRange(p.history.ranges) : 0;
    const kernels = M[`sampleWorkspaceBytes_${dtype === DTYPES.float32 ? 'f32' : 'f64'}`];
    const workBytes = kernels(vocab, maxHistory);
    const histIds = p.history ? p.history.ids.length : 0;
    const biasCount = p.bias ? p.bias.ids.length : 0;
    const [pParams, pLogits, pHist, pRange, pBiasIds, pBiasValues, pTokens, pLogProbs, pFiltered, pWork, pBad] =
      this.#regions(op, [
        13 * 8,
        data.wasm ? 0 : size * B,
        histIds * 4,
        p.history ? rows * 8 : 0,
        biasCount * 4,
        biasCount * 8,
        draw ? rows * 4 : 0,
        wantLogProbs ? rows * 8 : 0,
        filter ? size * B : 0,
        workBytes,
        8,
      ]);
    // Every argument is checked and snapshotted: from here on, only wasm writes.
    const logitsPtr = data.wasm ? WasmArray.pointer(data.wasm, M, op, 'logits') : pLogits;
    if (!data.wasm && typedLength(data.array) !== size) {
      throw new TypeError(`${op}: logits changed length (detached?) while the options were read`);
    }
    if (!data.wasm) (B === 4 ? M.HEAPF32 : M.HEAPF64).set(data.array, pLogits / B);
    const params = [rows, vocab, p.temperature, p.topK, p.topP, p.minP, p.repetitionPenalty, p.presencePenalty,
      p.frequencyPenalty, biasCount, draw ? draw[0] : 0, draw ? draw[1] : 0, draw ? draw[2] : 0];
    M.HEAPF64.set(params, pParams / 8);
    if (p.history) {
      M.HEAP32.set(p.history.ids, pHist / 4);
      M.HEAP32.set(p.history.ranges, pRange / 4);
    }
    if (p.bias) {
      M.HEAP32.set(p.bias.ids, pBiasIds / 4);
      M.HEAPF64.set(p.bias.values, pBiasValues / 8);
    }
    const kernel = M[`sample_${dtype === DTYPES.float32 ? 'f32' : 'f64'}`];
    const status = kernel(pParams, logitsPtr, p.history ? pHist : 0, p.history ? pRange : 0,
      biasCount ? pBiasIds : 0, biasCount ? pBiasValues : 0, draw ? pTokens : 0, wantLogProbs ? pLogProbs : 0,
      filter ? pFiltered : 0, pWork, pBad);
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

  sample(logits, options) {
    const op = 'sample';
    const M = this.#M;
    const o = readOptions(op, options, SAMPLE_OPTIONS);
    const data = floatData(op, 'logits', logits, M);
    const p = this.#processOptions(op, o, data);
    const random = readRandom(op, o.random);
    const wantLogProbs = checkFlag(op, 'logProbs', o.logProbs);
    let out;
    if (o.out !== undefined) {
      if (typedTag(o.out) !== 'Int32Array') throw new TypeError(`${op}: out must be an Int32Array (one token per row), got ${show(o.out)}`);
      if (typedLength(o.out) !== p.rows) throw new RangeError(`${op}: out must have length ${p.rows} (one token per row), got ${typedLength(o.out)}`);
      out = o.out;
    }
    const tokens = out ?? new Int32Array(p.rows);
    const logProbs = wantLogProbs ? new Float64Array(p.rows) : undefined;
    if (p.rows > 0) {
      const [k0, k1, position] = Random.state(random);
      const { pTokens, pLogProbs } = this.#run(op, data, p, { draw: [k0, k1, position], filter: false, wantLogProbs });
      tokens.set(M.HEAP32.subarray(pTokens / 4, pTokens / 4 + p.rows));
      if (logProbs) logProbs.set(M.HEAPF64.subarray(pLogProbs / 8, pLogProbs / 8 + p.rows));
      Random.advance(random, p.rows);
    }
    return wantLogProbs ? { tokens, logProbs } : tokens;
  }

  filterLogits(logits, options) {
    const op = 'filterLogits';
    const M = this.#M;
    const o = readOptions(op, options, FILTER_OPTIONS);
    const data = floatData(op, 'logits', logits, M);
    const p = this.#processOptions(op, o, data);
    const out = checkFloatOut(op, o.out, data.dtype, data.length, M);
    const result = out ?? new data.dtype.Array(data.length);
    if (p.rows > 0) {
      const { pFiltered } = this.#run(op, data, p, { draw: undefined, filter: true, wantLogProbs: false });
      const B = data.dtype.bytes;
      const heap = B === 4 ? M.HEAPF32 : M.HEAPF64;
      const view = heap.subarray(pFiltered / B, pFiltered / B + data.length);
      if (result instanceof WasmArray) result.array.set(view);
      else result.set(view);
    }
    return result;
  }

  topK(x, k, options) {
    const op = 'topK';
    const M = this.#M;
    const o = readOptions(op, options, ['shape', 'axis', 'largest', 'sorted']);
    const data = floatData(op, 'x', x, M);
    const shape = readShape(op, o.shape, data.length, 'x');
    const axis = readAxis(op, o.axis, shape.length, shape);
    const n = shape[axis];
    if (typeof k !== 'number') throw new TypeError(`${op}: k must be an integer, got ${show(k)}`);
    if (!Number.isSafeInteger(k) || k < 0 || k > n) {
      throw new RangeError(`${op}: k must be an integer in [0, ${n}] (the length of axis ${axis} of shape ${show(shape)}), got ${show(k)}`);
    }
    const largest = o.largest === undefined ? true : checkFlag(op, 'largest', o.largest);
    const sorted = o.sorted === undefined ? true : checkFlag(op, 'sorted', o.sorted);
    let outer = 1;
    let inner = 1;
    for (let i = 0; i < axis; i++) outer *= shape[i];
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
    const count = outer * k * inner;
    const values = new data.dtype.Array(count);
    const indices = new Int32Array(count);
    if (count === 0) return { values, indices };
    const B = data.dtype.bytes;
    const [pX, pValues, pIndices, pWork] = this.#regions(op, [
      data.wasm ? 0 : data.length * B, count * B, count * 4, M.topKWorkspaceBytes(n),
    ]);
    const px = data.wasm ? WasmArray.pointer(data.wasm, M, op, 'x') : pX;
    const heap = () => (B === 4 ? M.HEAPF32 : M.HEAPF64);
    if (!data.wasm) heap().set(data.array, pX / B);
    const kernel = M[`topK_${B === 4 ? 'f32' : 'f64'}`];
    const status = kernel(px, pValues, pIndices, outer, n, inner, k, largest, sorted, pWork);
    if (status) throw new Error(`${op}: kernel returned status ${status}; please report this with sm.kernels`);
    values.set(heap().subarray(pValues / B, pValues / B + count));
    indices.set(M.HEAP32.subarray(pIndices / 4, pIndices / 4 + count));
    return { values, indices };
  }

  argmax(x, options) {
    const op = 'argmax';
    const M = this.#M;
    const o = readOptions(op, options, ['shape', 'axis']);
    const data = floatData(op, 'x', x, M);
    const shape = readShape(op, o.shape, data.length, 'x');
    const axis = readAxis(op, o.axis, shape.length, shape);
    const n = shape[axis];
    if (n === 0) throw new RangeError(`${op}: axis ${axis} of shape ${show(shape)} is empty; argmax needs at least one value`);
    let outer = 1;
    let inner = 1;
    for (let i = 0; i < axis; i++) outer *= shape[i];
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
    const count = outer * inner;
    const result = new Int32Array(count);
    if (count === 0) return result;
    const B = data.dtype.bytes;
    const [pX, pOut] = this.#regions(op, [data.wasm ? 0 : data.length * B, count * 4]);
    const px = data.wasm ? WasmArray.pointer(data.wasm, M, op, 'x') : pX;
    if (!data.wasm) (B === 4 ? M.HEAPF32 : M.HEAPF64).set(data.array, pX / B);
    const status = M[`argmax_${B === 4 ? 'f32' : 'f64'}`](px, pOut, outer, n, inner);
    if (status) throw new Error(`${op}: kernel returned status ${status}; please report this with sm.kernels`);
    result.set(M.HEAP32.subarray(pOut / 4, pOut / 4 + count));
    return result;
  }
}

function maxRange(ranges) {
  let m = 0;
  for (let i = 0; i < ranges.length; i += 2) m = Math.max(m, ranges[i + 1] - ranges[i]);
  return m;
}

function checkFloatOut(op, out, dtype, length, M) {
  if (out === undefined) return undefined;
  if (out instanceof WasmArray) {
    if (out.dtype !== dtype.name) throw new TypeError(`${op}: out must be a ${dtype.Array.name} or a ${dtype.name} WasmArray (the dtype of the logits), got ${show(out)}`);
    WasmArray.pointer(out, M, op, 'out');
    if (out.length !== length) throw new RangeError(`${op}: out must have length ${length}, got ${out.length}`);
    return out;
  }
  if (typedTag(out) !== dtype.Array.name) {
    throw new TypeError(`${op}: out must be a ${dtype.Array.name} or a ${dtype.name} WasmArray (the dtype of the logits), got ${show(out)}`);
  }
  if (typedLength(out) !== length) throw new RangeError(`${op}: out must have length ${length}, got ${typedLength(out)}`);
  return out;
}
