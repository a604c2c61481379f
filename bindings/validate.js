// validate.js — every argument check of the JS API, and the snapshot of each
// argument that the checks and the copies work from.
//
// Each check throws at the call, before any work, a TypeError (wrong kind of
// value) or RangeError (right kind, wrong value) whose message names the op,
// the argument, the bad value and the rule.
//
// The boundary is memory-safe against any JS value because every argument is
// read exactly once, in two phases (softmax-wasm.js calls them in order):
//
//   1. Reads that may run user code: the options object (own enumerable
//      properties, once each), and the elements of plain arrays (shape,
//      weight, targets, data) into private Float64Array snapshots. Getters
//      and Proxy traps run here, and only here.
//   2. Reads that run no user code: typed arrays through the %TypedArray%
//      brand (the intrinsic length / buffer / byteOffset / @@toStringTag
//      getters, which Proxies and forgeries cannot fake), WasmArrays through
//      their private fields. Everything is sized and checked from these
//      values; then the wrapper allocates, copies exactly the checked counts
//      and calls the kernel. Nothing the caller wrote can change in between.
import { DTYPES, INT32, isWasmArray, readWasmArray, wasmDtype, wasmLength } from './wasm-array.js';

export { DTYPES, INT32 };

const hasOwn = Object.hasOwn;
const isArray = Array.isArray;
const apply = Reflect.apply;

// The intrinsic getters read internal slots: on anything but a genuine typed
// array they throw (length, buffer, byteOffset) or return undefined (the tag),
// without consulting the object's own or inherited properties.
const TYPED_ARRAY_PROTO = Object.getPrototypeOf(Int8Array.prototype);
const intrinsicGetter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const TA_TAG = intrinsicGetter(TYPED_ARRAY_PROTO, Symbol.toStringTag);
const TA_LENGTH = intrinsicGetter(TYPED_ARRAY_PROTO, 'length');
const TA_BUFFER = intrinsicGetter(TYPED_ARRAY_PROTO, 'buffer');
const TA_OFFSET = intrinsicGetter(TYPED_ARRAY_PROTO, 'byteOffset');
const TA_SET = TYPED_ARRAY_PROTO.set;
const AB_BYTE_LENGTH = intrinsicGetter(ArrayBuffer.prototype, 'byteLength');

/** The typed-array class name ('Float32Array', ...) of a genuine typed array, else undefined. */
export function typedArrayTag(value) {
  return apply(TA_TAG, value, []);
}

/** The true element count of a genuine typed array (0 when detached or out of bounds). */
export function typedArrayLength(value) {
  return apply(TA_LENGTH, value, []);
}

/** Whether a genuine ArrayBuffer or SharedArrayBuffer is a SharedArrayBuffer. */
function isShared(buffer) {
  try {
    apply(AB_BYTE_LENGTH, buffer, []);
    return false;
  } catch {
    return true;
  }
}

/** Whether a (non-shared) ArrayBuffer is detached: nothing can view it any more. */
function isDetached(buffer) {
  try {
    return new Uint8Array(buffer) === undefined;
  } catch {
    return true;
  }
}

/**
 * A short rendering of a bad value for an error message. It runs no user
 * code on objects (Proxies, getters): typed arrays are described through
 * their brand, plain arrays only by their kind unless they are our snapshots.
 */
export function show(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  const tag = typedArrayTag(value);
  if (tag !== undefined) return `${tag}(${typedArrayLength(value)})`;
  if (isWasmArray(value)) return `WasmArray(${wasmLength(value)}, ${wasmDtype(value).name})`;
  try {
    if (isArray(value)) return 'an array';
  } catch {
    return 'a revoked Proxy';
  }
  return 'an object';
}

/** Our own array of numbers (a snapshot, never the caller's) as [a, b, c] for a message. */
export function showNumbers(values) {
  const head = Array.prototype.slice.call(values, 0, 6).map(String);
  return `[${head.join(', ')}${values.length > 6 ? `, … (${values.length} items)` : ''}]`;
}

// ---- phase 1: reads that may run user code ---------------------------------

/**
 * The snapshot of an options object: one own field per option name of the
 * existing ops, so reading an option that was not given finds undefined
 * here, never an inherited value. (An op with an option not listed here
 * still works: its snapshot is a plain object with every one of its option
 * names as an own key — slower; add the name here for the fast path.)
 */
export class OptionValues {
  shape = undefined;
  axis = undefined;
  temperature = undefined;
  out = undefined;
  reduction = undefined;
  weight = undefined;
  ignoreIndex = undefined;
  labelSmoothing = undefined;
  grad = undefined;

  /** Sets every field back to undefined (for reuse) and returns this. */
  clear() {
    this.shape = undefined;
    this.axis = undefined;
    this.temperature = undefined;
    this.out = undefined;
    this.reduction = undefined;
    this.weight = undefined;
    this.ignoreIndex = undefined;
    this.labelSmoothing = undefined;
    this.grad = undefined;
    return this;
  }
}

/** The snapshot of no options (every field own and undefined: nothing inherited is read). */
const NO_OPTIONS = Object.freeze(new OptionValues());

/** The option names OptionValues holds. */
export const OPTION_NAMES = Object.freeze(Object.keys(new OptionValues()));
if (OPTION_NAMES.some((name) => new OptionValues().clear()[name] !== undefined))
  throw new Error('OptionValues.clear misses a field');

/**
 * The options object: undefined, or an object whose own enumerable string
 * keys (what {...options} copies) are all known. Returns a private snapshot
 * holding each given option's value, each read exactly once; inherited
 * properties (Object.prototype pollution) are never read. `known`: an
 * object whose own keys are the op's option names (the op table's
 * `options`), or an array of names (any names: load() uses this).
 */
export function readOptions(op, options, known, into) {
  const names = isArray(known);
  if (options === undefined) return names ? blank(known) : NO_OPTIONS;
  if (options === null || typeof options !== 'object' || isArrayValue(op, 'options', options)) {
    throw new TypeError(`${op}: options must be an object, got ${show(options)}`);
  }
  const keys = Object.keys(options); // own enumerable string keys (a Proxy's traps run here, once)
  if (keys.length === 0) return names ? blank(known) : NO_OPTIONS;
  const snapshot = names ? blank(known) : into === undefined ? new OptionValues() : into.clear();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (names ? !known.includes(key) : !hasOwn(known, key)) {
      const list = names ? known : Object.keys(known);
      throw new TypeError(`${op}: unknown option ${JSON.stringify(key)} (known: ${list.join(', ')})`);
    }
    if (names) snapshot[key] = options[key];
    else readOption(snapshot, options, key);
  }
  return snapshot;
}

/**
 * snapshot[key] = options[key] for an own key of OptionValues, written out
 * with named property accesses: a keyed access with a changing key is slow
 * in V8, and this is every call's path.
 */
function readOption(snapshot, options, key) {
  switch (key) {
    case 'shape':
      snapshot.shape = options.shape;
      break;
    case 'axis':
      snapshot.axis = options.axis;
      break;
    case 'temperature':
      snapshot.temperature = options.temperature;
      break;
    case 'out':
      snapshot.out = options.out;
      break;
    case 'reduction':
      snapshot.reduction = options.reduction;
      break;
    case 'weight':
      snapshot.weight = options.weight;
      break;
    case 'ignoreIndex':
      snapshot.ignoreIndex = options.ignoreIndex;
      break;
    case 'labelSmoothing':
      snapshot.labelSmoothing = options.labelSmoothing;
      break;
    case 'grad':
      snapshot.grad = options.grad;
      break;
    default:
      throw new Error(`softmax-wasm: OptionValues has no field ${key}`);
  }
}

/** An object with each name as an own key, set to undefined. */
function blank(names) {
  const o = {};
  for (const name of names) o[name] = undefined;
  return o;
}

/** The old name of readOptions (load() uses it). */
export const checkOptions = readOptions;

/** Array.isArray, as a TypeError naming the argument for a revoked Proxy. */
function isArrayValue(op, name, value) {
  try {
    return isArray(value);
  } catch {
    throw new TypeError(`${op}: ${name} is a revoked Proxy`);
  }
}

/** Element counts above this cannot fit in wasm memory as float64 (2 GiB / 8). */
const MAX_ELEMENTS = 2 ** 28;
/** At most this many dimensions (NumPy's limit). */
const MAX_RANK = 64;

/**
 * A plain array (or a Proxy of one) of numbers, read once: its length, then
 * each element, into a private Float64Array. Any other value is returned as
 * undefined (phase 2 takes it). `integers`: the elements must be integers
 * (class indices; the message says so).
 */
export function readNumbers(op, name, value, integers = false) {
  if (typeof value !== 'object' || value === null || !isArrayValue(op, name, value)) return undefined;
  const n = value.length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`${op}: ${name} reports a length of ${show(n)}, which no array has`);
  }
  if (n > MAX_ELEMENTS)
    throw new RangeError(`${op}: ${name} has ${n} elements, more than fit in the 2 GiB of wasm memory`);
  const snapshot = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = value[i];
    if (typeof v !== 'number' || (integers && !Number.isInteger(v))) {
      throw new TypeError(
        `${op}: ${name}[${i}] must be ${integers ? 'an integer class index' : 'a number'}, got ${show(v)}`,
      );
    }
    snapshot[i] = v;
  }
  return snapshot;
}

/**
 * shape, phase 1: undefined, or an array of numbers (or a Proxy of one) read
 * once — its length, then each element — into a snapshot (a plain array:
 * cheaper to make than a typed one for a handful of dimensions).
 */
export function readShape(op, shape) {
  if (shape === undefined) return undefined;
  if (typeof shape !== 'object' || shape === null || !isArrayValue(op, 'shape', shape)) {
    throw new TypeError(`${op}: shape must be an array of integers, got ${show(shape)}`);
  }
  const n = shape.length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`${op}: shape reports a length of ${show(n)}, which no array has`);
  }
  if (n > MAX_RANK) throw new RangeError(`${op}: shape has ${n} dimensions; at most ${MAX_RANK} are supported`);
  const snapshot = [];
  for (let i = 0; i < n; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw new TypeError(`${op}: shape[${i}] must be a number, got ${show(d)}`);
    snapshot.push(d);
  }
  return snapshot;
}

/**
 * A class-index target, phase 1: one number (a single sample) or a plain
 * array of integers, read once into a Float64Array snapshot; undefined for
 * anything else (typed arrays and WasmArrays are taken in phase 2).
 */
export function readIndexTarget(op, target) {
  if (typeof target === 'number') {
    if (!Number.isInteger(target))
      throw new TypeError(`${op}: target must be an integer class index, got ${show(target)}`);
    return Float64Array.of(target);
  }
  return readNumbers(op, 'target', target, true);
}

// ---- phase 2: the arrays, through their brands (no user code) --------------

/** Element types by typed-array tag; class-index targets take any integer type. */
const ELEMENTS = new Map([
  ['Float32Array', DTYPES.float32],
  ['Float64Array', DTYPES.float64],
  ['Int32Array', INT32],
  ['Int16Array', { name: 'int16', Array: Int16Array, bytes: 2, index: true }],
  ['Int8Array', { name: 'int8', Array: Int8Array, bytes: 1, index: true }],
  ['Uint32Array', { name: 'uint32', Array: Uint32Array, bytes: 4, index: true }],
  ['Uint16Array', { name: 'uint16', Array: Uint16Array, bytes: 2, index: true }],
  ['Uint8Array', { name: 'uint8', Array: Uint8Array, bytes: 1, index: true }],
  ['Uint8ClampedArray', { name: 'uint8clamped', Array: Uint8ClampedArray, bytes: 1, index: true }],
  ['BigInt64Array', { name: 'bigint64', Array: BigInt64Array, bytes: 8, index: true, big: true }],
  ['BigUint64Array', { name: 'biguint64', Array: BigUint64Array, bytes: 8, index: true, big: true }],
]);

/** How an Arg's data reaches the kernel. */
export const COPIED = 0; // copied into (or, for `out`, out of) the scratch block
export const WASM = 1; // a WasmArray, used where it lives

/**
 * One array argument of a call, as the checks and the copies see it:
 *   name    the argument's name, for messages
 *   type    element type (DTYPES.float32 / float64, INT32, or another integer type)
 *   length  the element count, fixed at the snapshot
 *   kind    COPIED or WASM
 *   ptr     WASM: byte offset of the data in wasm memory
 *   src     COPIED: a genuine typed array whose first `length` elements are
 *           the data (the caller's array, or our snapshot of a plain array);
 *           for `out`, the typed array the result is copied into
 *   value   what the caller passed (returned as `out`)
 *   caller  COPIED: src is the caller's typed array (not our snapshot)
 */
export class Arg {
  constructor(name, type, length, kind, ptr, src, value, caller) {
    this.name = name;
    this.type = type;
    this.length = length;
    this.kind = kind;
    this.ptr = ptr;
    this.src = src;
    this.value = value;
    this.caller = caller;
  }

  /** Refills a reused Arg (see SoftmaxWasm's fast path) and returns it. */
  set(name, type, length, kind, ptr, src, value, caller) {
    this.name = name;
    this.type = type;
    this.length = length;
    this.kind = kind;
    this.ptr = ptr;
    this.src = src;
    this.value = value;
    this.caller = caller;
    return this;
  }
}

/** A new Arg, or `into` refilled. */
function arg(into, name, type, length, kind, ptr, src, value, caller) {
  return into === undefined
    ? new Arg(name, type, length, kind, ptr, src, value, caller)
    : into.set(name, type, length, kind, ptr, src, value, caller);
}

/** What readWasmArray fills in (phase 2 runs no user code, so one record serves every call). */
const W = { ptr: 0, module: undefined, length: 0, dtype: undefined };

/**
 * Phase 2 of an array argument: `snapshot` is what phase 1 read from a plain
 * array (float64), else the value is taken through its brand: a typed array
 * or a WasmArray of module M. Returns undefined for anything else (the caller
 * says what it wanted). Freed or foreign WasmArrays and detached buffers are
 * TypeErrors here.
 *
 * Typed arrays are copied, exactly `length` elements (copyIn bounds the
 * destination, so a length-tracking view of a SharedArrayBuffer that another
 * thread grows cannot overflow it). A typed-array view of wasm memory (a
 * WasmArray's .array) is a typed array like any other; when a call must grow
 * wasm memory, pinViews first records where such views point.
 */
export function takeArray(op, name, value, snapshot, M, into) {
  if (snapshot !== undefined)
    return arg(into, name, DTYPES.float64, snapshot.length, COPIED, -1, snapshot, value, false);
  if (readWasmArray(value, W)) {
    const { ptr, length, dtype } = W;
    if (ptr === -1) throw new TypeError(`${op}: ${name} is a WasmArray that was freed`);
    if (W.module !== M) {
      throw new TypeError(
        `${op}: ${name} is a WasmArray of another softmax-wasm instance; allocate it with this instance's alloc()`,
      );
    }
    W.module = undefined;
    // A zero-length WasmArray has no memory (ptr 0): copy its nothing instead.
    return length === 0
      ? arg(into, name, dtype, 0, COPIED, -1, new dtype.Array(0), value, false)
      : arg(into, name, dtype, length, WASM, ptr, undefined, value, false);
  }
  const tag = typedArrayTag(value);
  if (tag !== undefined) {
    const type = tag === 'Float32Array' ? DTYPES.float32 : tag === 'Float64Array' ? DTYPES.float64 : ELEMENTS.get(tag);
    if (type === undefined) return undefined;
    const length = typedArrayLength(value);
    if (length === 0) {
      const buffer = apply(TA_BUFFER, value, []);
      if (!isShared(buffer) && isDetached(buffer)) {
        throw new TypeError(
          `${op}: ${name} is a ${tag} whose ArrayBuffer is detached (a view of wasm memory taken before the memory grew? take a fresh WasmArray.array after each call)`,
        );
      }
    }
    return arg(into, name, type, length, COPIED, -1, value, value, true);
  }
  return undefined;
}

/**
 * Before a call grows wasm memory (which detaches every view of it): finds
 * the Args whose typed array views `memory` (the wasm memory's buffer now) and
 * records their byte offset in `ptr`. Returns whether any was found.
 */
export function pinViews(args, memory) {
  let pinned = false;
  for (const a of args) {
    if (a === undefined || typeof a === 'number' || a.kind !== COPIED || !a.caller || a.length === 0) continue;
    if (apply(TA_BUFFER, a.src, []) === memory) {
      a.ptr = apply(TA_OFFSET, a.src, []);
      pinned = true;
    }
  }
  return pinned;
}

/** After memory grew: each pinned Arg's src becomes a fresh view of the same bytes. */
export function refreshViews(args, memory) {
  for (const a of args) {
    if (a === undefined || typeof a === 'number' || a.kind !== COPIED || !a.caller || a.ptr < 0) continue;
    a.src = new a.type.Array(memory, a.ptr, a.length);
  }
}

/**
 * Where in its 8-byte word a COPIED Arg's source starts (its byteOffset modulo 8: 0 or 4 for
 * float32 and int32, 0 for float64). Copies into and out of a shared wasm memory (the threaded
 * build's) go through V8's relaxed-atomic memcpy, which moves 8-byte words only when source and
 * destination sit alike modulo 8, and single bytes otherwise (about 8x slower: 1.1 ms against
 * 0.14 ms for 4 MB, bench/VARIANTS.md); the threaded instance places each copy at this phase.
 */
export function copyPhase(a) {
  return a.kind === COPIED && a.length > 0 ? apply(TA_OFFSET, a.src, []) & 7 : 0;
}

/**
 * Copies exactly a.length elements of a COPIED Arg to byte offset p of the
 * wasm memory of module M (`heap`: its current view of `type`). The count is the snapshot's, whatever the
 * source's length is by now: a short copy runs as a loop, a long one into a
 * view of exactly that length (which throws rather than overflow).
 */
export function copyIn(M, heap, type, p, a) {
  const n = a.length;
  const src = a.src;
  if (n <= SHORT) {
    const q = p / type.bytes;
    for (let i = 0; i < n; i++) heap[q + i] = src[i];
  } else {
    new type.Array(M.HEAPU8.buffer, p, n).set(src);
  }
}

/** Up to this many elements a loop copies faster than a view + set (copyIn, copyOut, freshCopy). */
const SHORT = 64;

/**
 * A data argument (x, dy, y, logits, logProbs): float32 or float64, by
 * itself (`dtype` undefined: the first of the call) or of the call's dtype.
 */
export function takeData(op, name, value, snapshot, M, dtype, firstName, into) {
  const a = takeArray(op, name, value, snapshot, M, into);
  if (a === undefined || (a.type !== DTYPES.float32 && a.type !== DTYPES.float64)) {
    if (a !== undefined && a.type === INT32 && isWasmArray(value)) {
      throw new TypeError(
        `${op}: ${name} is an int32 WasmArray; it must hold float32 or float64 values (int32 is for class-index targets)`,
      );
    }
    throw new TypeError(
      `${op}: ${name} must be a Float32Array, a Float64Array, an array of numbers or a WasmArray, got ${show(value)}`,
    );
  }
  if (dtype !== undefined && a.type !== dtype) {
    throw new TypeError(
      `${op}: ${name} is ${a.type.name} but ${firstName} is ${dtype.name}; all arrays of one call share one dtype`,
    );
  }
  return a;
}

/** out: undefined, or a typed array / WasmArray of the call's dtype and `length`. */
export function checkOut(op, out, M, dtype, length, into) {
  if (out === undefined) return undefined;
  const a = takeArray(op, 'out', out, undefined, M, into);
  if (a === undefined || a.type !== dtype) {
    throw new TypeError(
      `${op}: out must be a ${dtype.Array.name} or a ${dtype.name} WasmArray (the dtype of the inputs), got ${show(out)}`,
    );
  }
  if (a.length !== length) throw new RangeError(`${op}: out must have length ${length}, got ${a.length}`);
  return a;
}

/**
 * Arrays a loss kernel reads while it writes the gradient must not be the
 * gradient's WasmArray (`out` may be the input itself: the kernel works in
 * place). Distinct WasmArrays never overlap, so identity is the whole rule.
 */
export function checkNotOut(op, out, others) {
  if (out === undefined || out.kind !== WASM) return;
  for (const a of others) {
    if (a !== undefined && a.kind === WASM && a.value === out.value) {
      throw new RangeError(
        `${op}: out (the gradient) is the same WasmArray as ${a.name}, which the kernel reads while it writes out; pass a separate array`,
      );
    }
  }
}

// ---- phase 2: the option values --------------------------------------------

/** shape: the phase-1 snapshot, whose product must be `length`. Returns the dims ([] -> [1]): the snapshot itself. */
export function checkShape(op, shape, length, lengthName) {
  if (shape === undefined) return [length];
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `${op}: shape[${i}] must be a non-negative integer, got ${show(d)} in shape ${showNumbers(shape)}`,
      );
    }
    size *= d;
  }
  if (size !== length) {
    throw new RangeError(
      `${op}: shape ${showNumbers(shape)} holds ${size} elements but ${lengthName} has length ${length}; the length must be the product of the shape`,
    );
  }
  return shape.length === 0 ? [1] : shape;
}

/** axis: an integer in [-rank, rank), negative counting from the end. `shape` is for the message. */
export function checkAxis(op, axis, rank, shape) {
  if (axis === undefined) return rank - 1;
  if (typeof axis !== 'number') throw new TypeError(`${op}: axis must be an integer, got ${show(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(
      `${op}: axis must be an integer in [${-rank}, ${rank - 1}] for shape ${showNumbers(shape)}, got ${show(axis)}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** temperature: a finite number > 0 (default 1). */
export function checkTemperature(op, t) {
  if (t === undefined) return 1;
  if (typeof t !== 'number') throw new TypeError(`${op}: temperature must be a number, got ${show(t)}`);
  if (!(t > 0) || !Number.isFinite(t)) {
    throw new RangeError(`${op}: temperature must be a finite number > 0, got ${show(t)}`);
  }
  return t;
}

/** (outer, n, inner) of a row-major shape along `axis`. */
export function geometry(shape, axis) {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}

// ---- cross-entropy / NLL options -------------------------------------------

/** The kernel's codes of the reductions (cpp/softmax.h, enum Reduction). */
export const REDUCTIONS = Object.freeze({ __proto__: null, none: 0, mean: 1, sum: 2 });

/** reduction: 'mean' (default), 'sum' or 'none' (own keys only: 'toString' is no reduction). */
export function checkReduction(op, reduction) {
  if (reduction === undefined) return 'mean';
  if (typeof reduction !== 'string') throw new TypeError(`${op}: reduction must be a string, got ${show(reduction)}`);
  if (!hasOwn(REDUCTIONS, reduction)) {
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${show(reduction)}`);
  }
  return reduction;
}

/** ignoreIndex: an int32 (default -100). */
export function checkIgnoreIndex(op, value) {
  if (value === undefined) return -100;
  if (typeof value !== 'number') throw new TypeError(`${op}: ignoreIndex must be an integer, got ${show(value)}`);
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new RangeError(`${op}: ignoreIndex must be a 32-bit integer, got ${show(value)}`);
  }
  return value;
}

/** labelSmoothing: a number in [0, 1] (default 0). */
export function checkLabelSmoothing(op, value) {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw new TypeError(`${op}: labelSmoothing must be a number, got ${show(value)}`);
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${show(value)}`);
  return value;
}

/** A boolean option (default false). */
export function checkFlag(op, name, value) {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

/** grad: true or false (default false). */
export function checkGrad(op, value) {
  return checkFlag(op, 'grad', value);
}

/**
 * weight, phase 2: undefined, or C class weights (a typed array or WasmArray
 * of the logits' dtype, or the phase-1 snapshot of an array of numbers).
 * The values are checked (>= 0) as they are copied (copyWeights).
 */
export function checkWeight(op, weight, snapshot, M, dtype, classes) {
  if (weight === undefined) return undefined;
  const a = takeArray(op, 'weight', weight, snapshot, M);
  if (a === undefined || (snapshot === undefined && a.type !== dtype)) {
    throw new TypeError(
      `${op}: weight must be a ${dtype.Array.name} (the logits' dtype), a ${dtype.name} WasmArray or an array of numbers, got ${show(weight)}`,
    );
  }
  if (a.length !== classes) {
    throw new RangeError(`${op}: weight must have one entry per class (${classes}), got length ${a.length}`);
  }
  return a;
}

/**
 * Weight values, read once each from `values` at `start`: each must be a
 * number >= 0; written to `dest` at `at` (or only checked, dest undefined).
 */
export function checkWeightValues(op, values, start, classes, dest, at) {
  for (let c = 0; c < classes; c++) {
    const w = values[start + c];
    if (!(w >= 0)) throw new RangeError(`${op}: weight[${c}] must be a number >= 0, got ${show(w)}`);
    if (dest !== undefined) dest[at + c] = w;
  }
}

/**
 * The target of crossEntropy / nllLoss, phase 2: class probabilities (a
 * typed array or WasmArray of the logits' dtype and length) or class indices
 * (an integer typed array, an int32 WasmArray, or the phase-1 snapshot of a
 * number or an array of integers), `samples` of them. The index values are
 * checked where they are copied or used (checkIndexValues).
 */
export function checkTarget(op, target, snapshot, M, dtype, size, samples, probabilitiesAllowed, shapeText) {
  const a = takeArray(op, 'target', target, snapshot, M);
  if (a !== undefined && snapshot === undefined && (a.type === DTYPES.float32 || a.type === DTYPES.float64)) {
    if (!probabilitiesAllowed) {
      throw new TypeError(
        `${op}: target must be class indices (an Int32Array, an integer typed array or an array of integers), got ${show(target)}`,
      );
    }
    if (a.type !== dtype) {
      throw new TypeError(
        `${op}: probability target is ${a.type.name} but the logits are ${dtype.name}; they share one dtype`,
      );
    }
    if (a.length !== size) {
      throw new RangeError(
        `${op}: probability target must have the logits' shape ${shapeText()} (length ${size}), got length ${a.length}`,
      );
    }
    a.probabilities = true;
    return a;
  }
  if (a === undefined) {
    throw new TypeError(
      `${op}: target must be class indices (an Int32Array, an integer typed array, an array of integers or an int32 WasmArray)` +
        `${probabilitiesAllowed ? " or class probabilities (a typed array of the logits' dtype and shape)" : ''}, got ${show(target)}`,
    );
  }
  if (a.length !== samples) {
    throw new RangeError(
      `${op}: target holds ${a.length} class indices but the logits of shape ${shapeText()} have ${samples} samples (the shape without the class axis)`,
    );
  }
  a.probabilities = false;
  return a;
}

/**
 * Class indices, read once each from `values` (a typed array, possibly of
 * BigInts: `big`) at `start`, checked to be in [0, C) or ignoreIndex, and written
 * as int32 to `dest` at `at` (or only checked when dest is undefined).
 */
export function checkIndexValues(op, values, start, count, classes, ignoreIndex, dest, at, big = false) {
  if (big) {
    const C = BigInt(classes);
    const ignore = BigInt(ignoreIndex);
    for (let i = 0; i < count; i++) {
      const v = values[start + i];
      if (v !== ignore && !(v >= 0n && v < C)) throw badIndex(op, i, v, classes, ignoreIndex);
      dest[at + i] = Number(v);
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = values[start + i];
    if (v !== ignoreIndex && !(v >= 0 && v < classes)) throw badIndex(op, i, v, classes, ignoreIndex);
    if (dest !== undefined) dest[at + i] = v;
  }
}

/** target.set(source) through the intrinsic (a subclass's own `set` is never called). */
export function copyInto(target, source) {
  apply(TA_SET, target, [source]);
}

/** Copies `length` elements of heap from element `start` into the caller's typed array `out`. */
export function copyOut(out, heap, start, length) {
  if (length <= SHORT) {
    for (let i = 0; i < length; i++) out[i] = heap[start + i];
  } else {
    apply(TA_SET, out, [heap.subarray(start, start + length)]);
  }
}

/**
 * The stream's copies (the threaded build: cpp/parallel.h): elements [i0, i1)
 * of the caller's typed array `src` into the array at byte offset p of the
 * wasm memory `memory` (a WebAssembly.Memory: its buffer is read each time,
 * as a kernel may have grown it), and back from there into `dest`. Views of
 * exactly the range, through the intrinsics: no user code, no overflow.
 */
export function copyInRange(memory, type, p, src, i0, i1) {
  if (i1 <= i0) return;
  const B = type.bytes;
  const from = new type.Array(apply(TA_BUFFER, src, []), apply(TA_OFFSET, src, []) + i0 * B, i1 - i0);
  apply(TA_SET, new type.Array(memory.buffer, p + i0 * B, i1 - i0), [from]);
}

export function copyOutRange(dest, memory, type, p, i0, i1) {
  if (i1 <= i0) return;
  apply(TA_SET, dest, [new type.Array(memory.buffer, p + i0 * type.bytes, i1 - i0), i0]);
}

/**
 * A new array of `length` elements copied from heap[start...] (copyOut's
 * counterpart when the caller gave no array). Short ones by a loop into a new
 * array (cheaper than slice's species lookup and second view); long ones by
 * the typed-array constructor from a view, which allocates without
 * zero-filling first (slice, new T(n) + set and ArrayBuffer slice all
 * zero-fill, then copy): bench/VARIANTS.md.
 */
export function freshCopy(dtype, heap, start, length) {
  if (length <= SHORT) {
    const r = new dtype.Array(length);
    for (let i = 0; i < length; i++) r[i] = heap[start + i];
    return r;
  }
  return new dtype.Array(new dtype.Array(heap.buffer, start * dtype.bytes, length));
}

function badIndex(op, i, v, classes, ignoreIndex) {
  return new RangeError(
    `${op}: target[${i}] = ${v} is not a class index in [0, ${classes}) nor ignoreIndex (${ignoreIndex})`,
  );
}

// ---- alloc -----------------------------------------------------------------

/** Checks sm.alloc's arguments and returns the dtype. */
export function checkAlloc(length, dtype) {
  if (typeof length !== 'number') throw new TypeError(`alloc: length must be a number, got ${show(length)}`);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`alloc: length must be a non-negative integer, got ${show(length)}`);
  }
  if (typeof dtype !== 'undefined' && typeof dtype !== 'string') {
    throw new TypeError(`alloc: dtype must be 'float32', 'float64' or 'int32', got ${show(dtype)}`);
  }
  const name = dtype ?? 'float32';
  const d = name === 'int32' ? INT32 : hasOwn(DTYPES, name) ? DTYPES[name] : undefined;
  if (!d) throw new RangeError(`alloc: dtype must be 'float32', 'float64' or 'int32', got ${show(dtype)}`);
  if (length * d.bytes > 2 ** 31) {
    throw new RangeError(
      `alloc: ${length} ${d.name} values need ${length * d.bytes} bytes, more than the 2 GiB of wasm memory`,
    );
  }
  return d;
}
