// softmax-wasm.js — the SoftmaxWasm class: the JS API of one wasm instance.
//
// The wrapper owns the boundary: it validates every argument (validate.js),
// places the inputs in one reusable scratch region of wasm memory, calls the
// Embind function of the op and dtype (bindings/module.cc), and copies the
// result out. Kernels never throw; a non-zero status becomes an Error here.
// load() in index.js creates instances.
import {
  DTYPES,
  INT32,
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
import { Sampling, makeRandom } from './sampling.js';

// wasm32 memory tops out at 2 GiB (Emscripten's default maximum).
const MAX_WASM_BYTES = 2 ** 31;

// Kernel status codes (cpp/softmax.h, enum Status).
const STATUS = ['ok', 'null pointer', 'bad temperature', 'size overflow', 'bad index', 'bad weight', 'bad option'];

// The options each kind of op takes.
const ALONG_AXIS_OPTIONS = ['shape', 'axis', 'temperature', 'out'];
const NLL_OPTIONS = ['shape', 'axis', 'reduction', 'weight', 'ignoreIndex', 'grad', 'out'];
const CROSS_ENTROPY_OPTIONS = [...NLL_OPTIONS, 'labelSmoothing'];

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

function heapViews(M) {
  return { f32: M.HEAPF32, f64: M.HEAPF64, i32: M.HEAP32 };
}

/** The softmax family on one wasm instance. Create it with load(). */
export class SoftmaxWasm {
  #M;
  #scratch;
  #kernel = {}; // op -> [float32, float64] Embind functions
  #views;
  #sampling;

  /** @internal */
  constructor(module, backend) {
    this.#M = module;
    this.#scratch = new Scratch(module);
    this.#views = heapViews(module);
    this.#sampling = new Sampling(module);
    for (const name of Object.keys(module)) {
      const m = /^(\w+)_(f32|f64)$/.exec(name);
      if (m) (this.#kernel[m[1]] ??= [])[m[2] === 'f32' ? 0 : 1] = module[name];
    }
    /** 'wasm-simd128' or 'wasm-scalar': the build that runs. */
    this.backend = backend;
    /** Name of the kernel variant in this build, for bug reports. */
    this.kernels = `${module.kernelVariant()}; ${module.samplingVariant()}`;
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
    return this.#alongAxis('softmax', 'x', x, undefined, undefined, options);
  }

  logSoftmax(x, options) {
    return this.#alongAxis('logSoftmax', 'x', x, undefined, undefined, options);
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
    const status = this.#kernelOf(op, dtype)(px, py, outer, n, inner);
    if (status) throw fail(op, status);
    return this.#read(dtype, py, outLength, out);
  }

  softmaxBackward(dy, y, options) {
    return this.#alongAxis('softmaxBackward', 'dy', dy, 'y', y, options);
  }

  logSoftmaxBackward(dy, y, options) {
    return this.#alongAxis('logSoftmaxBackward', 'dy', dy, 'y', y, options);
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

  // ---- sampling (bindings/sampling.js) ----------------------------------------

  /** A seeded generator for sample(): a safe integer or BigInt seed in [0, 2^64); none: from crypto.getRandomValues. */
  random(seed) {
    return makeRandom(seed);
  }

  /** The next token of every row: penalties, bias, temperature, top-k, top-p, min-p, then a seeded draw. */
  sample(logits, options) {
    return this.#sampling.sample(logits, options);
  }

  /** The logits sample() draws from: processed values where kept, -Infinity where cut. */
  filterLogits(logits, options) {
    return this.#sampling.filterLogits(logits, options);
  }

  /** torch.topk along an axis: { values, indices }. */
  topK(x, k, options) {
    return this.#sampling.topK(x, k, options);
  }

  /** torch.argmax along an axis: an Int32Array. */
  argmax(x, options) {
    return this.#sampling.argmax(x, options);
  }

  // ---- shared op drivers ---------------------------------------------------

  #loss(op, input, target, options) {
    const nll = op === 'nllLoss';
    const o = checkOptions(op, options, nll ? NLL_OPTIONS : CROSS_ENTROPY_OPTIONS);
    const inputName = nll ? 'logProbs' : 'logits';
    const dtype = dtypeOf(op, inputName, input);
    const shape = checkShape(op, o.shape, input.length, inputName);
    const axis = checkAxis(op, o.axis, shape.length, o.shape ?? shape);
    const { outer, n: classes, inner } = geometry(shape, axis);
    const shapeText = () => show(o.shape ?? shape); // for error messages only
    if (classes < 1) throw new RangeError(`${op}: the class axis (axis ${axis} of shape ${shapeText()}) must hold at least one class`);
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
        throw new RangeError(`${op}: probability target must have the logits' shape ${shapeText()} (length ${input.length}), got length ${target.length}`);
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
    if (!probTarget && !wasmIndices) this.#heap(INT32).set(indices, pIndex / 4);
    const status = this.#kernelOf(op, dtype)(
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
    const loss = reduction === 'none' ? this.#read(dtype, pNone, samples) : this.#heap(DTYPES.float64)[pTotal / 8];
    return wantGrad ? { loss, grad: this.#read(dtype, pGrad, size, out) } : { loss };
  }

  /**
   * The ops along an axis with options { shape, axis, temperature, out }: one
   * input (x) or two of one dtype and length (dy, y); the kernel takes
   * (...inputs, out, outer, n, inner, temperature). Written to allocate
   * nothing but the result: it is the per-call cost of small inputs.
   */
  #alongAxis(op, name0, x0, name1, x1, options) {
    const o = checkOptions(op, options, ALONG_AXIS_OPTIONS);
    const dtype = dtypeOf(op, name0, x0);
    const length = x0.length;
    if (name1 !== undefined) {
      sameDtype(op, name1, x1, dtype, name0);
      if (x1.length !== length) {
        throw new RangeError(`${op}: ${name1} has length ${x1.length} but ${name0} has length ${length}; they must match`);
      }
    }
    // A 1-D input along its only axis needs no shape array.
    let outer = 1;
    let n = length;
    let inner = 1;
    if (o.shape !== undefined || (o.axis !== undefined && o.axis !== -1 && o.axis !== 0)) {
      const shape = checkShape(op, o.shape, length, name0);
      ({ outer, n, inner } = geometry(shape, checkAxis(op, o.axis, shape.length, o.shape ?? shape)));
    }
    const temperature = checkTemperature(op, o.temperature);
    const out = checkOut(op, o.out, dtype, length);
    // WasmArrays are used where they live (all checked before anything is
    // written); the other arrays are copied into the scratch block, and the
    // result overwrites the copy of the first input (the kernels work in
    // place) unless `out` or the first input is a WasmArray.
    const w0 = this.#wasmPointer(op, name0, x0);
    const w1 = name1 === undefined ? -1 : this.#wasmPointer(op, name1, x1);
    const wOut = this.#wasmPointer(op, 'out', out);
    if (length === 0) return out ?? new dtype.Array(0);
    const B = dtype.bytes;
    const bytes = align16(length * B);
    let total = 0;
    const r0 = w0 < 0 ? (total += bytes) - bytes : 0;
    const r1 = name1 !== undefined && w1 < 0 ? (total += bytes) - bytes : 0;
    const rOut = wOut < 0 && w0 >= 0 ? (total += bytes) - bytes : 0;
    const base = total ? this.#scratch.base(op, total) : 0;
    const heap = this.#heap(dtype);
    const p0 = w0 >= 0 ? w0 : base + r0;
    if (w0 < 0) heap.set(x0, p0 / B);
    const p1 = name1 === undefined ? 0 : w1 >= 0 ? w1 : base + r1;
    if (name1 !== undefined && w1 < 0) heap.set(x1, p1 / B);
    const pOut = wOut >= 0 ? wOut : w0 < 0 ? p0 : base + rOut;
    const kernel = this.#kernelOf(op, dtype);
    const status =
      name1 === undefined
        ? kernel(p0, pOut, outer, n, inner, temperature)
        : kernel(p0, p1, pOut, outer, n, inner, temperature);
    if (status) throw fail(op, status);
    return this.#read(dtype, pOut, length, out);
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
    const status = this.#kernelOf(op, dtype)(px, pj, n, temperature, pw);
    if (status) throw fail(op, status);
    return this.#read(dtype, pj, size, out);
  }

  #kernelOf(op, dtype) {
    return this.#kernel[op][dtype === DTYPES.float32 ? 0 : 1];
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
    const ptrs = new Array(entries.length);
    const offsets = new Array(entries.length);
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      ptrs[i] = this.#wasmPointer(op, e[0], e[1]);
      if (ptrs[i] < 0) {
        offsets[i] = total;
        total += align16(e[2] * dtype.bytes);
      }
    }
    const base = total ? this.#scratch.base(op, total) : 0;
    for (let i = 0; i < entries.length; i++) {
      if (ptrs[i] >= 0) continue;
      ptrs[i] = base + offsets[i];
      const e = entries[i];
      if (e[3] && e[1] !== undefined) this.#heap(dtype).set(e[1], ptrs[i] / dtype.bytes);
    }
    return ptrs;
  }

  /**
   * The heap view of a dtype. Views are cached and replaced when wasm memory
   * grows (growing detaches them: their length becomes 0).
   */
  #heap(dtype) {
    if (this.#views.f32.length === 0) this.#views = heapViews(this.#M);
    return dtype === DTYPES.float32 ? this.#views.f32 : dtype === DTYPES.float64 ? this.#views.f64 : this.#views.i32;
  }

  // Heap views are re-read on every access: growing the memory detaches them.
  #read(dtype, ptr, length, out) {
    if (out instanceof WasmArray) return out;
    const start = ptr / dtype.bytes;
    const heap = this.#heap(dtype);
    if (out) {
      out.set(heap.subarray(start, start + length));
      return out;
    }
    return heap.slice(start, start + length);
  }
}
