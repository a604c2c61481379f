// wasm-array.js — arrays that live in wasm memory (sm.alloc), for the
// zero-copy path: an op given WasmArrays reads and writes them in place.
//
// This module imports nothing: validate.js checks the arguments (of alloc and
// of every op) and reads a WasmArray's private state through the accessors
// exported below, so the import graph runs one way (validate.js -> here).

/** Element types: the typed array class, its size, and the Embind suffix. */
export const DTYPES = Object.freeze({
  float32: Object.freeze({ name: 'float32', Array: Float32Array, bytes: 4 }),
  float64: Object.freeze({ name: 'float64', Array: Float64Array, bytes: 8 }),
});

/** Class indices in wasm memory (sm.alloc(n, 'int32')): cross-entropy / NLL targets only. */
export const INT32 = Object.freeze({ name: 'int32', Array: Int32Array, bytes: 4 });

/** Bytes rounded up to a multiple of 16. */
export const align16 = (bytes) => Math.ceil(bytes / 16) * 16;

/**
 * `bytes` of wasm memory at a 16-byte boundary, or 0 when the heap is full
 * (free() takes it as malloc's). Emscripten's malloc aligns to 8 only, and an
 * array at 8 mod 16 makes every fourth SIMD128 load straddle a cache line:
 * 1.02-1.07x the kernel's time (bench/VARIANTS.md, "softmaxBackward against
 * native, round 2"). sm.alloc's arrays and the ops' scratch blocks come from here.
 */
export function malloc16(module, bytes) {
  return module._aligned_alloc(16, align16(bytes)) >>> 0;
}

// Frees what users forget. The held value must not reference the WasmArray.
const registry = new FinalizationRegistry(({ module, ptr }) => module._free(ptr));

// Accessors of the private state, for validate.js (set in the static block).
let brand;
let readInto;
let ptrOf;
let moduleOf;
let lengthOf;
let dtypeOf;

export class WasmArray {
  #module;
  #ptr;
  #length;
  #dtype;

  /** @internal Use sm.alloc(length, dtype); validate.js has checked length and dtype. */
  constructor(module, length, dtype, op) {
    const ptr = length === 0 ? 0 : malloc16(module, length * dtype.bytes);
    if (length !== 0 && !ptr) {
      throw new RangeError(
        `${op}: could not allocate ${length} ${dtype.name} values in wasm memory (at most 2 GiB in all)`,
      );
    }
    this.#module = module;
    this.#ptr = ptr;
    this.#length = length;
    this.#dtype = dtype;
    if (ptr) registry.register(this, { module, ptr }, this);
  }

  /** 'float32', 'float64' or 'int32'. */
  get dtype() {
    return this.#dtype.name;
  }

  get length() {
    return this.#length;
  }

  /** Whether free() was called. */
  get freed() {
    return this.#ptr === -1;
  }

  /**
   * A fresh typed-array view of the data. Views die (become length 0) when
   * wasm memory grows, so take a new one after any call instead of keeping it.
   */
  get array() {
    if (this.#ptr === -1) throw new TypeError('WasmArray.array: this array was freed');
    return new this.#dtype.Array(this.#module.HEAPU8.buffer, this.#ptr, this.#length);
  }

  /** Releases the memory; later use throws. Calling it again does nothing. */
  free() {
    if (this.#ptr === -1) return;
    if (this.#ptr) {
      registry.unregister(this);
      this.#module._free(this.#ptr);
    }
    this.#ptr = -1;
  }

  [Symbol.dispose]() {
    this.free();
  }

  static {
    // The private-brand check runs no user code: a Proxy of a WasmArray, or
    // an object made with WasmArray.prototype, has no #ptr and is not one.
    brand = (value) => typeof value === 'object' && value !== null && #ptr in value;
    readInto = (value, r) => {
      if (typeof value !== 'object' || value === null || !(#ptr in value)) return false;
      r.ptr = value.#ptr;
      r.module = value.#module;
      r.length = value.#length;
      r.dtype = value.#dtype;
      return true;
    };
    ptrOf = (value) => value.#ptr;
    moduleOf = (value) => value.#module;
    lengthOf = (value) => value.#length;
    dtypeOf = (value) => value.#dtype;
  }
}

/** @internal Whether value is a genuine WasmArray (not a Proxy or a forgery). */
export function isWasmArray(value) {
  return brand(value);
}

/**
 * @internal If value is a genuine WasmArray, copies its { ptr (-1 once
 * freed), module, length, dtype } into r and returns true; else false. One
 * call for the per-call fast path.
 */
export function readWasmArray(value, r) {
  return readInto(value, r);
}

/** @internal The byte offset of a genuine WasmArray's data; -1 once freed. */
export function wasmPtr(value) {
  return ptrOf(value);
}

/** @internal The Emscripten module a genuine WasmArray belongs to. */
export function wasmModule(value) {
  return moduleOf(value);
}

/** @internal The element count of a genuine WasmArray. */
export function wasmLength(value) {
  return lengthOf(value);
}

/** @internal The dtype (DTYPES.float32, DTYPES.float64 or INT32) of a genuine WasmArray. */
export function wasmDtype(value) {
  return dtypeOf(value);
}
