// wasm-array.js — arrays that live in wasm memory (sm.alloc), for the
// zero-copy path: an op given WasmArrays reads and writes them in place.
import { DTYPES, INT32, show } from './validate.js';

// Frees what users forget. The held value must not reference the WasmArray.
const registry = new FinalizationRegistry(({ module, ptr }) => module._free(ptr));

export class WasmArray {
  #module;
  #ptr;
  #length;
  #dtype;

  /** @internal Use sm.alloc(length, dtype). */
  constructor(module, length, dtype, op) {
    const ptr = length === 0 ? 0 : module._malloc(length * dtype.bytes) >>> 0;
    if (length !== 0 && !ptr) {
      throw new RangeError(`${op}: could not allocate ${length} ${dtype.name} values in wasm memory (at most 2 GiB in all)`);
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

  /** @internal The byte offset of a live array of this module, or a TypeError naming the argument. */
  static pointer(value, module, op, name) {
    if (value.#ptr === -1) throw new TypeError(`${op}: ${name} is a WasmArray that was freed`);
    if (value.#module !== module) {
      throw new TypeError(`${op}: ${name} is a WasmArray of another softmax-wasm instance; allocate it with this instance's alloc()`);
    }
    return value.#ptr;
  }

  /** @internal */
  static dtypeOf(value) {
    return value.#dtype;
  }
}

/** Checks sm.alloc's arguments and returns the dtype. */
export function allocDtype(length, dtype) {
  if (typeof length !== 'number') throw new TypeError(`alloc: length must be a number, got ${show(length)}`);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`alloc: length must be a non-negative integer, got ${show(length)}`);
  }
  if (typeof dtype !== 'undefined' && typeof dtype !== 'string') {
    throw new TypeError(`alloc: dtype must be 'float32', 'float64' or 'int32', got ${show(dtype)}`);
  }
  const name = dtype ?? 'float32';
  const d = name === 'int32' ? INT32 : Object.hasOwn(DTYPES, name) ? DTYPES[name] : undefined;
  if (!d) throw new RangeError(`alloc: dtype must be 'float32', 'float64' or 'int32', got ${show(dtype)}`);
  if (length * d.bytes > 2 ** 31) {
    throw new RangeError(`alloc: ${length} ${d.name} values need ${length * d.bytes} bytes, more than the 2 GiB of wasm memory`);
  }
  return d;
}
