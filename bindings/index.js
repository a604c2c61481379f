// index.js — the JS API of softmax-wasm (ES module entry; index.cjs wraps it).
//
// The wrapper owns the boundary: it validates every argument (validate.js),
// places the inputs in one reusable scratch region of wasm memory, calls the
// Embind function of the op and dtype (bindings/module.cc), and copies the
// result out. Kernels never throw; a non-zero status becomes an Error here.
import {
  DTYPES,
  REDUCTIONS,
  checkAxis,
  checkFlag,
  checkIgnoreIndex,
  checkIndexTarget,
  checkLabelSmoothing,
  checkReduction,
  checkWeight,
  checkOptions,
  checkOut,
  checkShape,
  checkTemperature,
  dtypeOf,
  geometry,
  sameDtype,
  show,
} from './validate.js';
import { WasmArray, allocDtype } from './wasm-array.js';

const IS_NODE = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

// The smallest module that uses a SIMD128 instruction: (func (result v128) v128.const 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

// wasm32 memory tops out at 2 GiB (Emscripten's default maximum).
const MAX_WASM_BYTES = 2 ** 31;

// Kernel status codes (cpp/softmax.h, enum Status).
const STATUS = ['ok', 'null pointer', 'bad temperature', 'size overflow', 'bad index', 'bad weight', 'bad option'];

function fail(op, status) {
  // The wrapper validates everything a kernel checks, so this is a bug.
  return new Error(`${op}: kernel returned status ${status} (${STATUS[status] ?? 'unknown'}); please report this with sm.kernels`);
}

/**
 * One growable block of wasm memory reused by every call, so a call costs no
 * malloc/free once the block is large enough.
 */
class Scratch {
  #module;
  #ptr = 0;
  #bytes = 0;

  constructor(module) {
    this.#module = module;
  }

  /** Byte offsets of regions of the given sizes (16-byte aligned), growing the block if needed. */
  reserve(op, sizes) {
    const offsets = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total += align16(size);
    }
    const base = this.base(op, total);
    return offsets.map((o) => base + o);
  }

  /** The block's byte offset, grown first to at least `total` bytes. */
  base(op, total) {
    if (total > this.#bytes) {
      if (total > MAX_WASM_BYTES) {
        throw new RangeError(
          `${op}: the call needs ${formatBytes(total)} of wasm memory, more than the 2 GiB a wasm32 module can address`,
        );
      }
      const M = this.#module;
      if (this.#ptr) M._free(this.#ptr);
      this.#ptr = 0;
      this.#bytes = 0;
      const ptr = M._malloc(total) >>> 0;
      if (!ptr) {
        throw new RangeError(`${op}: could not allocate ${formatBytes(total)} of wasm memory (at most 2 GiB in all)`);
      }
      this.#ptr = ptr;
      this.#bytes = total;
    }
    return this.#ptr;
  }
}

function align16(bytes) {
  return Math.ceil(bytes / 16) * 16;
}

function formatBytes(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${n} bytes`;
}

function heapOf(M, dtype) {
  return dtype === DTYPES.float32 ? M.HEAPF32 : M.HEAPF64;
}

/** The softmax family on one wasm instance. Create it with load(). */
export class SoftmaxWasm {
  #M;
  #scratch;
  #kernel = {}; // op -> dtype name -> the Embind function

  /** @internal */
  constructor(module, backend) {
    this.#M = module;
    this.#scratch = new Scratch(module);
    for (const name of Object.keys(module)) {
      const m = /^(\w+)_(f32|f64)$/.exec(name);
      if (m) (this.#kernel[m[1]] ??= {})[m[2] === 'f32' ? 'float32' : 'float64'] = module[name];
    }
    /** 'wasm-simd128' or 'wasm-scalar': the build that runs. */
    this.backend = backend;
    /** Name of the kernel variant in this build, for bug reports. */
    this.kernels = module.kernelVariant();
    Object.freeze(this);
  }

  /** Current size of the wasm memory in bytes. */
  get memoryBytes() {
    return this.#M.HEAPU8.buffer.byteLength;
  }

  /**
   * An array of `length` values that lives in wasm memory: ops given it as
   * input or `out` read and write it in place, with no copy. Free it with
   * free() (or a `using` declaration); a forgotten one is freed when collected.
   */
  alloc(length, dtype = 'float32') {
    return new WasmArray(this.#M, length, allocDtype(length, dtype), 'alloc');
  }

  softmax(x, options) {
    return this.#alongAxis('softmax', [['x', x]], options);
  }

  logSoftmax(x, options) {
    return this.#alongAxis('logSoftmax', [['x', x]], options);
  }

  logSumExp(x, options) {
    const op = 'logSumExp';
    const o = checkOptions(op, options, ['shape', 'axis', 'out']);
    const dtype = dtypeOf(op, 'x', x);
    const shape = checkShape(op, o.shape, x.length, 'x');
    const axis = checkAxis(op, o.axis, shape.length, o.shape ?? shape);
    const { outer, n, inner } = geometry(shape, axis);
    const outLength = outer * inner;
    const out = checkOut(op, o.out, dtype, outLength);
    this.#checkLive(op, ['x', x], ['out', out]);
    if (n === 0 || outLength === 0) {
      // Nothing to sum: every result is -Infinity (logsumexp of an empty set).
      if (out instanceof WasmArray) {
        out.array.fill(-Infinity);
        return out;
      }
      return (out ?? new dtype.Array(outLength)).fill(-Infinity);
    }
    const [px, py] = this.#place(op, dtype, [
      ['x', x, x.length, true],
      ['out', out, outLength, false],
    ]);
    const status = this.#kernel[op][dtype.name](px, py, outer, n, inner);
    if (status) throw fail(op, status);
    return this.#read(dtype, py, outLength, out);
  }

  softmaxBackward(dy, y, options) {
    return this.#alongAxis('softmaxBackward', [['dy', dy], ['y', y]], options);
  }

  logSoftmaxBackward(dy, y, options) {
    return this.#alongAxis('logSoftmaxBackward', [['dy', dy], ['y', y]], options);
  }

  softmaxJacobian(x, options) {
    return this.#jacobian('softmaxJacobian', x, options);
  }

  logSoftmaxJacobian(x, options) {
    return this.#jacobian('logSoftmaxJacobian', x, options);
  }

  /**
   * Cross-entropy of logits against class indices or class probabilities,
   * with torch.nn.functional.cross_entropy's semantics; grad: true also
   * returns d loss / d logits from the same pass.
   */
  crossEntropy(logits, target, options) {
    return this.#loss('crossEntropy', logits, target, options);
  }

  /** NLL loss of log-probabilities against class indices (torch.nn.functional.nll_loss). */
  nllLoss(logProbs, target, options) {
    return this.#loss('nllLoss', logProbs, target, options);
  }

  // ---- shared op drivers ---------------------------------------------------

  #loss(op, input, target, options) {
    const nll = op === 'nllLoss';
    const known = ['shape', 'axis', 'reduction', 'weight', 'ignoreIndex', 'grad', 'out'];
    if (!nll) known.splice(5, 0, 'labelSmoothing');
    const o = checkOptions(op, options, known);
    const inputName = nll ? 'logProbs' : 'logits';
    const dtype = dtypeOf(op, inputName, input);
    const shape = checkShape(op, o.shape, input.length, inputName);
    const axis = checkAxis(op, o.axis, shape.length, o.shape ?? shape);
    const { outer, n: classes, inner } = geometry(shape, axis);
    const shapeText = show(o.shape ?? shape);
    if (classes < 1) throw new RangeError(`${op}: the class axis (axis ${axis} of shape ${shapeText}) must hold at least one class`);
    const reduction = checkReduction(op, o.reduction);
    const ignoreIndex = checkIgnoreIndex(op, o.ignoreIndex);
    const labelSmoothing = nll ? 0 : checkLabelSmoothing(op, o.labelSmoothing);
    const wantGrad = checkFlag(op, 'grad', o.grad);
    const weight = checkWeight(op, o.weight, dtype, classes);
    if (o.out !== undefined && !wantGrad) {
      throw new TypeError(`${op}: out receives the gradient; it needs grad: true`);
    }
    const out = checkOut(op, o.out, dtype, input.length);
    const samples = outer * inner;
    const probTarget = !nll && (target instanceof Float32Array || target instanceof Float64Array);
    let indices;
    if (probTarget) {
      if (!(target instanceof dtype.Array)) {
        throw new TypeError(`${op}: probability target is ${target.constructor.name} but the logits are ${dtype.name}; they share one dtype`);
      }
      if (target.length !== input.length) {
        throw new RangeError(`${op}: probability target must have the logits' shape ${shapeText} (length ${input.length}), got length ${target.length}`);
      }
    } else {
      if (target instanceof Float32Array || target instanceof Float64Array) {
        throw new TypeError(`${op}: target must be class indices (an Int32Array or an array of integers), got ${show(target)}`);
      }
      indices = checkIndexTarget(op, target, samples, classes, ignoreIndex, shapeText);
    }

    const size = input.length;
    const wasmIndices = indices instanceof WasmArray;
    const [pIn, pProb, pWeight, pNone, pGrad, pIndex, pTotal] = this.#place(op, dtype, [
      [inputName, input, size, true],
      ['target', probTarget ? target : undefined, probTarget ? size : 0, true],
      ['weight', weight, weight ? classes : 0, true],
      ['loss', undefined, reduction === 'none' ? samples : 0, false],
      ['out', out, wantGrad ? size : 0, false],
      ['target', wasmIndices ? indices : undefined, probTarget || wasmIndices ? 0 : Math.ceil((samples * 4) / dtype.bytes), false],
      ['loss', undefined, 8 / dtype.bytes, false],
    ]);
    if (!probTarget && !wasmIndices) this.#M.HEAP32.set(indices, pIndex / 4);
    const status = this.#kernel[op][dtype.name](
      pIn,
      probTarget ? 0 : pIndex,
      probTarget ? pProb : 0,
      weight ? pWeight : 0,
      outer,
      classes,
      inner,
      ignoreIndex,
      REDUCTIONS[reduction],
      labelSmoothing,
      reduction === 'none' ? pNone : 0,
      pTotal,
      wantGrad ? pGrad : 0,
    );
    if (status) throw fail(op, status);
    const loss = reduction === 'none' ? this.#read(dtype, pNone, samples) : this.#M.HEAPF64[pTotal / 8];
    return wantGrad ? { loss, grad: this.#read(dtype, pGrad, size, out) } : { loss };
  }

  /**
   * The ops along an axis with options { shape, axis, temperature, out }:
   * inputs are [name, array] pairs of one dtype and length (x; or dy, y), and
   * the kernel takes (...inputs, out, outer, n, inner, temperature).
   */
  #alongAxis(op, inputs, options) {
    const o = checkOptions(op, options, ['shape', 'axis', 'temperature', 'out']);
    const [firstName, first] = inputs[0];
    const dtype = dtypeOf(op, firstName, first);
    for (let i = 1; i < inputs.length; i++) {
      const [name, data] = inputs[i];
      sameDtype(op, name, data, dtype, firstName);
      if (data.length !== first.length) {
        throw new RangeError(`${op}: ${name} has length ${data.length} but ${firstName} has length ${first.length}; they must match`);
      }
    }
    const shape = checkShape(op, o.shape, first.length, firstName);
    const axis = checkAxis(op, o.axis, shape.length, o.shape ?? shape);
    const temperature = checkTemperature(op, o.temperature);
    const out = checkOut(op, o.out, dtype, first.length);
    if (first.length === 0) {
      this.#checkLive(op, inputs[0], inputs[1] ?? [], ['out', out]);
      return out ?? new dtype.Array(0);
    }
    const { outer, n, inner } = geometry(shape, axis);
    const second = inputs.length > 1 ? inputs[1][1] : undefined;
    const kernel = this.#kernel[op][dtype.name];
    // WasmArrays are used where they live (all checked before anything is
    // written); the other arrays are copied into the scratch block, and the
    // result overwrites the copy of the first input (the kernels work in
    // place) unless `out` or the first input is a WasmArray.
    const w0 = this.#wasmPointer(op, firstName, first);
    const w1 = second === undefined ? -1 : this.#wasmPointer(op, inputs[1][0], second);
    const wOut = this.#wasmPointer(op, 'out', out);
    const B = dtype.bytes;
    const bytes = align16(first.length * B);
    let total = 0;
    const r0 = w0 < 0 ? (total += bytes) - bytes : 0;
    const r1 = second !== undefined && w1 < 0 ? (total += bytes) - bytes : 0;
    const rOut = wOut < 0 && w0 >= 0 ? (total += bytes) - bytes : 0;
    const base = total ? this.#scratch.base(op, total) : 0;
    const heap = heapOf(this.#M, dtype);
    const p0 = w0 >= 0 ? w0 : base + r0;
    if (w0 < 0) heap.set(first, p0 / B);
    const p1 = second === undefined ? 0 : w1 >= 0 ? w1 : base + r1;
    if (second !== undefined && w1 < 0) heap.set(second, p1 / B);
    const pOut = wOut >= 0 ? wOut : w0 < 0 ? p0 : base + rOut;
    const status =
      second === undefined
        ? kernel(p0, pOut, outer, n, inner, temperature)
        : kernel(p0, p1, pOut, outer, n, inner, temperature);
    if (status) throw fail(op, status);
    return this.#read(dtype, pOut, first.length, out);
  }

  #jacobian(op, x, options) {
    const o = checkOptions(op, options, ['temperature', 'out']);
    const dtype = dtypeOf(op, 'x', x);
    const temperature = checkTemperature(op, o.temperature);
    const n = x.length;
    const size = n * n;
    const bytes = size * dtype.bytes + n * (dtype.bytes + 8);
    if (bytes > MAX_WASM_BYTES) {
      throw new RangeError(
        `${op}: x has length ${n}, and its ${n} x ${n} Jacobian needs ${formatBytes(size * dtype.bytes)}, ` +
          'more than the 2 GiB a wasm32 module can address; use the O(n) backward ops (softmaxBackward / logSoftmaxBackward) instead',
      );
    }
    const out = checkOut(op, o.out, dtype, size);
    if (n === 0) {
      this.#checkLive(op, ['x', x], ['out', out]);
      return out ?? new dtype.Array(0);
    }
    const [pj, px, pw] = this.#place(op, dtype, [
      ['out', out, size, false],
      ['x', x, n, true],
      ['work', undefined, n * (8 / dtype.bytes), false],
    ]);
    const status = this.#kernel[op][dtype.name](px, pj, n, temperature, pw);
    if (status) throw fail(op, status);
    return this.#read(dtype, pj, size, out);
  }

  /** Checks [name, value] pairs as #wasmPointer does, for calls that return before placing anything. */
  #checkLive(op, ...pairs) {
    for (const [name, value] of pairs) this.#wasmPointer(op, name, value);
  }

  /** The byte offset of a WasmArray argument (a TypeError if freed or foreign), or -1 for any other value. */
  #wasmPointer(op, name, value) {
    return value instanceof WasmArray ? WasmArray.pointer(value, this.#M, op, name) : -1;
  }

  /**
   * Byte offsets of a call's arrays, given as [name, data, length in dtype
   * elements, copy in]: a WasmArray is used where it lives (no copy); any
   * other array, or none (undefined: a result or work area), gets a region of
   * the scratch block, and inputs are copied there. Every WasmArray is checked
   * before anything is written.
   */
  #place(op, dtype, entries) {
    const own = entries.map(([name, data]) => this.#wasmPointer(op, name, data));
    const regions = this.#scratch.reserve(
      op,
      entries.map(([, , length], i) => (own[i] >= 0 ? 0 : length * dtype.bytes)),
    );
    return entries.map(([, data, , copyIn], i) => {
      if (own[i] >= 0) return own[i];
      if (copyIn && data !== undefined) heapOf(this.#M, dtype).set(data, regions[i] / dtype.bytes);
      return regions[i];
    });
  }

  // Heap views are re-read on every access: growing the memory detaches them.
  #read(dtype, ptr, length, out) {
    if (out instanceof WasmArray) return out;
    const start = ptr / dtype.bytes;
    const heap = heapOf(this.#M, dtype);
    if (out) {
      out.set(heap.subarray(start, start + length));
      return out;
    }
    return heap.slice(start, start + length);
  }
}

async function nodeWasmBinary(file) {
  const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  return readFile(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)));
}

/**
 * Loads a softmax-wasm instance.
 * @param {{ simd?: boolean, wasmBinary?: ArrayBuffer | Uint8Array, locateFile?: (path: string, prefix: string) => string }} [options]
 *   simd: true / false forces the SIMD128 / scalar build; by default SIMD is used where the engine has it.
 *   wasmBinary: the .wasm bytes of the chosen build, if you load them yourself.
 *   locateFile: maps the .wasm file name to a URL (browsers, bundlers, CDNs).
 */
export async function load(options = {}) {
  const o = checkOptions('load', options, ['simd', 'wasmBinary', 'locateFile']);
  if (o.simd !== undefined && typeof o.simd !== 'boolean') {
    throw new TypeError(`load: simd must be true, false or undefined, got ${show(o.simd)}`);
  }
  if (o.locateFile !== undefined && typeof o.locateFile !== 'function') {
    throw new TypeError(`load: locateFile must be a function, got ${show(o.locateFile)}`);
  }
  if (o.wasmBinary !== undefined && !(o.wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(o.wasmBinary))) {
    throw new TypeError(`load: wasmBinary must be an ArrayBuffer or a Uint8Array, got ${show(o.wasmBinary)}`);
  }
  const hasSimd = simdSupported();
  if (o.simd === true && !hasSimd) throw new RangeError('load: simd: true was asked for, but this engine has no WebAssembly SIMD128');
  const simd = o.simd ?? hasSimd;
  const { default: factory } = simd
    ? await import('../dist/softmax-simd.mjs')
    : await import('../dist/softmax-scalar.mjs');
  const moduleArgs = {};
  if (o.locateFile) moduleArgs.locateFile = o.locateFile;
  if (o.wasmBinary) moduleArgs.wasmBinary = o.wasmBinary;
  else if (IS_NODE && !o.locateFile) {
    // Node 20's global fetch cannot read file: URLs; give the glue the bytes.
    moduleArgs.wasmBinary = await nodeWasmBinary(simd ? 'softmax-simd.wasm' : 'softmax-scalar.wasm');
  }
  const module = await factory(moduleArgs);
  return new SoftmaxWasm(module, simd ? 'wasm-simd128' : 'wasm-scalar');
}
