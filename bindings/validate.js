// validate.js — argument checks shared by every op of the JS API.
//
// Each check throws at the call, before any work, a TypeError (wrong kind of
// value) or RangeError (right kind, wrong value) whose message names the op,
// the argument, the bad value and the rule.
import { WasmArray } from './wasm-array.js';

/** Element types the kernels take: the typed array class and its size. */
export const DTYPES = {
  float32: { name: 'float32', Array: Float32Array, bytes: 4 },
  float64: { name: 'float64', Array: Float64Array, bytes: 8 },
};

/** Class indices in wasm memory (sm.alloc(n, 'int32')): cross-entropy / NLL targets only. */
export const INT32 = { name: 'int32', Array: Int32Array, bytes: 4 };

/** A short, safe rendering of a bad value for an error message. */
export function show(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) {
    const head = value.slice(0, 6).map((v) => (typeof v === 'number' ? String(v) : show(v)));
    return `[${head.join(', ')}${value.length > 6 ? `, … (${value.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (value instanceof WasmArray) return `WasmArray(${value.length}, ${value.dtype})`;
  if (typeof value === 'function') return 'a function';
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** The options object: undefined or a plain object with only known keys. */
const NO_OPTIONS = Object.freeze({});

export function checkOptions(op, options, known) {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: options must be an object, got ${show(options)}`);
  }
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.includes(key)) {
      throw new TypeError(`${op}: unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
    }
  }
  return options;
}

/**
 * The dtype of a data argument: Float32Array -> float32, Float64Array or a
 * plain array of numbers -> float64, a WasmArray -> its dtype. Anything else
 * is a TypeError.
 */
export function dtypeOf(op, name, value) {
  if (value instanceof Float32Array) return DTYPES.float32;
  if (value instanceof Float64Array) return DTYPES.float64;
  if (value instanceof WasmArray) {
    const d = WasmArray.dtypeOf(value);
    if (d === INT32) {
      throw new TypeError(`${op}: ${name} is an int32 WasmArray; it must hold float32 or float64 values (int32 is for class-index targets)`);
    }
    return d;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== 'number') {
        throw new TypeError(`${op}: ${name}[${i}] must be a number, got ${show(value[i])}`);
      }
    }
    return DTYPES.float64;
  }
  throw new TypeError(
    `${op}: ${name} must be a Float32Array, a Float64Array, an array of numbers or a WasmArray, got ${show(value)}`,
  );
}

/** Every data argument of one call must share the first one's dtype. */
export function sameDtype(op, name, value, dtype, firstName) {
  const d = dtypeOf(op, name, value);
  if (d !== dtype) {
    throw new TypeError(`${op}: ${name} is ${d.name} but ${firstName} is ${dtype.name}; all arrays of one call share one dtype`);
  }
  return d;
}

/** shape: an array of non-negative integers whose product is `length`. */
export function checkShape(op, shape, length, lengthName) {
  if (shape === undefined) return [length];
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${show(shape)}`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number') throw new TypeError(`${op}: shape[${i}] must be a number, got ${show(d)}`);
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${op}: shape[${i}] must be a non-negative integer, got ${show(d)} in shape ${show(shape)}`);
    }
    size *= d;
  }
  if (size !== length) {
    throw new RangeError(
      `${op}: shape ${show(shape)} holds ${size} elements but ${lengthName} has length ${length}; the length must be the product of the shape`,
    );
  }
  return shape.length === 0 ? [1] : shape;
}

/** axis: an integer in [-rank, rank), negative counting from the end. */
export function checkAxis(op, axis, rank, shape) {
  if (axis === undefined) return rank - 1;
  if (typeof axis !== 'number') throw new TypeError(`${op}: axis must be an integer, got ${show(axis)}`);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(
      `${op}: axis must be an integer in [${-rank}, ${rank - 1}] for shape ${show(shape)}, got ${show(axis)}`,
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

/** out: undefined, or a typed array or WasmArray of the call's dtype and `length`. */
export function checkOut(op, out, dtype, length) {
  if (out === undefined) return undefined;
  const isWasm = out instanceof WasmArray;
  if (!(out instanceof dtype.Array) && !(isWasm && WasmArray.dtypeOf(out) === dtype)) {
    throw new TypeError(`${op}: out must be a ${dtype.Array.name} or a ${dtype.name} WasmArray (the dtype of the inputs), got ${show(out)}`);
  }
  if (out.length !== length) {
    throw new RangeError(`${op}: out must have length ${length}, got ${out.length}`);
  }
  return out;
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

export const REDUCTIONS = { none: 0, mean: 1, sum: 2 };

/** reduction: 'mean' (default), 'sum' or 'none'. */
export function checkReduction(op, reduction) {
  if (reduction === undefined) return 'mean';
  if (typeof reduction !== 'string') throw new TypeError(`${op}: reduction must be a string, got ${show(reduction)}`);
  if (!(reduction in REDUCTIONS)) {
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

/** weight: undefined, or C class weights >= 0 (typed array of the dtype or plain numbers). */
export function checkWeight(op, weight, dtype, classes) {
  if (weight === undefined) return undefined;
  if (Array.isArray(weight) || weight instanceof dtype.Array) {
    if (weight.length !== classes) {
      throw new RangeError(`${op}: weight must have one entry per class (${classes}), got length ${weight.length}`);
    }
    for (let c = 0; c < classes; c++) {
      const w = weight[c];
      if (typeof w !== 'number') throw new TypeError(`${op}: weight[${c}] must be a number, got ${show(w)}`);
      if (!(w >= 0)) throw new RangeError(`${op}: weight[${c}] must be a number >= 0, got ${show(w)}`);
    }
    return weight;
  }
  throw new TypeError(`${op}: weight must be a ${dtype.Array.name} (the logits' dtype) or an array of numbers, got ${show(weight)}`);
}

const INDEX_ARRAYS = [Int32Array, Int16Array, Int8Array, Uint32Array, Uint16Array, Uint8Array, Uint8ClampedArray];

/**
 * Class-index targets: an integer typed array, a plain array of integers, or
 * one number (for a single sample), of `samples` entries, each in [0, C) or
 * equal to ignoreIndex. Returns an Int32Array (the input itself if it is one).
 * shapeText() renders the logits' shape for the error message.
 */
export function checkIndexTarget(op, target, samples, classes, ignoreIndex, shapeText) {
  let t = target;
  if (typeof t === 'number') t = [t];
  const wasm = t instanceof WasmArray && WasmArray.dtypeOf(t) === INT32;
  if (t instanceof WasmArray && !wasm) {
    throw new TypeError(`${op}: a WasmArray target must be int32 class indices (sm.alloc(n, 'int32')); probability targets go in as typed arrays`);
  }
  if (wasm && t.freed) throw new TypeError(`${op}: target is a WasmArray that was freed`);
  if (wasm) t = t.array; // validated through a view; the kernel reads it where it lives
  const typed = INDEX_ARRAYS.some((A) => t instanceof A);
  if (!typed && !Array.isArray(t)) {
    throw new TypeError(
      `${op}: target must be class indices (an Int32Array, an integer typed array or an array of integers) or class probabilities (a typed array of the logits' dtype and shape), got ${show(target)}`,
    );
  }
  if (t.length !== samples) {
    throw new RangeError(
      `${op}: target holds ${t.length} class indices but the logits of shape ${shapeText()} have ${samples} samples (the shape without the class axis)`,
    );
  }
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (!typed && (typeof v !== 'number' || !Number.isInteger(v))) {
      throw new TypeError(`${op}: target[${i}] must be an integer class index, got ${show(v)}`);
    }
    if (v !== ignoreIndex && !(v >= 0 && v < classes)) {
      throw new RangeError(
        `${op}: target[${i}] = ${v} is not a class index in [0, ${classes}) nor ignoreIndex (${ignoreIndex})`,
      );
    }
  }
  if (wasm) return target;
  return t instanceof Int32Array ? t : Int32Array.from(t);
}
