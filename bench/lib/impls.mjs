// impls.mjs — every implementation the harness times, behind one interface.
//
// An implementation is { id, label, kind, setup(), prepare(op, shape, inputs) }.
// setup() loads it once (and returns facts about the build that ran);
// prepare() returns, for one op and shape, either { skip: reason } or
//   { run, isAsync?, before?, result(), dispose() }      (timed in-process), or
//   { sample(iterations), estimate(), result() }        (the native child process),
// where run() is one call, result() gives { out, loss? } for the check against
// ours, and before() (untimed) runs ahead of each sample.
//
// kind: 'ours' rows are bold in the table; 'peer' rows are other libraries;
// 'limit' rows are bounds (native C++, memcpy), not competitors.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { OPS as TABLE } from '../../bindings/ops.js';
import { BENCH, checksum, naiveOps } from './data.mjs';
import { modelFor } from './onnx.mjs';
import { registerLossGradients } from './tfjs-gradients.mjs';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A package's version from its package.json (some packages' "exports" hide that file from require). */
function versionOf(pkg) {
  return JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, 'utf8')).version;
}

const skip = (reason) => ({ skip: reason });
/** A row that does not apply to an op (no such op in that library, a bound of another op): left out of its table. */
const notApplicable = (reason) => ({ skip: reason, inapplicable: true });

// ---- softmax-wasm ---------------------------------------------------------------------

/** The data arguments of an op on the bench inputs, in call order (BENCH[op].args). */
const argsOf = (op, inp) => BENCH[op].args.map((name) => inp[name]);

/** The options every call of an op on a shape passes: { shape, axis } for the ops along an axis, loss ops with grad. */
function baseOptions(op, shape) {
  const b = BENCH[op];
  const o = b.alongAxis ? { shape: shape.dims, axis: shape.axis } : {};
  return b.loss ? { ...o, grad: true } : o;
}

/** One call of sm[op] on prebuilt arguments and options (closures by arity: no spread in the timed call). */
function caller(sm, op, args, opts) {
  if (args.length === 1) {
    const [a] = args;
    return () => sm[op](a, opts);
  }
  const [a, b] = args;
  return () => sm[op](a, b, opts);
}

/** What a call gives for the check against ours: { out, loss? } (a loss op's array is its gradient). */
function resultOf(op, r) {
  if (BENCH[op].loss) return { out: Float32Array.from(r.grad.array ?? r.grad), loss: r.loss };
  return { out: Float32Array.from(r.array ?? r) };
}

/** The public API: plain Float32Array in, a new array out (or `out` given: for a loss, the gradient). */
function oursApi(sm, { withOut }) {
  return (op, shape, inp) => {
    const opts = baseOptions(op, shape);
    if (withOut) opts.out = new Float32Array(BENCH[op].outLength(shape));
    const run = caller(sm, op, argsOf(op, inp), opts);
    // With `out` given a call returns no new array: its garbage is a few small objects.
    return { run, quiet: withOut, result: () => resultOf(op, run()) };
  };
}

/**
 * Zero-copy through sm.alloc(length, dtype): inputs (class indices as int32)
 * and the output live in wasm memory, so a call copies nothing. The options
 * object is built once, outside the timed call: an object spread costs
 * ~0.7 us in V8, more than a 1x8 softmax, and the other rows pass prebuilt
 * options too.
 */
function oursZeroCopy(sm) {
  return (op, shape, inp) => {
    const handles = [];
    const alloc = (length, dtype, data) => {
      const h = sm.alloc(length, dtype);
      handles.push(h);
      if (data) h.array.set(data);
      return h;
    };
    const args = argsOf(op, inp).map((a) => alloc(a.length, a instanceof Int32Array ? 'int32' : 'float32', a));
    const opts = { ...baseOptions(op, shape), out: alloc(BENCH[op].outLength(shape), 'float32') };
    const run = caller(sm, op, args, opts);
    return {
      run,
      quiet: true,
      result: () => resultOf(op, run()),
      dispose: () => handles.forEach((h) => h.free()),
    };
  };
}

/** The raw Embind entry points of dist/softmax-simd.mjs on heap pointers: the kernel plus the call, no validation, no copies. */
async function loadRawModule() {
  const { default: factory } = await import('../../dist/softmax-simd.mjs');
  const wasmBinary = await readFile(new URL('../../dist/softmax-simd.wasm', import.meta.url));
  return factory({ wasmBinary });
}

function oursKernel(M) {
  return (op, shape, inp) => {
    const { outer, n, inner } = shape;
    const outLength = BENCH[op].outLength(shape);
    const ptrs = [];
    const malloc = (bytes) => {
      const p = M._malloc(bytes) >>> 0;
      if (!p) throw new RangeError(`raw kernel: could not allocate ${bytes} bytes`);
      ptrs.push(p);
      return p;
    };
    const put = (data) => {
      const p = malloc(data.length * 4);
      (data instanceof Int32Array ? M.HEAP32 : M.HEAPF32).set(data, p / 4);
      return p;
    };
    const pOut = malloc(outLength * 4);
    const f = M[TABLE.find((entry) => entry.name === op).bindings.float32];
    const [p0, p1] = argsOf(op, inp).map(put);
    let run;
    let loss = () => undefined;
    if (BENCH[op].loss) {
      const pTotal = malloc(8);
      // (input, target_index, target_prob, weight, outer, C, inner, ignore_index, reduction = mean, smoothing, loss_none, loss_total, grad)
      run = () => f(p0, p1, 0, 0, outer, n, inner, -100, 1, 0, 0, pTotal, pOut);
      loss = () => M.HEAPF64[pTotal / 8];
    } else if (BENCH[op].jacobian) {
      const pWork = malloc(shape.size * 8);
      run = () => f(p0, pOut, shape.size, 1, pWork);
    } else if (op === 'logSumExp') {
      run = () => f(p0, pOut, outer, n, inner);
    } else if (BENCH[op].args.length === 2) {
      run = () => f(p0, p1, pOut, outer, n, inner, 1);
    } else {
      run = () => f(p0, pOut, outer, n, inner, 1);
    }
    return {
      run,
      quiet: true,
      result: () => {
        const status = run();
        if (status !== 0) throw new Error(`raw ${op} kernel returned status ${status}`);
        return { out: M.HEAPF32.slice(pOut / 4, pOut / 4 + outLength), loss: loss() };
      },
      dispose: () => ptrs.forEach((p) => M._free(p)),
    };
  };
}

/**
 * The memcpy bound of softmaxBackward, measured as HEAPU8.copyWithin inside the
 * wasm heap (V8 runs it as a native memmove): it copies the 8N bytes of y and
 * dy (what softmaxBackward reads) to a separate region, so it reads 8N bytes
 * and writes 8N; softmaxBackward reads the same 8N and writes 4N.
 */
function memcpyBound(M) {
  return (op, shape) => {
    if (op !== 'softmaxBackward') return notApplicable('the memcpy bound is measured for softmaxBackward only');
    const bytes = 2 * shape.size * 4;
    const src = M._malloc(bytes) >>> 0;
    const dst = M._malloc(bytes) >>> 0;
    if (!src || !dst) throw new RangeError(`memcpy: could not allocate 2 x ${bytes} bytes`);
    return {
      run: () => M.HEAPU8.copyWithin(dst, src, src + bytes),
      quiet: true,
      dispose: () => {
        M._free(src);
        M._free(dst);
      },
    };
  };
}

/**
 * The floor of any API that returns a new typed array (ours typed in/out,
 * tfjs end to end, onnxruntime-web): a fresh Float32Array of the N result
 * floats copied out of the wasm heap, made as ours makes it (the
 * constructor from a view of the heap: no zero fill before the copy; tfjs
 * uses HEAPU8.slice and onnxruntime-web new Float32Array(n) + set, which
 * zero-fill first). When the array's pages are new to the process, most of
 * this is page faults, whoever allocates.
 */
function resultAllocFloor(M) {
  return (op, shape) => {
    const length = BENCH[op].outLength(shape);
    const ptr = M._malloc(length * 4) >>> 0;
    if (!ptr) throw new RangeError(`result floor: could not allocate ${length * 4} bytes`);
    return {
      run: () => new Float32Array(new Float32Array(M.HEAPF32.buffer, ptr, length)),
      dispose: () => M._free(ptr),
    };
  };
}

// ---- TensorFlow.js ------------------------------------------------------------------

/**
 * The tfjs ops as a tfjs user writes them; an op tfjs does not have is not
 * here (its row is left out of that op's table). tf.softmax / tf.logSoftmax
 * take the last axis only, so a strided axis goes through transposes.
 * softmaxBackward and logSoftmaxBackward are tfjs's own Softmax and
 * LogSoftmax gradient expressions, dy*y - sum(dy*y) * y and
 * dy - sum(dy) * exp(ly), given y / ly. crossEntropy is
 * tf.losses.softmaxCrossEntropy (mean over samples) on tf.oneHot(targets),
 * with tf.valueAndGrad for the loss and d loss / d logits.
 */
function tfjsOps(tf, shape) {
  const last = shape.axis === shape.dims.length - 1;
  const perm = shape.dims.map((_, i) => i);
  perm[shape.axis] = perm.length - 1;
  perm[perm.length - 1] = shape.axis; // swaps the axis with the last: its own inverse
  const alongLast = (f) => (last ? f : (x) => tf.transpose(f(tf.transpose(x, perm)), perm));
  return {
    softmax: alongLast((x) => tf.softmax(x)),
    logSoftmax: alongLast((x) => tf.logSoftmax(x)),
    logSumExp: (x) => tf.logSumExp(x, shape.axis),
    softmaxBackward: (dy, y) => {
      const dyy = tf.mul(dy, y);
      return tf.sub(dyy, tf.mul(tf.sum(dyy, shape.axis, true), y));
    },
    logSoftmaxBackward: (dy, ly) => tf.sub(dy, tf.mul(tf.sum(dy, shape.axis, true), tf.exp(ly))),
    crossEntropy: (x, t) => {
      const onehot = tf.oneHot(t, shape.n);
      const rows =
        last && shape.dims.length === 2 ? (l) => l : (l) => tf.reshape(last ? l : tf.transpose(l, perm), [-1, shape.n]);
      const { value, grad } = tf.valueAndGrad((l) => tf.losses.softmaxCrossEntropy(onehot, rows(l)))(x);
      return [value, grad];
    },
  };
}

/** tfjs-core with its wasm and cpu backends registered (the cpu one current); also used by bench/sampling.mjs. */
export async function loadTfjs() {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  registerLossGradients(tf);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const build = threads
    ? simd
      ? 'tfjs-backend-wasm-threaded-simd.wasm'
      : 'tfjs-backend-wasm.wasm'
    : simd
      ? 'tfjs-backend-wasm-simd.wasm'
      : 'tfjs-backend-wasm.wasm';
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, facts: { simd, multithread: threads, threadsCount: wasm.getThreadsCount(), wasmFile: build } };
}

function tfjsImpl(tf, backend, { kernelOnly }) {
  return (op, shape, inp) => {
    const f = tfjsOps(tf, shape)[op];
    if (!f) return notApplicable(`tfjs has no ${op}`);
    const before = () => tf.setBackend(backend);
    // Results leave tf.tidy through a variable: returned from it, a typed array
    // would be walked element by element in search of tensors.
    const read = (r) => (Array.isArray(r) ? { loss: r[0].dataSync()[0], out: r[1].dataSync() } : { out: r.dataSync() });
    const tidyRead = (thunk) => {
      let value;
      tf.tidy(() => {
        value = read(thunk());
      });
      return value;
    };
    const makeInputs = () =>
      argsOf(op, inp).map((a) =>
        a instanceof Int32Array ? tf.tensor(a, [shape.samples], 'int32') : tf.tensor(a, shape.dims),
      );
    if (kernelOnly) {
      let tensors = null;
      return {
        before: async () => {
          await before();
          // Inputs already exist on this backend before the clock starts.
          if (!tensors) tensors = makeInputs();
        },
        run: () => tf.tidy(() => void f(...tensors)),
        // Tensor objects only: the data stays in tfjs's wasm memory.
        quiet: true,
        result: async () => {
          await before();
          if (!tensors) tensors = makeInputs();
          return tidyRead(() => f(...tensors));
        },
        dispose: () => tensors?.forEach((t) => t.dispose()),
      };
    }
    // End to end: tensors from the typed arrays, the op, the result read back.
    const run = () => tidyRead(() => f(...makeInputs()));
    return {
      before,
      run,
      result: async () => {
        await before();
        return run();
      },
    };
  };
}

// ---- onnxruntime-web -----------------------------------------------------------------

async function loadOrt() {
  // Node resolves 'onnxruntime-web' to dist/ort.node.min.mjs: the wasm backend,
  // which loads dist/ort-wasm-simd-threaded.{mjs,wasm} (the package's only CPU
  // wasm build: SIMD128, with threads that numThreads = 1 leaves unused).
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return { ort, facts: { wasmFile: 'ort-wasm-simd-threaded.wasm', numThreads: 1, entry: 'dist/ort.node.min.mjs' } };
}

function ortImpl(ort) {
  return async (op, shape, inp) => {
    const model = modelFor(op, shape.dims, shape.axis);
    if (!model) return notApplicable(`ONNX has no ${op} operator`);
    const session = await ort.InferenceSession.create(model.bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    const targetDims = shape.dims.filter((_, i) => i !== shape.axis);
    const tensor = (a) =>
      a instanceof Int32Array ? new ort.Tensor('int32', a, targetDims) : new ort.Tensor('float32', a, shape.dims);
    const args = argsOf(op, inp);
    const feeds = () => Object.fromEntries(model.inputs.map((name, i) => [name, tensor(args[i])]));
    const outName = model.output;
    // One call: the input tensors wrap the typed arrays; run() copies them in and the outputs out.
    const run = async () => {
      const r = await session.run(feeds());
      return { out: r[outName].data, loss: r.loss ? r.loss.data[0] : undefined };
    };
    return { run, isAsync: true, result: run, dispose: () => session.release() };
  };
}

// ---- naive JS ---------------------------------------------------------------------------

function naiveImpl() {
  const ops = naiveOps();
  return (op, shape, inp) => {
    const [a, b] = argsOf(op, inp);
    const f = ops[op];
    const run = BENCH[op].args.length === 1 ? () => f(a, shape) : () => f(a, b, shape);
    return {
      run,
      result: () => {
        const r = run();
        return BENCH[op].loss ? { out: r.grad, loss: r.loss } : { out: r };
      },
    };
  };
}

// ---- native C++ (Google Benchmark child process) ---------------------------------------

export const NATIVE_BUILD_DIR = `${ROOT}build/bench-native`;

/** Configures and builds bench/native; returns null or the reason it could not. */
export function buildNative() {
  const steps = [
    ['cmake', ['-S', `${ROOT}bench/native`, '-B', NATIVE_BUILD_DIR, '-DCMAKE_BUILD_TYPE=Release']],
    ['cmake', ['--build', NATIVE_BUILD_DIR, '-j2']],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      return `${cmd} ${args.join(' ')} failed: ${r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    }
  }
  return null;
}

function nativeImpl(exe, facts) {
  const runExe = (args) => {
    const r = spawnSync(exe, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error || r.status !== 0)
      throw new Error(`${exe} ${args.join(' ')}: ${r.error ? r.error.message : r.stderr.trim()}`);
    return JSON.parse(r.stdout);
  };
  return (op, shape, inp) => {
    const which = [`--ops=${op}`, `--shapes=${shape.name}`, `--data=${inp.data}`];
    const timeOf = (extra) => {
      const b = runExe([...which, ...extra, '--benchmark_format=json']).benchmarks[0];
      if (b.error_occurred) throw new Error(`${exe}: ${b.error_message}`);
      if (b.time_unit !== 'ns') throw new Error(`${exe}: time unit ${b.time_unit}, expected ns`);
      return { wall: b.real_time, cpu: b.cpu_time };
    };
    return {
      sample: (iterations) => timeOf([`--iterations=${iterations}`]),
      // Two short runs, the faster taken: one that lost its core on start-up
      // would otherwise set a count far too small.
      estimate: () => {
        const a = timeOf(['--min_time_s=0.01']);
        const b = timeOf(['--min_time_s=0.01']);
        return a.cpu <= b.cpu ? a : b;
      },
      // No output array crosses the process boundary: the program prints a
      // checksum of its output on the same inputs (data.mjs / bench_native.cc).
      result: () => {
        const report = runExe([...which, '--check']);
        facts.benchmarkLibrary = report.benchmark_library;
        const c = report.checks[0];
        if (c.status !== 0) throw new Error(`${exe}: ${op} returned status ${c.status}`);
        return { checksum: { sum: c.sum, scale: c.scale }, loss: BENCH[op].loss ? c.loss : undefined };
      },
    };
  };
}

/** Whether a native checksum matches ours: within 1e-5 of its scale (the -march=native build may contract into FMA). */
export function checksumAgrees(peer, ours) {
  const c = checksum(ours.out);
  const diff = Math.abs(peer.checksum.sum - c.sum);
  const ok = diff <= 1e-5 * Math.max(c.scale, 1e-30);
  const result = { ok, worst: diff / Math.max(c.scale, 1e-30), exact: diff === 0 };
  if (!ok) result.reason = `checksum ${peer.checksum.sum} vs ours ${c.sum}`;
  if (ours.loss !== undefined) {
    result.lossError = Math.abs(peer.loss - ours.loss) / Math.abs(ours.loss);
    if (!(result.lossError <= 1e-6)) {
      result.ok = false;
      result.reason = `loss ${peer.loss} vs ours ${ours.loss}`;
    }
  }
  return result;
}

// ---- the list ---------------------------------------------------------------------------

/** A row timed by the wall clock (lib/timing.mjs): its calls run on several threads. */
function wallClock(prepare) {
  return async (...args) => {
    const p = await prepare(...args);
    if (!p.skip) p.clock = 'wall';
    return p;
  };
}

/**
 * Loads everything and returns the implementations in table order, with the
 * facts of each build. A peer that fails to load is listed with the reason.
 */
export async function loadImplementations({ native = true } = {}) {
  const facts = { versions: {} };
  const impls = [];
  const { load } = await import('../../bindings/index.js');
  const { poolOf } = await import('../../bindings/threads.js');
  // The single-thread build for every existing row; threads get their own rows (issue 13).
  const sm = await load({ threads: 1 });
  const sm2 = await load({ threads: 2 });
  const smAuto = await load();
  await Promise.all([sm2, smAuto].map((s) => poolOf(s)?.start()));
  const M = await loadRawModule();
  facts.versions['softmax-wasm'] = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version;
  const ours = `softmax-wasm ${facts.versions['softmax-wasm']}`;
  facts.ours = { backend: sm.backend, kernels: sm.kernels, alloc: typeof sm.alloc === 'function' };
  impls.push(
    { id: 'ours-zero-copy', kind: 'ours', label: `${ours}, zero-copy (sm.alloc)`, prepare: oursZeroCopy(sm) },
    {
      id: 'ours-inout',
      kind: 'ours',
      label: `${ours}, typed array in, new array out`,
      prepare: oursApi(sm, { withOut: false }),
    },
    {
      id: 'ours-out',
      kind: 'ours',
      label: `${ours}, typed array in, \`out\` given`,
      prepare: oursApi(sm, { withOut: true }),
    },
    {
      id: 'ours-out-t2',
      kind: 'ours',
      label: `${ours}, \`out\` given, 2 threads (wall clock)`,
      prepare: wallClock(oursApi(sm2, { withOut: true })),
    },
    {
      id: 'ours-out-auto',
      kind: 'ours',
      label: `${ours}, \`out\` given, threads 'auto' (${smAuto.threads}; wall clock)`,
      prepare: wallClock(oursApi(smAuto, { withOut: true })),
    },
    {
      id: 'ours-kernel',
      kind: 'ours',
      label: `${ours}, internal kernel call (no copies; not public API)`,
      prepare: oursKernel(M),
    },
    {
      id: 'memcpy',
      kind: 'limit',
      label: 'wasm memcpy of the 8N bytes y, dy (HEAPU8.copyWithin)',
      prepare: memcpyBound(M),
    },
    {
      id: 'result-alloc',
      kind: 'limit',
      label: 'a new result array alone: new Float32Array(heap view) of N floats (allocation + copy out)',
      prepare: resultAllocFloor(M),
    },
  );

  try {
    const { tf, facts: tfFacts } = await loadTfjs();
    facts.tfjs = tfFacts;
    facts.versions['@tensorflow/tfjs-core'] = versionOf('@tensorflow/tfjs-core');
    facts.versions['@tensorflow/tfjs-backend-wasm'] = versionOf('@tensorflow/tfjs-backend-wasm');
    facts.versions['@tensorflow/tfjs-backend-cpu'] = versionOf('@tensorflow/tfjs-backend-cpu');
    const w = `tfjs-backend-wasm ${facts.versions['@tensorflow/tfjs-backend-wasm']} (${tfFacts.simd ? 'SIMD' : 'no SIMD'}${tfFacts.multithread ? ', threaded' : ''})`;
    impls.push(
      {
        id: 'tfjs-wasm-kernel',
        kind: 'peer',
        label: `${w}, kernel only`,
        prepare: tfjsImpl(tf, 'wasm', { kernelOnly: true }),
      },
      {
        id: 'tfjs-wasm-e2e',
        kind: 'peer',
        label: `${w}, end to end`,
        prepare: tfjsImpl(tf, 'wasm', { kernelOnly: false }),
      },
      {
        id: 'tfjs-cpu-e2e',
        kind: 'peer',
        label: `tfjs-backend-cpu ${facts.versions['@tensorflow/tfjs-backend-cpu']}, end to end`,
        prepare: tfjsImpl(tf, 'cpu', { kernelOnly: false }),
      },
    );
  } catch (e) {
    facts.tfjs = { error: e.message };
    for (const id of ['tfjs-wasm-kernel', 'tfjs-wasm-e2e', 'tfjs-cpu-e2e']) {
      impls.push({ id, kind: 'peer', label: id, prepare: () => skip(`tfjs did not load: ${e.message}`) });
    }
  }

  try {
    const { ort, facts: ortFacts } = await loadOrt();
    facts.ort = ortFacts;
    facts.versions['onnxruntime-web'] = versionOf('onnxruntime-web');
    impls.push({
      id: 'ort',
      kind: 'peer',
      label: `onnxruntime-web ${facts.versions['onnxruntime-web']} (wasm SIMD, 1 thread)`,
      prepare: ortImpl(ort),
    });
  } catch (e) {
    facts.ort = { error: e.message };
    impls.push({
      id: 'ort',
      kind: 'peer',
      label: 'onnxruntime-web',
      prepare: () => skip(`onnxruntime-web did not load: ${e.message}`),
    });
  }

  impls.push({
    id: 'naive-js',
    kind: 'peer',
    label: 'naive JS (three passes, float64 arithmetic)',
    prepare: naiveImpl(),
  });

  const nativeError = native ? buildNative() : 'not run (--no-native)';
  facts.native = { error: nativeError };
  const nativeRows = [
    ['native-simde128', 'bench-native-simde128', 'native C++ (g++, SIMDe 128-bit, -O3 -msse4.1 -ffp-contract=off)'],
    ['native-march', 'bench-native-march', 'native C++ (g++, same source, -O3 -march=native)'],
  ];
  for (const [id, exe, label] of nativeRows) {
    impls.push({
      id,
      kind: 'limit',
      label,
      prepare: nativeError
        ? () => skip(`native build: ${nativeError}`)
        : nativeImpl(`${NATIVE_BUILD_DIR}/${exe}`, facts.native),
    });
  }
  if (!nativeError) {
    const ver = spawnSync('g++', ['-dumpfullversion'], { encoding: 'utf8' }).stdout.trim();
    facts.native.compiler = `g++ ${ver}`;
    for (const row of impls) if (row.id.startsWith('native-')) row.label = row.label.replace('g++', `g++ ${ver}`);
  }
  return { impls, facts, sm };
}
