// softmax-wasm.js — the SoftmaxWasm class: the JS API of one wasm instance.
//
// Its public ops come from the op table (ops.js): each entry becomes a method
// sm[name] run by the driver of its kind (#DRIVERS below). A driver reads the
// call's arguments through validate.js in two phases — first everything that
// can run user code (options, plain arrays), then, with no user code any
// more, the typed arrays and WasmArrays through their brands, and the checks
// — and only then places the data in one reusable scratch block of wasm
// memory, calls the op's Embind function (bindings/module.cc) and copies the
// result out. Kernels never throw; a non-zero status becomes an Error, which
// the checks make unreachable. load() in index.js creates instances.
import { OPS } from './ops.js';
import {
  Arg,
  COPIED,
  OptionValues,
  DTYPES,
  INT32,
  OPTION_NAMES,
  REDUCTIONS,
  WASM,
  checkAlloc,
  checkIndexValues,
  checkNotOut,
  checkTarget,
  checkWeightValues,
  copyIn,
  copyInRange,
  copyInto,
  copyOut,
  copyOutRange,
  copyPhase,
  geometry,
  pinViews,
  readIndexTarget,
  refreshViews,
  readNumbers,
  readOptions,
  readShape,
  showNumbers,
  freshCopy,
  takeData,
  typedArrayTag,
} from './validate.js';
import { align16, malloc16, WasmArray } from './wasm-array.js';
import { Sampling, makeRandom } from './sampling.js';

// wasm32 memory tops out at 2 GiB (Emscripten's default maximum).
const MAX_WASM_BYTES = 2 ** 31;

// Kernel status codes (cpp/softmax.h, enum Status).
const STATUS = ['ok', 'null pointer', 'bad temperature', 'size overflow', 'bad index', 'bad weight', 'bad option'];

function fail(op, status) {
  // The wrapper validates everything a kernel checks, so this is a bug.
  return new Error(
    `${op}: kernel returned status ${status} (${STATUS[status] ?? 'unknown'}); please report this with sm.kernels`,
  );
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

  /** Whether the block already holds `total` bytes (then base() allocates nothing). */
  fits(total) {
    return this.#ptr !== 0 && total <= this.#bytes;
  }

  /** The block's byte offset (never 0), grown first to at least `total` bytes. */
  base(op, total) {
    if (total > this.#bytes || this.#ptr === 0) {
      if (total > MAX_WASM_BYTES) {
        throw new RangeError(
          `${op}: the call needs ${formatBytes(total)} of wasm memory, more than the 2 GiB a wasm32 module can address`,
        );
      }
      const M = this.#module;
      if (this.#ptr) M._free(this.#ptr);
      this.#ptr = 0;
      this.#bytes = 0;
      const bytes = Math.max(total, 64);
      const ptr = malloc16(M, bytes);
      if (!ptr) {
        throw new RangeError(`${op}: could not allocate ${formatBytes(total)} of wasm memory (at most 2 GiB in all)`);
      }
      this.#ptr = ptr;
      this.#bytes = bytes;
    }
    return this.#ptr;
  }
}

function formatBytes(n) {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${n} bytes`;
}

function heapViews(M) {
  return { f32: M.HEAPF32, f64: M.HEAPF64, i32: M.HEAP32 };
}

// What the drivers read of each entry (by index in OPS), resolved once at
// load with own-property lookups only, so that a polluted Object.prototype
// or Array.prototype cannot add an option, an argument or a target kind.
const own = (object, key) => (Object.hasOwn(object, key) ? object[key] : undefined);
const PLANS = OPS.map((e) => {
  const C = e.options;
  return Object.freeze({
    op: e.name,
    C,
    // readOptions' `known`: the table's options, or their names when the
    // fast snapshot (OptionValues) lacks one of them.
    known: Object.keys(C).every((name) => OPTION_NAMES.includes(name)) ? C : Object.freeze(Object.keys(C)),
    name0: e.args[0],
    name1: e.args.length === 2 ? e.args[1] : undefined,
    shape: own(C, 'shape'),
    axis: own(C, 'axis'),
    temperature: own(C, 'temperature'),
    out: own(C, 'out'),
    reduction: own(C, 'reduction'),
    weight: own(C, 'weight'),
    ignoreIndex: own(C, 'ignoreIndex'),
    labelSmoothing: own(C, 'labelSmoothing'),
    grad: own(C, 'grad'),
    probabilityTargets: own(e, 'probabilityTargets') === true,
  });
});

/**
 * A big call's copies in and out of wasm memory on the threaded build, done
 * by the kernel's run_tasks through the callbacks in() and out() (EM_JS in
 * cpp/threads.cc, as Module.smwStream) by outer slices of `per` elements, so
 * that they overlap the workers' computing (cpp/parallel.h, the stream).
 * One per instance, refilled per call.
 */
class Stream {
  memory = undefined;
  type = undefined;
  outer = 0;
  per = 0;
  ins = []; // byte offset, source array, ...
  outs = []; // byte offset, destination array, ...
  inDone = 0; // slices [0, inDone) are in
  outDone = 0; // and [0, outDone) out

  begin(memory, type, outer, per) {
    this.memory = memory;
    this.type = type;
    this.outer = outer;
    this.per = per;
    this.inDone = 0;
    this.outDone = 0;
  }

  in(o0, o1) {
    const { ins, per } = this;
    for (let k = 0; k < ins.length; k += 2) copyInRange(this.memory, this.type, ins[k], ins[k + 1], o0 * per, o1 * per);
    this.inDone = o1;
  }

  out(o0, o1) {
    const { outs, per } = this;
    for (let k = 0; k < outs.length; k += 2)
      copyOutRange(outs[k + 1], this.memory, this.type, outs[k], o0 * per, o1 * per);
    this.outDone = o1;
  }

  /** Runs kernel(...args) with the stream armed (arm, the call, end). */
  run(M, kernel, args) {
    this.arm(M);
    let status;
    try {
      status = kernel(...args);
    } finally {
      this.end(M, status);
    }
    return status;
  }

  arm(M) {
    M._smw_stream_arm(this.outer);
  }

  /**
   * After the kernel call (status undefined: it threw): whatever the kernel left undone is
   * copied now, and the stream lets go of the caller's arrays.
   */
  end(M, status) {
    // No run_tasks took the stream (a kernel that returned early): disarm it.
    if (this.inDone === 0) M._smw_stream_arm(0);
    if (status === 0) {
      if (this.inDone < this.outer) this.in(this.inDone, this.outer);
      if (this.outDone < this.outer) this.out(this.outDone, this.outer);
    }
    this.ins.length = 0;
    this.outs.length = 0;
  }
}

/** What SoftmaxWasm #prologue read and checked of a call: options, x, shape, geometry. */
class Call {
  o = undefined;
  a = undefined;
  shapeIn = undefined;
  outer = 1;
  n = 0;
  inner = 1;
}

/** The softmax family on one wasm instance. Create it with load(). */
export class SoftmaxWasm {
  #M;
  #scratch;
  #kernels; // per op (index in OPS): { float32: fn, float64: fn }
  #views;
  #sampling; // the sampling ops' driver (sampling.js)
  #pool; // the threaded build's ThreadPool (threads.js), else undefined
  #small; // beside a pool: an instance of the single-thread SIMD build for calls not shared (#engine)
  #stream; // beside a pool: its Stream
  #disposed = false;
  // The fast path's reusable snapshots (#alongAxis).
  #busy = false;
  #slotOptions = new OptionValues();
  #slot0 = new Arg();
  #slot1 = new Arg();
  #slotOut = new Arg();

  /** @internal */
  constructor(module, backend, pool, small) {
    this.#M = module;
    this.#pool = pool;
    this.#small = small;
    if (pool !== undefined) module.smwStream = this.#stream = new Stream();
    this.#scratch = new Scratch(module);
    this.#views = heapViews(module);
    this.#kernels = OPS.map((e) => {
      const fns = {};
      for (const [dtype, binding] of Object.entries(e.bindings)) {
        const fn = Object.hasOwn(module, binding) ? module[binding] : undefined;
        if (typeof fn !== 'function') {
          throw new Error(
            `softmax-wasm: op ${e.name} (${dtype}) needs the Embind function ${binding}, which this wasm build does not export; ` +
              'the .wasm does not match bindings/ops.js (rebuild with npm run build, or bind it in bindings/module.cc)',
          );
        }
        fns[dtype] = fn;
      }
      return fns;
    });
    // The sampling ops route their unshared copied calls as #engine does (a row is never split).
    this.#sampling = new Sampling(
      module,
      this.#kernels,
      small?.#sampling,
      small && ((work, rows) => rows <= 1 || work < pool.minWork || pool.threads === 1),
    );
    /** 'wasm-simd128' or 'wasm-scalar': the kernels that run (sm.threads: on how many threads). */
    this.backend = backend;
    /** Name of the kernel variant in this build, for bug reports. */
    this.kernels = `${module.kernelVariant()}; ${module.samplingVariant()}`;
    Object.freeze(this);
  }

  /**
   * How many threads share a big call (the calling thread included); 1 for the single-thread
   * builds. On the threaded build it may be set from 1 to the number load() started with.
   */
  get threads() {
    return this.#pool === undefined || this.#pool.lost ? 1 : this.#pool.threads;
  }

  set threads(k) {
    const max = this.#pool === undefined ? 1 : this.#pool.size;
    if (!Number.isInteger(k) || k < 1 || k > max) {
      throw new RangeError(
        `threads must be an integer from 1 to ${max} (the threads this instance was loaded with), got ${String(k)}`,
      );
    }
    this.#live('threads');
    if (this.#pool !== undefined) this.#pool.threads = k;
  }

  /**
   * Ends this instance: its worker threads stop, and every later call throws. Its WasmArrays
   * must not be used any more. Also `using sm = await load()`.
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pool?.dispose();
  }

  [Symbol.dispose]() {
    this.dispose();
  }

  #live(op) {
    if (this.#disposed) throw new Error(`${op}: this softmax-wasm instance was disposed; load() a new one`);
    if (this.#pool?.lost) {
      throw new Error(`${op}: ${this.#pool.lost.message}; dispose this instance and load() a new one`, {
        cause: this.#pool.lost,
      });
    }
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
    this.#live('alloc');
    return new WasmArray(this.#M, length, checkAlloc(length, dtype), 'alloc');
  }

  /**
   * A seeded generator for sample() (Philox4x32-10, sampling.js): a
   * non-negative safe integer or a BigInt below 2^64; none: seeded from
   * crypto.getRandomValues. Not an op (no kernel): it only holds a key and a
   * position, and any instance accepts it.
   */
  random(seed) {
    return makeRandom(seed);
  }

  // ---- the drivers, one per kind of op (ops.js) -----------------------------

  static #DRIVERS = Object.freeze({
    __proto__: null,
    alongAxis: (sm, i, a, b, options) => sm.#alongAxis(i, a, b, options),
    reduction: (sm, i, a, _b, options) => sm.#reduction(i, a, options),
    jacobian: (sm, i, a, _b, options) => sm.#jacobian(i, a, options),
    loss: (sm, i, a, b, options) => sm.#loss(i, a, b, options),
    // The sampling kinds (sampling.js reads, checks, places and runs them by
    // the same two-phase rules). They run on the calling thread; their rows
    // could be shared through run_tasks (cpp/parallel.h) as the layouts are.
    sample: (sm, i, a, _b, options) => sm.#sampling.sample(OPS[i], i, a, options),
    filter: (sm, i, a, _b, options) => sm.#sampling.filterLogits(OPS[i], i, a, options),
    topK: (sm, i, a, b, options) => sm.#sampling.topK(OPS[i], i, a, b, options),
    argmax: (sm, i, a, _b, options) => sm.#sampling.argmax(OPS[i], i, a, options),
  });

  // The public methods, one per entry of OPS: sm.softmax(x, options),
  // sm.softmaxBackward(dy, y, options), sm.crossEntropy(logits, target, options), ...
  static {
    OPS.forEach((e, i) => {
      const drive = SoftmaxWasm.#DRIVERS[e.kind];
      if (drive === undefined) throw new Error(`softmax-wasm: op ${e.name} has kind ${e.kind}, which no driver runs`);
      // A disposed instance, or a threaded one whose worker died, throws before any work.
      const method =
        e.args.length === 2
          ? {
              [e.name](a, b, options) {
                if (this.#disposed || this.#pool !== undefined) this.#live(e.name);
                return drive(this, i, a, b, options);
              },
            }[e.name]
          : {
              [e.name](a, options) {
                if (this.#disposed || this.#pool !== undefined) this.#live(e.name);
                return drive(this, i, a, undefined, options);
              },
            }[e.name];
      Object.defineProperty(SoftmaxWasm.prototype, e.name, {
        __proto__: null,
        value: method,
        writable: true,
        configurable: true,
      });
    });
  }

  /**
   * logSumExp and the Jacobians read their one data argument through
   * #prologue. (The ops along an axis do the same reads in #alongAxisWith,
   * with reused snapshots and a second argument: routed through a shared
   * prologue and record, their 1x8 calls cost up to 11% more;
   * bench/VARIANTS.md.)
   */
  #reduction(i, x, options) {
    return this.#reductionWith(i, this.#prologue(i, x, options));
  }

  #jacobian(i, x, options) {
    return this.#jacobianWith(i, this.#prologue(i, x, options));
  }

  /**
   * Reads a call of one data argument x: phase 1, everything that can run
   * user code (the options, a plain array, the shape); phase 2, none (x
   * through its brand), then the geometry along the axis where the op has
   * shape and axis options (a 1-D x along its only axis: (1, length, 1)).
   */
  #prologue(i, x, options) {
    const P = PLANS[i];
    const op = P.op;
    const name = P.name0;
    // Phase 1: everything that can run user code.
    const o = readOptions(op, options, P.known);
    const sx = readNumbers(op, name, x);
    const shapeIn = readShape(op, o.shape);
    // Phase 2: no user code from here on.
    const c = new Call();
    c.o = o;
    c.a = takeData(op, name, x, sx, this.#M);
    c.shapeIn = shapeIn;
    c.n = c.a.length;
    if (shapeIn !== undefined || (o.axis !== undefined && o.axis !== -1 && o.axis !== 0)) {
      const shape = P.shape(op, shapeIn, c.a.length, name);
      const g = geometry(shape, P.axis(op, o.axis, shape.length, shapeIn ?? shape));
      c.outer = g.outer;
      c.n = g.n;
      c.inner = g.inner;
    }
    return c;
  }

  /**
   * Where a call runs whose arrays are all copied in and out (none a WasmArray): a threaded
   * instance sends the calls its pool would not share (fewer elements than the pool's threshold,
   * at most one task's rows, or one thread active) to its single-thread instance, whose memory
   * is not shared: V8 copies into and out of a SharedArrayBuffer word by word (relaxed atomics),
   * 1.5-2x slower than the memcpy of an ArrayBuffer for 1k-64k elements (bench/VARIANTS.md).
   * The kernels are the same code, so the results are the same bits.
   */
  #engine(work, outer, inner) {
    const pool = this.#pool;
    if (this.#small === undefined) return this;
    return work < pool.minWork || (inner === 1 && outer <= 4) || pool.threads === 1 ? this.#small : this;
  }

  /**
   * The ops along an axis with options { shape, axis, temperature, out }: one
   * input (x) or two of one dtype and length (dy, y); the kernel takes
   * (...inputs, out, outer, n, inner, temperature). Written to allocate
   * little but the result: it is the per-call cost of small inputs.
   */
  #alongAxis(i, x0, x1, options) {
    // The fast path reuses one options snapshot and three Args per instance
    // instead of allocating them. A call that re-enters this instance (from a
    // getter, in phase 1) allocates its own, so nothing it does can reach the
    // outer call's snapshot.
    if (this.#busy) return this.#alongAxisWith(i, x0, x1, options, undefined, undefined, undefined, undefined);
    this.#busy = true;
    try {
      return this.#alongAxisWith(i, x0, x1, options, this.#slotOptions, this.#slot0, this.#slot1, this.#slotOut);
    } finally {
      this.#busy = false;
      // Keep no reference to the caller's arrays.
      this.#slot0.src = this.#slot0.value = undefined;
      this.#slot1.src = this.#slot1.value = undefined;
      this.#slotOut.src = this.#slotOut.value = undefined;
      this.#slotOptions.out = this.#slotOptions.shape = undefined;
    }
  }

  #alongAxisWith(i, x0, x1, options, slotOptions, slot0, slot1, slotOut) {
    const P = PLANS[i];
    const op = P.op;
    const name0 = P.name0;
    const name1 = P.name1;
    const M = this.#M;
    // Phase 1: everything that can run user code.
    const o = readOptions(op, options, P.known, slotOptions);
    // A typed array (its brand never changes) is no plain array: no call to read one.
    const s0 = typedArrayTag(x0) === undefined ? readNumbers(op, name0, x0) : undefined;
    const s1 = name1 === undefined || typedArrayTag(x1) !== undefined ? undefined : readNumbers(op, name1, x1);
    const shapeIn = readShape(op, o.shape);
    // Phase 2: no user code from here on.
    const a0 = takeData(op, name0, x0, s0, M, undefined, undefined, slot0);
    const dtype = a0.type;
    const length = a0.length;
    let a1;
    if (name1 !== undefined) {
      a1 = takeData(op, name1, x1, s1, M, dtype, name0, slot1);
      if (a1.length !== length) {
        throw new RangeError(
          `${op}: ${name1} has length ${a1.length} but ${name0} has length ${length}; they must match`,
        );
      }
    }
    // A 1-D input along its only axis needs no shape array.
    let outer = 1;
    let n = length;
    let inner = 1;
    if (shapeIn !== undefined || (o.axis !== undefined && o.axis !== -1 && o.axis !== 0)) {
      const shape = P.shape(op, shapeIn, length, name0);
      ({ outer, n, inner } = geometry(shape, P.axis(op, o.axis, shape.length, shapeIn ?? shape)));
    }
    // Options not given take the checks' defaults (T = 1, no out) without calling them.
    const temperature = o.temperature === undefined ? 1 : P.temperature(op, o.temperature);
    const out = o.out === undefined ? undefined : P.out(op, o.out, M, dtype, length, slotOut);
    if (length === 0) return out === undefined ? new dtype.Array(0) : out.value;
    // WasmArrays are used where they live; the other arrays are copied into
    // the scratch block, and the result overwrites the copy of the first
    // input (the kernels work in place) unless `out` or the first input is
    // a WasmArray.
    const w0 = a0.kind === WASM;
    const w1 = a1 !== undefined && a1.kind === WASM;
    const wOut = out !== undefined && out.kind === WASM;
    const E = w0 || w1 || wOut ? this : this.#engine(length, outer, inner);
    const B = dtype.bytes;
    // On the threaded instance's shared memory each copy sits at its source's phase (copyPhase);
    // the result then has a region of its own when the copy of x0 is out of phase with `out`.
    const shared = E === this && this.#pool !== undefined;
    const ph0 = shared ? copyPhase(a0) : 0;
    const ph1 = shared && a1 !== undefined ? copyPhase(a1) : 0;
    const phOut = shared && out !== undefined ? copyPhase(out) : 0;
    const ownOut = !wOut && (w0 || phOut !== ph0);
    const bytes = align16(length * B + (shared ? 8 : 0));
    // Regions of the scratch block, in order: a copy of x0, of x1, then out.
    const r0 = 0;
    const r1 = w0 ? 0 : bytes;
    const rOut = r1 + (a1 === undefined || w1 ? 0 : bytes);
    const total = rOut + (ownOut ? bytes : 0);
    const base =
      total === 0 ? 0 : E.#scratch.fits(total) ? E.#scratch.base(op, total) : E.#reserve(op, total, [a0, a1, out]);
    const p0 = w0 ? a0.ptr : base + r0 + ph0;
    const p1 = a1 === undefined ? 0 : w1 ? a1.ptr : base + r1 + ph1;
    const pOut = wOut ? out.ptr : ownOut ? base + rOut + phOut : p0;
    const kernel = E.#kernels[i][dtype.name];
    // A big call on threads: the copies overlap the workers' computing (Stream).
    if (
      E === this &&
      this.#pool !== undefined &&
      length >= this.#pool.streamFrom &&
      !(w0 && (a1 === undefined || w1) && wOut)
    ) {
      return this.#alongAxisStreamed(op, kernel, a0, p0, a1, p1, out, pOut, outer, n, inner, temperature);
    }
    if (!w0) copyIn(E.#M, E.#heap(dtype, p0 / B + length), dtype, p0, a0);
    if (a1 !== undefined && !w1) copyIn(E.#M, E.#heap(dtype, p1 / B + length), dtype, p1, a1);
    const status =
      a1 === undefined
        ? kernel(p0, pOut, outer, n, inner, temperature)
        : kernel(p0, p1, pOut, outer, n, inner, temperature);
    if (status) throw fail(op, status);
    return E.#result(dtype, pOut, length, out);
  }

  /** #alongAxisWith's big call on threads: the copies of typed arrays are streamed (Stream). */
  #alongAxisStreamed(op, kernel, a0, p0, a1, p1, out, pOut, outer, n, inner, temperature) {
    const dtype = a0.type;
    const s = this.#stream;
    s.begin(this.#pool.memory, dtype, outer, n * inner);
    if (a0.kind !== WASM) s.ins.push(p0, a0.src);
    if (a1 !== undefined && a1.kind !== WASM) s.ins.push(p1, a1.src);
    const wOut = out !== undefined && out.kind === WASM;
    const dest = wOut ? undefined : out === undefined ? new dtype.Array(a0.length) : out.src;
    if (dest !== undefined) s.outs.push(pOut, dest);
    const status = s.run(
      this.#M,
      kernel,
      a1 === undefined ? [p0, pOut, outer, n, inner, temperature] : [p0, p1, pOut, outer, n, inner, temperature],
    );
    if (status) throw fail(op, status);
    return out === undefined ? dest : wOut ? out.value : out.ptr >= 0 ? out.src : out.value;
  }

  /** logSumExp: x -> the shape without the axis; options { shape, axis, out }. */
  #reductionWith(i, c) {
    const P = PLANS[i];
    const op = P.op;
    const M = this.#M;
    const o = c.o;
    const a = c.a;
    const dtype = a.type;
    const shapeIn = c.shapeIn;
    const outer = c.outer;
    const n = c.n;
    const inner = c.inner;
    const outLength = outer * inner;
    if (outLength * dtype.bytes > MAX_WASM_BYTES) {
      throw new RangeError(
        `${op}: shape ${showNumbers(shapeIn)} along axis ${o.axis ?? -1} gives a result of ${outLength} values, more than the 2 GiB of wasm memory holds`,
      );
    }
    const out = P.out(op, o.out, M, dtype, outLength);
    if (n === 0 || outLength === 0) {
      // Nothing to sum: every result is -Infinity (logsumexp of an empty set).
      if (out === undefined) return new dtype.Array(outLength).fill(-Infinity);
      if (out.kind === COPIED) {
        copyInto(out.src, new dtype.Array(outLength).fill(-Infinity));
        return out.value;
      }
      const at = out.ptr / dtype.bytes;
      this.#heap(dtype, at + outLength).fill(-Infinity, at, at + outLength);
      return out.value;
    }
    const E = a.kind === WASM || out?.kind === WASM ? this : this.#engine(a.length, outer, inner);
    const [px, py] = E.#place(op, dtype, undefined, [a, out ?? outLength]);
    const status = E.#kernels[i][dtype.name](px, py, outer, n, inner);
    if (status) throw fail(op, status);
    return E.#result(dtype, py, outLength, out);
  }

  /** The n x n Jacobian of a 1-D x; options { temperature, out }. */
  #jacobianWith(i, c) {
    const P = PLANS[i];
    const op = P.op;
    const name = P.name0;
    const M = this.#M;
    const o = c.o;
    const a = c.a;
    const dtype = a.type;
    const temperature = P.temperature(op, o.temperature);
    const n = a.length;
    const size = n * n;
    const bytes = size * dtype.bytes + n * (dtype.bytes + 8);
    if (bytes > MAX_WASM_BYTES) {
      throw new RangeError(
        `${op}: ${name} has length ${n}, and its ${n} x ${n} Jacobian needs ${formatBytes(size * dtype.bytes)}, ` +
          'more than the 2 GiB a wasm32 module can address; use the O(n) backward ops (softmaxBackward / logSoftmaxBackward) instead',
      );
    }
    const out = P.out(op, o.out, M, dtype, size);
    if (n === 0) return out === undefined ? new dtype.Array(0) : out.value;
    const [pj, px, pw] = this.#place(op, dtype, undefined, [out ?? size, a, n * (8 / dtype.bytes)]);
    const status = this.#kernels[i][dtype.name](px, pj, n, temperature, pw);
    if (status) throw fail(op, status);
    return this.#result(dtype, pj, size, out);
  }

  /**
   * crossEntropy / nllLoss: input (logits or log-probabilities) and target
   * (class indices, or probabilities where the entry allows them); options
   * { shape, axis, reduction, weight, ignoreIndex, [labelSmoothing], grad, out }.
   */
  #loss(i, input, target, options) {
    const P = PLANS[i];
    const op = P.op;
    const inputName = P.name0;
    const M = this.#M;
    // Phase 1.
    const o = readOptions(op, options, P.known);
    const sIn = readNumbers(op, inputName, input);
    const sTarget = readIndexTarget(op, target);
    const sWeight = o.weight === undefined ? undefined : readNumbers(op, 'weight', o.weight);
    const shapeIn = readShape(op, o.shape);
    // Phase 2.
    const a = takeData(op, inputName, input, sIn, M);
    const dtype = a.type;
    const size = a.length;
    const shape = P.shape(op, shapeIn, size, inputName);
    const axis = P.axis(op, o.axis, shape.length, shapeIn ?? shape);
    const { outer, n: classes, inner } = geometry(shape, axis);
    const shapeText = () => showNumbers(shapeIn ?? shape); // for error messages only
    if (classes < 1)
      throw new RangeError(`${op}: the class axis (axis ${axis} of shape ${shapeText()}) must hold at least one class`);
    const reduction = P.reduction(op, o.reduction);
    const ignoreIndex = P.ignoreIndex(op, o.ignoreIndex);
    const labelSmoothing = P.labelSmoothing === undefined ? 0 : P.labelSmoothing(op, o.labelSmoothing);
    const wantGrad = P.grad(op, o.grad);
    const w = P.weight(op, o.weight, sWeight, M, dtype, classes);
    if (o.out !== undefined && !wantGrad) {
      throw new TypeError(`${op}: out receives the gradient; it needs grad: true`);
    }
    const out = P.out(op, o.out, M, dtype, size);
    const samples = outer * inner;
    const t = checkTarget(op, target, sTarget, M, dtype, size, samples, P.probabilityTargets, shapeText);
    checkNotOut(op, out, [t, w]);
    // Class indices the kernel reads where they live (an int32 WasmArray) are
    // checked by the kernel, in its first pass over them, before it writes
    // anything (cpp/cross_entropy.cc check_loss: kBadIndex). On that status,
    // and on any error thrown before the kernel runs (so that a bad index
    // still comes first), checkIndexValues reads them here and throws for the
    // first bad one. (This JS pass ran on every call: ~3% of a 65536x10 one.)
    const indicesInPlace = !t.probabilities && t.kind === WASM && samples > 0;
    try {
      return this.#lossCall(
        i,
        op,
        dtype,
        a,
        t,
        w,
        out,
        size,
        outer,
        classes,
        inner,
        reduction,
        ignoreIndex,
        labelSmoothing,
        wantGrad,
      );
    } catch (e) {
      if (indicesInPlace)
        checkIndexValues(op, this.#heap(INT32, t.ptr / 4 + samples), t.ptr / 4, samples, classes, ignoreIndex);
      throw e;
    }
  }

  /** #loss from the placement on: everything checked but in-place class indices. */
  #lossCall(i, op, dtype, a, t, w, out, size, outer, classes, inner, reduction, ignoreIndex, labelSmoothing, wantGrad) {
    const samples = outer * inner;
    if (w !== undefined && w.kind === WASM) {
      checkWeightValues(op, this.#heap(dtype, w.ptr / dtype.bytes + classes), w.ptr / dtype.bytes, classes);
    }

    const E =
      a.kind === WASM || t.kind === WASM || w?.kind === WASM || out?.kind === WASM
        ? this
        : this.#engine(size, outer, inner);
    // Place everything; copied weights and class indices are checked as they
    // are copied (each value read once).
    const indicesCopied = !t.probabilities && t.kind === COPIED;
    // A big call on threads: the logits, probability targets and gradient are streamed (Stream).
    const stream =
      E === this &&
      this.#pool !== undefined &&
      size >= this.#pool.streamFrom &&
      (a.kind === COPIED ||
        (t.probabilities && t.kind === COPIED) ||
        (wantGrad && (out === undefined || out.kind === COPIED)));
    const [pIn, pProb, pWeight, pNone, pGrad, pIndex, pTotal] = E.#place(
      op,
      dtype,
      [t, w],
      [
        a,
        t.probabilities ? t : 0,
        w === undefined ? 0 : w.kind === COPIED ? classes : w,
        reduction === 'none' ? samples : 0,
        out ?? (wantGrad ? size : 0),
        indicesCopied ? Math.ceil((samples * 4) / dtype.bytes) : t.probabilities ? 0 : t,
        8 / dtype.bytes,
      ],
      stream,
    );
    if (indicesCopied) {
      // Read from the caller's array, or from wasm memory for a view of it.
      const values = t.src;
      checkIndexValues(
        op,
        values,
        0,
        samples,
        classes,
        ignoreIndex,
        E.#heap(INT32, pIndex / 4 + samples),
        pIndex / 4,
        t.type.big === true,
      );
    }
    if (w !== undefined && w.kind === COPIED)
      checkWeightValues(op, w.src, 0, classes, E.#heap(dtype, pWeight / dtype.bytes + classes), pWeight / dtype.bytes);
    // An empty batch: the kernel needs no geometry, and dimensions of 2^32 or
    // more would wrap in its size_t.
    const empty = samples === 0;
    let grad;
    if (stream) {
      const s = this.#stream;
      s.begin(this.#pool.memory, dtype, outer, classes * inner);
      if (a.kind === COPIED) s.ins.push(pIn, a.src);
      if (t.probabilities && t.kind === COPIED) s.ins.push(pProb, t.src);
      if (wantGrad) {
        grad =
          out === undefined
            ? new dtype.Array(size)
            : out.kind === WASM
              ? out.value
              : out.ptr >= 0
                ? out.src
                : out.value;
        if (out === undefined || out.kind === COPIED) s.outs.push(pGrad, out === undefined ? grad : out.src);
      }
      s.arm(this.#M);
    }
    let status;
    try {
      status = E.#kernels[i][dtype.name](
        pIn,
        t.probabilities ? 0 : pIndex,
        t.probabilities ? pProb : 0,
        w === undefined ? 0 : pWeight,
        empty ? 0 : outer,
        empty && w === undefined ? 1 : classes,
        empty ? 0 : inner,
        ignoreIndex,
        REDUCTIONS[reduction],
        labelSmoothing,
        reduction === 'none' ? pNone : 0,
        pTotal,
        wantGrad ? pGrad : 0,
      );
    } finally {
      if (stream) this.#stream.end(this.#M, status);
    }
    if (status) throw fail(op, status);
    const loss =
      reduction === 'none'
        ? E.#result(dtype, pNone, samples, undefined)
        : E.#heap(DTYPES.float64, pTotal / 8 + 1)[pTotal / 8];
    if (!wantGrad) return { loss };
    return { loss, grad: stream ? grad : E.#result(dtype, pGrad, size, out) };
  }

  // ---- placement and results ------------------------------------------------

  /**
   * Byte offsets of a call's arrays, each given as an Arg (used where it
   * lives, or copied into the scratch block) or as a number of dtype
   * elements (a result or work area in the scratch block; 0 for none).
   * `also`: Args the caller copies itself, which must survive memory growth.
   * `streamed`: the data arguments are not copied here (the call's Stream does).
   * All checks are done before: nothing here runs user code, and the only
   * allocation (the scratch block) happens before the copies.
   */
  #place(op, dtype, also, entries, streamed = false) {
    const B = dtype.bytes;
    const ptrs = new Array(entries.length);
    // On the threaded instance's shared memory, each copy at its source's phase (copyPhase).
    const shared = this.#pool !== undefined;
    let total = 0;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (typeof e === 'number') {
        ptrs[k] = total;
        total += align16(e * B);
      } else if (e.kind === COPIED) {
        ptrs[k] = total + (shared ? copyPhase(e) : 0);
        total += align16(e.length * e.type.bytes + (shared ? 8 : 0));
      } else {
        ptrs[k] = -1;
      }
    }
    const base = this.#reserve(op, total, also === undefined ? entries : [...entries, ...also]);
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (ptrs[k] < 0) {
        ptrs[k] = e.ptr;
        continue;
      }
      ptrs[k] += base;
      // Copied inputs go in now (class indices and weights are given as
      // sizes: the caller copies them as it checks them); `out` is a result.
      if (typeof e !== 'number' && e.name !== 'out' && !streamed) {
        copyIn(this.#M, this.#heap(dtype, ptrs[k] / B + e.length), dtype, ptrs[k], e);
      }
    }
    return ptrs;
  }

  /**
   * The scratch block for `total` bytes. Growing it may grow wasm memory,
   * which detaches every view of it: typed-array views of wasm memory among
   * the call's arrays are found first, and afterwards read (or, for `out`,
   * written) through fresh views of the same bytes.
   */
  #reserve(op, total, args) {
    const scratch = this.#scratch;
    if (scratch.fits(total)) return scratch.base(op, total);
    const before = this.#M.HEAPU8.buffer;
    const pinned = pinViews(args, before);
    const base = scratch.base(op, total);
    const after = this.#M.HEAPU8.buffer;
    if (pinned && after !== before) refreshViews(args, after);
    return base;
  }

  /**
   * The heap view of a dtype, good for the elements [0, end). Views are
   * cached: growing wasm memory detaches an ArrayBuffer's views (length 0)
   * and leaves a shared memory's (the threaded build's) valid but short, so
   * a cached view that does not reach `end` is replaced by fresh ones. A
   * length check: reading M.HEAPF32.buffer instead costs ~19 ns a call.
   */
  #heap(dtype, end) {
    const v = this.#views;
    const view = dtype === DTYPES.float32 ? v.f32 : dtype === DTYPES.float64 ? v.f64 : v.i32;
    if (end <= view.length) return view;
    const fresh = heapViews(this.#M);
    this.#views = fresh;
    return dtype === DTYPES.float32 ? fresh.f32 : dtype === DTYPES.float64 ? fresh.f64 : fresh.i32;
  }

  /** The result at ptr: `out` itself (a WasmArray, or a typed array it is copied into) or a new array. */
  #result(dtype, ptr, length, out) {
    if (out !== undefined && out.kind === WASM) return out.value;
    const start = ptr / dtype.bytes;
    const heap = this.#heap(dtype, start + length);
    if (out === undefined) return freshCopy(dtype, heap, start, length);
    copyOut(out.src, heap, start, length);
    // A view of wasm memory that growing the memory detached: out.src is a fresh view of it.
    return out.ptr >= 0 ? out.src : out.value;
  }
}
