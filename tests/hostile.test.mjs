// Hostile but legal JavaScript values at the boundary (issue 9): Proxies,
// lying lengths, shape getters that change, resizable and shared buffers,
// detached buffers, views of wasm memory across memory growth, re-entrant
// getters, forged WasmArrays and a polluted Object.prototype — through every
// kind of op (the table in bindings/ops.js), targets, weights, Jacobians and
// logSumExp. For each case, on both builds: the right error class naming the
// argument (never an engine error or a kernel status), or the same result as
// the plain call; sentinel-filled WasmArrays allocated around the call are
// unchanged; and the instance still matches tests/reference.mjs afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPS } from '../bindings/ops.js';
import { R, asRef, assertClose, builds, loadModule } from './helpers.mjs';

const BUILDS = await builds();
const { load } = await loadModule();

// ---------------------------------------------------------------- harness ----

const CASES = [];
/** Registers a case: run(sm, build) throws on failure; the harness checks the rest. */
function hostile(name, run) {
  CASES.push({ name, run });
}

/** WasmArrays filled with a pattern before the call; check() says they are untouched. */
function sentinels(sm) {
  const arrays = [sm.alloc(16), sm.alloc(3000, 'float64'), sm.alloc(77, 'int32'), sm.alloc(1 << 16)];
  arrays.forEach((w, k) =>
    w.array.forEach((_, i, a) => {
      a[i] = k * 1000 + (i % 251) - 0.5 * (k !== 2);
    }),
  );
  const snapshot = arrays.map((w) => Array.from(w.array));
  return {
    check(label) {
      arrays.forEach((w, k) => {
        const now = w.array;
        for (let i = 0; i < now.length; i++) {
          if (!Object.is(now[i], snapshot[k][i]))
            assert.fail(`${label}: sentinel WasmArray ${k} changed at ${i}: ${snapshot[k][i]} -> ${now[i]}`);
        }
      });
      arrays.forEach((w) => w.free());
    },
  };
}

/** The instance computes correct results after the case. */
function stillWorks(sm, label) {
  const x = Float32Array.from([0.5, -1, 2, 3, 0, 1.25, -7, 4]);
  assertClose('softmax', sm.softmax(x, { temperature: 0.5 }), R.softmax(asRef(x), { temperature: 0.5 }), {
    tol: 2e-6,
    what: `softmax after ${label}`,
  });
  const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assertClose('log', sm.logSumExp(y, { shape: [2, 3], axis: 0 }), R.logSumExp(y, { shape: [2, 3], axis: 0 }), {
    tol: 1e-13,
    what: `logSumExp after ${label}`,
  });
  const ce = sm.crossEntropy(y, [2, 0], { shape: [2, 3], grad: true, labelSmoothing: 0.1 });
  const ref = R.crossEntropy(y, [2, 0], { shape: [2, 3], labelSmoothing: 0.1 });
  assert.ok(
    Math.abs(ce.loss - ref.loss) <= 1e-13 * Math.max(1, Math.abs(ref.loss)),
    `crossEntropy after ${label}: ${ce.loss} vs ${ref.loss}`,
  );
  assertClose('log', ce.grad, ref.grad, { tol: 1e-13, what: `crossEntropy grad after ${label}` });
}

/** fn throws an instance of Class whose message names `name` (and is ours, not a kernel status). */
function throwsNamed(fn, Class, name) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a ${Class.name} naming ${name}, but the call returned`);
  assert.equal(
    error?.constructor,
    Class,
    `expected ${Class.name} naming ${name}, got ${error?.constructor?.name}: ${error?.message}`,
  );
  assert.match(
    error.message,
    new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`),
    `message does not name ${name}: ${error.message}`,
  );
  assert.doesNotMatch(error.message, /kernel returned status/);
  return error;
}

/** Exactly equal arrays (or numbers), value by value. */
function same(got, want, label = 'result') {
  if (typeof want === 'number') return assert.ok(Object.is(got, want), `${label}: ${got} !== ${want}`);
  assert.equal(got.length, want.length, `${label} length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${label}[${i}]: ${got[i]} !== ${want[i]}`);
  }
}

/** A getter-counting wrapper: counts[key] is how often key was read. */
function counted(object, counts) {
  return new Proxy(object, {
    get(target, key, receiver) {
      if (typeof key === 'string') counts[key] = (counts[key] ?? 0) + 1;
      return Reflect.get(target, key, receiver);
    },
  });
}

const f32 = (n, s = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * 3);
const f64 = (n, s = 1) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * 3);
const wasmOf = (sm, data, dtype) => {
  const w = sm.alloc(data.length, dtype);
  w.array.set(data);
  return w;
};

// The data arguments of each op, clean: [args, options] for a small call.
function cleanCall(op, make = f32) {
  switch (op.kind) {
    case 'alongAxis':
      return op.args.length === 1
        ? [[make(12)], { shape: [3, 4], axis: 0 }]
        : [[make(12, 2), make(12, 3)], { shape: [3, 4] }];
    case 'reduction':
      return [[make(12)], { shape: [3, 4], axis: 1 }];
    case 'jacobian':
      return [[make(5)], { temperature: 0.7 }];
    case 'loss':
      return [[make(12), new Int32Array([0, 3, 1])], { shape: [3, 4], grad: true }];
    case 'sample':
      return [[make(12)], { shape: [3, 4], topK: 3, random: 5 }];
    case 'filter':
      return [[make(12)], { shape: [3, 4], topK: 2, temperature: 0.5 }];
    case 'topK':
      return [[make(12), 2], { shape: [3, 4], axis: 0 }];
    case 'argmax':
      return [[make(12)], { shape: [3, 4], axis: 0 }];
    default:
      throw new Error(`no clean call for kind ${op.kind}`);
  }
}
const callOp = (sm, op, args, options) => sm[op.name](...args, options);
const resultArrays = (r) =>
  r instanceof Float32Array || r instanceof Float64Array || r instanceof Int32Array
    ? [r]
    : r.indices
      ? [r.values, r.indices]
      : [typeof r.loss === 'number' ? Float64Array.of(r.loss) : r.loss, ...(r.grad ? [r.grad] : [])];
function sameResult(got, want, label) {
  const g = resultArrays(got);
  const w = resultArrays(want);
  g.forEach((a, k) => same(a, w[k], `${label} [${k}]`));
}

// ------------------------------------------------ every op, from the table ----

for (const op of OPS) {
  const first = op.args[0];

  hostile(`${op.name}: a Proxy of a Float32Array as ${first} is a TypeError naming it`, (sm) => {
    const [args, options] = cleanCall(op);
    throwsNamed(() => callOp(sm, op, [new Proxy(args[0], {}), ...args.slice(1)], options), TypeError, first);
  });

  hostile(`${op.name}: a Proxy of a WasmArray as ${first} and as out is a TypeError naming it`, (sm) => {
    const [args, options] = cleanCall(op);
    const w = wasmOf(sm, args[0]);
    try {
      throwsNamed(() => callOp(sm, op, [new Proxy(w, {}), ...args.slice(1)], options), TypeError, first);
      const want = callOp(sm, op, args, options);
      const outLength = resultArrays(want).at(-1).length;
      const out = sm.alloc(outLength);
      throwsNamed(() => callOp(sm, op, args, { ...options, out: new Proxy(out, {}) }), TypeError, 'out');
      out.free();
    } finally {
      w.free();
    }
  });

  hostile(`${op.name}: a forged WasmArray (made from its prototype) as ${first} and as out is a TypeError`, (sm) => {
    const [args, options] = cleanCall(op);
    const proto = Object.getPrototypeOf(sm.alloc(0));
    throwsNamed(() => callOp(sm, op, [Object.create(proto), ...args.slice(1)], options), TypeError, first);
    throwsNamed(() => callOp(sm, op, args, { ...options, out: Object.create(proto) }), TypeError, 'out');
    const fake = { dtype: 'float32', length: args[0].length, array: args[0], freed: false };
    throwsNamed(() => callOp(sm, op, [fake, ...args.slice(1)], options), TypeError, first);
  });

  hostile(`${op.name}: a revoked Proxy as ${first} is a TypeError naming it`, (sm) => {
    const [args, options] = cleanCall(op);
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    throwsNamed(() => callOp(sm, op, [proxy, ...args.slice(1)], options), TypeError, first);
  });

  hostile(
    `${op.name}: a Proxy of a plain array as ${first} is read once per element and gives the plain array's result`,
    (sm) => {
      const [args, options] = cleanCall(op, (n, s) => Array.from(f64(n, s)));
      const counts = {};
      const got = callOp(sm, op, [counted(args[0], counts), ...args.slice(1)], options);
      sameResult(got, callOp(sm, op, args, options), op.name);
      for (const [key, count] of Object.entries(counts)) assert.ok(count <= 1, `${first}.${key} read ${count} times`);
    },
  );

  hostile(`${op.name}: a subclass whose length lies, and an own length property, are ignored`, (sm) => {
    const [args, options] = cleanCall(op);
    const want = callOp(sm, op, args, options);
    class Liar extends Float32Array {
      get length() {
        return 1e6;
      }
    }
    const liar = new Liar(args[0].length);
    liar.set(args[0]);
    sameResult(callOp(sm, op, [liar, ...args.slice(1)], options), want, 'subclass');
    const own = Float32Array.from(args[0]);
    Object.defineProperty(own, 'length', { value: 2 });
    sameResult(callOp(sm, op, [own, ...args.slice(1)], options), want, 'own length');
  });

  hostile(`${op.name}: an options Proxy is read once per own key, and its inherited keys never`, (sm) => {
    const [args, options] = cleanCall(op);
    const want = callOp(sm, op, args, options);
    const counts = {};
    const proto = { temperature: 1e-3, reduction: 'sum', shape: [12] };
    const opts = counted(Object.assign(Object.create(proto), options), counts);
    sameResult(callOp(sm, op, args, opts), want, 'options proxy');
    for (const [key, count] of Object.entries(counts)) assert.ok(count <= 1, `options.${key} read ${count} times`);
  });

  hostile(`${op.name}: Object.prototype and Array.prototype pollution changes nothing`, (sm) => {
    const [args, options] = cleanCall(op);
    const want = callOp(sm, op, args, options);
    const defaults = () =>
      args.length === 1
        ? [f64(6)]
        : op.kind === 'loss'
          ? [f64(6), new Int32Array([2, 0])]
          : op.kind === 'topK'
            ? [f64(6), 2]
            : [f64(6, 2), f64(6, 3)];
    // sample without a seed draws from crypto.getRandomValues: the default call gets one (still inheriting the pollution).
    const defaultOptions = () =>
      op.kind === 'loss' ? { shape: [2, 3] } : op.kind === 'sample' ? { random: 9 } : undefined;
    const wantDefault = callOp(sm, op, defaults(), defaultOptions());
    const polluted = {
      temperature: 100,
      shape: [1, 12],
      axis: 0,
      out: new Float32Array(1),
      reduction: 'sum',
      weight: [9, 9, 9, 9],
      ignoreIndex: 0,
      labelSmoothing: 0.5,
      grad: false,
      probabilityTargets: true,
      kind: 'jacobian',
      get: 1,
      set: 1,
    };
    try {
      Object.assign(Object.prototype, polluted);
      Array.prototype[1] = 'y';
      sameResult(callOp(sm, op, args, options), want, 'polluted');
      sameResult(callOp(sm, op, defaults(), defaultOptions()), wantDefault, 'polluted, defaults');
    } finally {
      for (const key of Object.keys(polluted)) delete Object.prototype[key];
      delete Array.prototype[1];
    }
  });

  hostile(`${op.name}: a getter that throws propagates its own error and writes nothing`, (sm) => {
    const [args, options] = cleanCall(op);
    const want = callOp(sm, op, args, options);
    const outLength = resultArrays(want).at(-1).length;
    const out = new Float32Array(outLength).fill(5);
    class Boom extends Error {}
    const opts = { ...options, out: op.kind === 'loss' ? out : out };
    Object.defineProperty(opts, Object.keys(op.options).find((k) => k !== 'out' && k !== 'shape') ?? 'temperature', {
      enumerable: true,
      get() {
        throw new Boom('from a getter');
      },
    });
    assert.throws(() => callOp(sm, op, args, opts), Boom);
    assert.ok(
      out.every((v) => v === 5),
      'out was written before the throw',
    );
  });

  hostile(
    `${op.name}: a getter re-entering the instance (another op, then the same op) leaves both calls correct`,
    (sm) => {
      const [args, options] = cleanCall(op);
      const want = callOp(sm, op, args, options);
      const inner = [];
      const opts = { ...options };
      const key = Object.keys(op.options).find((k) => k !== 'out' && k !== 'shape' && k !== 'axis') ?? 'axis';
      const value = options[key];
      Object.defineProperty(opts, key, {
        enumerable: true,
        get() {
          inner.push(sm.crossEntropy(f64(6), [1, 2], { shape: [2, 3], grad: true, weight: [1, 2, 3] }));
          inner.push(callOp(sm, op, args, options));
          inner.push(sm.softmax(f32(70000)));
          return value;
        },
      });
      sameResult(callOp(sm, op, args, opts), want, 'outer');
      sameResult(inner[1], want, 'inner same op');
      sameResult(
        inner[0],
        sm.crossEntropy(f64(6), [1, 2], { shape: [2, 3], grad: true, weight: [1, 2, 3] }),
        'inner loss',
      );
    },
  );

  hostile(`${op.name}: a getter that frees the WasmArray passed as ${first} makes a TypeError naming it`, (sm) => {
    const [args, options] = cleanCall(op);
    const w = wasmOf(sm, args[0]);
    const opts = { ...options };
    // An option the op takes whose value stays what the clean call gives (out where there is one).
    const key = Object.hasOwn(op.options, 'out') ? 'out' : Object.keys(op.options).find((k) => k !== 'shape');
    const value = options[key];
    Object.defineProperty(opts, key, {
      enumerable: true,
      get() {
        w.free();
        return value;
      },
    });
    throwsNamed(() => callOp(sm, op, [w, ...args.slice(1)], opts), TypeError, first);
  });

  hostile(`${op.name}: a getter that frees the WasmArray passed as out makes a TypeError naming out`, (sm) => {
    const [args, options] = cleanCall(op);
    const outLength = resultArrays(callOp(sm, op, args, options)).at(-1).length;
    const out = sm.alloc(outLength);
    const key = Object.keys(op.options).find((k) => k !== 'out' && k !== 'shape') ?? 'axis';
    const opts = { ...options, out };
    const value = options[key];
    Object.defineProperty(opts, key, {
      enumerable: true,
      get() {
        out.free();
        return value;
      },
    });
    throwsNamed(() => callOp(sm, op, args, opts), TypeError, 'out');
  });

  hostile(
    `${op.name}: a getter that grows wasm memory (a huge alloc) leaves a typed-array call and a WasmArray call correct`,
    async (shared, build) => {
      // A fresh instance, so that memory grows from its small start.
      const sm = await load({ simd: build === 'simd' });
      const guard = sentinels(sm);
      const [args, options] = cleanCall(op);
      const want = callOp(sm, op, args, options);
      const w = wasmOf(sm, args[0]);
      const held = [];
      const grow = (opts) => {
        const o = { ...opts };
        const key = Object.keys(op.options).find((k) => k !== 'out' && k !== 'shape') ?? 'axis';
        const value = opts[key];
        Object.defineProperty(o, key, {
          enumerable: true,
          get() {
            held.push(sm.alloc(Math.ceil(sm.memoryBytes / 4)));
            return value;
          },
        });
        return o;
      };
      try {
        const before = sm.memoryBytes;
        sameResult(callOp(sm, op, args, grow(options)), want, 'typed arrays');
        sameResult(callOp(sm, op, [w, ...args.slice(1)], grow(options)), want, 'WasmArray');
        assert.ok(sm.memoryBytes > before, 'memory did not grow');
        // A view of wasm memory taken before the growth is detached by then; a view of the
        // threaded build's shared memory stays valid (growing never moves or detaches it).
        const view = w.array;
        if (view.buffer instanceof ArrayBuffer)
          throwsNamed(() => callOp(sm, op, [view, ...args.slice(1)], grow(options)), TypeError, first);
        else sameResult(callOp(sm, op, [view, ...args.slice(1)], grow(options)), want, 'view of shared memory');
      } finally {
        w.free();
        held.forEach((h) => h.free());
      }
      guard.check('growth');
      stillWorks(sm, 'growth');
      void shared;
    },
  );

  hostile(`${op.name}: a detached ${first} and a detached out are TypeErrors naming them`, (sm) => {
    const [args, options] = cleanCall(op);
    const dead = Float32Array.from(args[0]);
    structuredClone(dead.buffer, { transfer: [dead.buffer] });
    throwsNamed(() => callOp(sm, op, [dead, ...args.slice(1)], options), TypeError, first);
    const outLength = resultArrays(callOp(sm, op, args, options)).at(-1).length;
    const out = new Float32Array(outLength);
    structuredClone(out.buffer, { transfer: [out.buffer] });
    throwsNamed(() => callOp(sm, op, args, { ...options, out }), TypeError, 'out');
  });

  hostile(`${op.name}: SharedArrayBuffer-backed ${first} and out give the plain result`, (sm) => {
    const [args, options] = cleanCall(op);
    const want = callOp(sm, op, args, options);
    const shared = new Float32Array(new SharedArrayBuffer(args[0].length * 4, { maxByteLength: 1 << 16 }));
    shared.set(args[0]);
    if (!Object.hasOwn(op.options, 'out')) {
      // topK and argmax take no out: the shared input alone.
      sameResult(callOp(sm, op, [shared, ...args.slice(1)], options), want, 'shared');
      return;
    }
    const last = resultArrays(want).at(-1); // sample's out holds tokens (Int32Array); the others, values
    const out = new last.constructor(new SharedArrayBuffer(last.length * last.BYTES_PER_ELEMENT));
    const got = callOp(sm, op, [shared, ...args.slice(1)], { ...options, out });
    same(out, last, 'shared out');
    sameResult(got, want, 'shared');
  });

  hostile(
    `${op.name}: a length-tracking ${first} over a resizable buffer resized by a getter is taken at its new length`,
    (sm) => {
      const [args, options] = cleanCall(op);
      const n = args[0].length;
      const rab = new ArrayBuffer(n * 4, { maxByteLength: 4 * n * 4 });
      const x = new Float32Array(rab);
      x.set(args[0]);
      const key = Object.keys(op.options).find((k) => k !== 'out' && k !== 'shape') ?? 'axis';
      for (const newLength of [n - 1, 2 * n]) {
        const opts = { ...options };
        const value = options[key];
        Object.defineProperty(opts, key, {
          enumerable: true,
          get() {
            rab.resize(newLength * 4);
            return value;
          },
        });
        rab.resize(n * 4);
        x.set(args[0]);
        let got;
        let error;
        try {
          got = callOp(sm, op, [x, ...args.slice(1)], opts);
        } catch (e) {
          error = e;
        }
        const grownArgs = [Float32Array.from(x), ...args.slice(1)];
        let want;
        let wantError;
        try {
          want = callOp(sm, op, grownArgs, options);
        } catch (e) {
          wantError = e;
        }
        if (wantError) {
          assert.ok(
            error,
            `resized to ${newLength}: the plain call throws ${wantError.message}, the hostile one returned`,
          );
          assert.equal(error.constructor, wantError.constructor, error.message);
          assert.equal(error.message, wantError.message);
        } else {
          assert.ok(!error, `resized to ${newLength}: ${error?.message}`);
          sameResult(got, want, `resized to ${newLength}`);
        }
      }
    },
  );
}

// -------------------------------------------------------------- shape ------

hostile('shape elements that are getters returning a new value on each read are read once', (sm) => {
  const x = f32(8);
  let reads = 0;
  const shape = [0, 4];
  Object.defineProperty(shape, 0, {
    enumerable: true,
    get() {
      reads++;
      return reads === 1 ? 2 : 1000;
    },
  });
  same(sm.softmax(x, { shape, axis: 0 }), sm.softmax(x, { shape: [2, 4], axis: 0 }), 'softmax');
  assert.equal(reads, 1);
  reads = 0;
  same(sm.logSumExp(x, { shape, axis: 0 }), sm.logSumExp(x, { shape: [2, 4], axis: 0 }), 'logSumExp');
  reads = 0;
  sameResult(
    sm.crossEntropy(x, [1, 0, 1, 0], { shape, axis: 0, grad: true }),
    sm.crossEntropy(x, [1, 0, 1, 0], { shape: [2, 4], axis: 0, grad: true }),
    'crossEntropy',
  );
  reads = 0;
  same(
    sm.softmaxBackward(x, x, { shape, axis: 0 }),
    sm.softmaxBackward(x, x, { shape: [2, 4], axis: 0 }),
    'softmaxBackward',
  );
});

hostile('a shape Proxy claiming 2^32 - 1 dimensions is a RangeError naming shape, read no further', (sm) => {
  let reads = 0;
  const shape = new Proxy([8], {
    get(_t, k) {
      if (k === 'length') return 2 ** 32 - 1;
      reads++;
      return 1;
    },
  });
  throwsNamed(() => sm.softmax(f32(8), { shape }), RangeError, 'shape');
  assert.equal(reads, 0);
});

hostile('a shape element getter that grows a resizable x: x is taken after the shape, as resized', (sm) => {
  const rab = new ArrayBuffer(32, { maxByteLength: 64 });
  const x = new Float32Array(rab);
  x.set(f32(8));
  const shape = [2, 0];
  Object.defineProperty(shape, 1, {
    enumerable: true,
    get() {
      rab.resize(48);
      return 6;
    },
  });
  const got = sm.softmax(x, { shape });
  same(got, sm.softmax(Float32Array.from(x), { shape: [2, 6] }));
});

// ----------------------------------------------------------- targets -------

hostile('BigInt64Array and BigUint64Array targets give the Int32Array result', (sm) => {
  const x = f64(12);
  const ints = new Int32Array([3, 0, -100]);
  for (const grad of [false, true]) {
    const want = sm.crossEntropy(x, ints, { shape: [3, 4], grad, weight: [1, 2, 3, 4] });
    sameResult(
      sm.crossEntropy(x, BigInt64Array.from([3n, 0n, -100n]), { shape: [3, 4], grad, weight: [1, 2, 3, 4] }),
      want,
      'BigInt64Array',
    );
    const nll = sm.nllLoss(x, new Int32Array([3, 0, 1]), { shape: [3, 4], grad });
    sameResult(sm.nllLoss(x, BigUint64Array.from([3n, 0n, 1n]), { shape: [3, 4], grad }), nll, 'BigUint64Array');
  }
});

hostile('BigInt targets out of range are RangeErrors naming target (2^40, 2^64 - 1 with ignoreIndex -1, -5)', (sm) => {
  const x = f64(12);
  throwsNamed(
    () => sm.crossEntropy(x, BigInt64Array.from([0n, 2n ** 40n, 1n]), { shape: [3, 4] }),
    RangeError,
    'target',
  );
  throwsNamed(
    () => sm.crossEntropy(x, BigUint64Array.from([0n, 2n ** 64n - 1n, 1n]), { shape: [3, 4], ignoreIndex: -1 }),
    RangeError,
    'target',
  );
  throwsNamed(() => sm.nllLoss(x, BigInt64Array.from([0n, -5n, 1n]), { shape: [3, 4] }), RangeError, 'target');
  // Uint32 4294967295 is not -1 either.
  throwsNamed(
    () => sm.crossEntropy(x, Uint32Array.from([0, 2 ** 32 - 1, 1]), { shape: [3, 4], ignoreIndex: -1 }),
    RangeError,
    'target',
  );
  // -1n with ignoreIndex -1 is ignored.
  sameResult(
    sm.crossEntropy(x, BigInt64Array.from([0n, -1n, 1n]), { shape: [3, 4], ignoreIndex: -1 }),
    sm.crossEntropy(x, [0, -1, 1], { shape: [3, 4], ignoreIndex: -1 }),
    '-1n ignored',
  );
});

hostile('an empty batch with a zero-length int32 WasmArray target behaves as an empty Int32Array', (sm) => {
  const empty = sm.alloc(0, 'int32');
  for (const op of ['crossEntropy', 'nllLoss']) {
    for (const reduction of ['mean', 'sum', 'none']) {
      for (const shape of [
        [0, 3],
        [0, 2 ** 33],
      ]) {
        const opts = { shape, reduction, grad: true };
        const want = sm[op](new Float32Array(0), new Int32Array(0), opts);
        const got = sm[op](new Float32Array(0), empty, opts);
        sameResult(got, want, `${op} ${reduction} ${shape}`);
        if (reduction === 'sum') assert.equal(got.loss, 0);
        if (reduction === 'mean') assert.ok(Number.isNaN(got.loss));
      }
    }
  }
  const emptyLogits = sm.alloc(0);
  sameResult(
    sm.crossEntropy(emptyLogits, empty, { shape: [4, 0, 3], axis: 2, grad: true, weight: [1, 2, 3] }),
    sm.crossEntropy(new Float32Array(0), [], { shape: [4, 0, 3], axis: 2, grad: true, weight: [1, 2, 3] }),
    'empty logits',
  );
  empty.free();
  emptyLogits.free();
});

hostile('target and weight Proxies, lying lengths, shared and resizable buffers', (sm) => {
  const x = f32(12);
  const shape = [3, 4];
  const weight = Float32Array.from([1, 0.5, 2, 1]);
  const want = sm.crossEntropy(x, new Int32Array([3, 0, 1]), { shape, weight, grad: true });
  sameResult(
    sm.crossEntropy(x, new Proxy([3, 0, 1], {}), { shape, weight: new Proxy([1, 0.5, 2, 1], {}), grad: true }),
    want,
    'array proxies',
  );
  throwsNamed(() => sm.crossEntropy(x, new Proxy(new Int32Array([3, 0, 1]), {}), { shape }), TypeError, 'target');
  throwsNamed(() => sm.crossEntropy(x, [3, 0, 1], { shape, weight: new Proxy(weight, {}) }), TypeError, 'weight');
  const lyingTarget = new Int32Array([3, 0, 1]);
  Object.defineProperty(lyingTarget, 'length', { value: 1 });
  const lyingWeight = Float32Array.from(weight);
  Object.defineProperty(lyingWeight, 'length', { value: 40 });
  sameResult(sm.crossEntropy(x, lyingTarget, { shape, weight: lyingWeight, grad: true }), want, 'lying lengths');
  const sharedTarget = new Int32Array(new SharedArrayBuffer(12));
  sharedTarget.set([3, 0, 1]);
  const sharedWeight = new Float32Array(new SharedArrayBuffer(16, { maxByteLength: 64 }));
  sharedWeight.set(weight);
  sameResult(sm.crossEntropy(x, sharedTarget, { shape, weight: sharedWeight, grad: true }), want, 'shared');
  // A getter shrinks the resizable weight: a RangeError naming weight.
  const rab = new ArrayBuffer(16, { maxByteLength: 32 });
  const rabWeight = new Float32Array(rab);
  rabWeight.set(weight);
  const opts = { shape, weight: rabWeight };
  Object.defineProperty(opts, 'grad', {
    enumerable: true,
    get() {
      rab.resize(12);
      return true;
    },
  });
  throwsNamed(() => sm.crossEntropy(x, [3, 0, 1], opts), RangeError, 'weight');
  // A weight getter that makes the weight negative after it was first seen: read once, the value is checked.
  throwsNamed(
    () => sm.crossEntropy(x, [3, 0, 1], { shape, weight: Float32Array.from([1, -0.5, 2, 1]) }),
    RangeError,
    'weight',
  );
  throwsNamed(
    () => sm.crossEntropy(x, [3, 0, 1], { shape, weight: Float32Array.from([1, NaN, 2, 1]) }),
    RangeError,
    'weight',
  );
});

hostile('probability targets: Proxies, lying lengths, shared buffers, WasmArrays and views', (sm) => {
  const x = f32(12);
  const shape = [3, 4];
  const p = sm.softmax(f32(12, 5), { shape });
  const want = sm.crossEntropy(x, p, { shape, grad: true, labelSmoothing: 0.2 });
  throwsNamed(() => sm.crossEntropy(x, new Proxy(p, {}), { shape }), TypeError, 'target');
  class Liar extends Float32Array {
    get length() {
      return 3;
    }
  }
  const liar = new Liar(12);
  liar.set(p);
  sameResult(sm.crossEntropy(x, liar, { shape, grad: true, labelSmoothing: 0.2 }), want, 'lying length');
  const shared = new Float32Array(new SharedArrayBuffer(48));
  shared.set(p);
  sameResult(sm.crossEntropy(x, shared, { shape, grad: true, labelSmoothing: 0.2 }), want, 'shared');
  const pw = wasmOf(sm, p);
  const xw = wasmOf(sm, x);
  sameResult(sm.crossEntropy(xw, pw, { shape, grad: true, labelSmoothing: 0.2 }), want, 'WasmArray');
  sameResult(sm.crossEntropy(xw.array, pw.array, { shape, grad: true, labelSmoothing: 0.2 }), want, 'views');
  // The gradient may overwrite the logits, not the target the kernel reads.
  throwsNamed(() => sm.crossEntropy(xw, pw, { shape, grad: true, out: pw }), RangeError, 'out');
  const weightW = wasmOf(sm, Float32Array.from([1, 2, 3, 4]));
  const grad4 = wasmOf(sm, new Float32Array(4));
  throwsNamed(() => sm.crossEntropy(f32(4), [1], { grad: true, weight: grad4, out: grad4 }), RangeError, 'out');
  same(
    sm.crossEntropy(xw, [0, 1, 2], { shape, weight: weightW, grad: true }).grad,
    sm.crossEntropy(x, [0, 1, 2], { shape, weight: [1, 2, 3, 4], grad: true }).grad,
    'WasmArray weight',
  );
  for (const w of [pw, xw, weightW, grad4]) w.free();
  throwsNamed(() => sm.nllLoss(x, p, { shape }), TypeError, 'target');
});

hostile("reduction: 'toString' and other Object.prototype names are RangeErrors naming reduction", (sm) => {
  for (const reduction of ['toString', 'hasOwnProperty', '__proto__', 'constructor', 'valueOf', 'none ']) {
    throwsNamed(() => sm.crossEntropy(f32(6), [0, 1], { shape: [2, 3], reduction }), RangeError, 'reduction');
    throwsNamed(() => sm.nllLoss(f32(6), [0, 1], { shape: [2, 3], reduction }), RangeError, 'reduction');
  }
  throwsNamed(() => sm.softmax(f32(6), JSON.parse('{"__proto__": {"temperature": 2}}')), TypeError, '__proto__');
  // An options object whose class has a temperature getter: inherited, never read.
  class Options {
    get temperature() {
      throw new Error('an inherited getter was read');
    }
  }
  same(sm.softmax(f32(6), new Options()), sm.softmax(f32(6)), 'class options');
});

hostile('logSumExp of an empty axis whose result would exceed wasm memory is a RangeError naming shape', (sm) => {
  throwsNamed(() => sm.logSumExp([], { shape: [0, 2 ** 40], axis: 0 }), RangeError, 'shape');
  same(sm.logSumExp([], { shape: [0, 5], axis: 0 }), new Float64Array(5).fill(-Infinity), 'empty axis');
});

hostile('the Jacobian: a view, a WasmArray and a resizable x shrunk by the temperature getter', (sm) => {
  const x = f64(6);
  const want = sm.softmaxJacobian(x, { temperature: 0.5 });
  const w = wasmOf(sm, x, 'float64');
  const out = sm.alloc(36, 'float64');
  same(sm.softmaxJacobian(w.array, { temperature: 0.5, out: out.array }), want, 'views');
  same(out.array, want, 'out view written');
  same(sm.logSoftmaxJacobian(w, { out }).length, 36);
  w.free();
  out.free();
  const rab = new ArrayBuffer(48, { maxByteLength: 48 });
  const rx = new Float64Array(rab);
  rx.set(x);
  const opts = {};
  Object.defineProperty(opts, 'temperature', {
    enumerable: true,
    get() {
      rab.resize(24);
      return 0.5;
    },
  });
  same(sm.softmaxJacobian(rx, opts), sm.softmaxJacobian(x.subarray(0, 3), { temperature: 0.5 }), 'shrunk');
});

hostile('a fixed-length view left out of bounds by shrinking its resizable buffer has length 0', (sm) => {
  const rab = new ArrayBuffer(32, { maxByteLength: 32 });
  const view = new Float32Array(rab, 16, 4);
  rab.resize(8);
  same(sm.softmax(view), new Float32Array(0), 'softmax');
  throwsNamed(() => sm.softmax(view, { shape: [4] }), RangeError, 'shape');
});

hostile('an out subclass with its own set() is written through the intrinsic, never its set', (sm) => {
  class Spy extends Float32Array {
    set() {
      throw new Error('user set() was called');
    }
  }
  for (const n of [8, 5000]) {
    const out = new Spy(n);
    same(sm.softmax(f32(n), { out }), sm.softmax(f32(n)), `softmax ${n}`);
    const grad = new Spy(n);
    same(
      sm.crossEntropy(f32(n), [1], { grad: true, out: grad }).grad,
      sm.crossEntropy(f32(n), [1], { grad: true }).grad,
      `grad ${n}`,
    );
  }
});

// --------------------------------------------- views of wasm memory -------

/**
 * Views of wasm memory as inputs and out, on a fresh instance whose call must
 * grow the memory (its scratch block does): the result is right, and out (or
 * a fresh view of its bytes, since growing detached it) holds it.
 */
function viewCase(name, body) {
  hostile(`views of wasm memory across a call that grows memory: ${name}`, async (sm, build) => {
    // A fresh instance (its scratch block is empty, so the call must grow
    // it); the expected results come from the shared one (same build).
    const fresh = await load({ simd: build === 'simd' });
    const guard = sentinels(fresh);
    // A multiple of 8: the 1-D cases run as 8 rows, so that a threaded instance shares them on
    // its own (shared) memory rather than sending them to its single-thread build.
    // 0.35 of the memory each: x, out and the call's scratch copy of x take more than all of it
    // whatever the stack and static data take (5 MiB of a threaded build's 16 MiB, of a
    // single-thread build's 64 MiB).
    const n = Math.floor((fresh.memoryBytes * 0.35) / 32) * 8;
    const grew = body(fresh, n, sm);
    assert.ok(grew, 'the call did not grow wasm memory: the case tests nothing');
    guard.check(name);
    stillWorks(fresh, name);
  });
}

/**
 * Calls call(ow.array) and checks that both its result and out (read afresh
 * through ow, since growing memory detaches the old view) hold want.
 * Returns whether the call grew wasm memory.
 */
function outCall(sm, ow, want, call) {
  const before = sm.memoryBytes;
  const got = call(ow.array);
  const grew = sm.memoryBytes > before;
  same(got, want);
  same(ow.array, want, 'out WasmArray');
  return grew;
}

viewCase('softmax, x and out', (sm, n, ref) => {
  const x = f32(n);
  const want = ref.softmax(x, { shape: [8, n / 8] });
  const xw = wasmOf(sm, x);
  const ow = sm.alloc(n);
  const before = sm.memoryBytes;
  const out = ow.array;
  const got = sm.softmax(xw.array, { shape: [8, n / 8], out });
  const grew = sm.memoryBytes > before;
  same(got, want, 'returned');
  same(ow.array, want, 'out WasmArray');
  assert.equal(got.length, n, 'the returned view is live');
  return grew;
});

viewCase('softmaxBackward, dy, y and out', (sm, n, ref) => {
  const dy = f32(n, 2);
  const shape = [8, n / 8];
  const y = ref.softmax(f32(n, 3), { shape });
  const want = ref.softmaxBackward(dy, y, { shape });
  const dw = wasmOf(sm, dy);
  const yw = wasmOf(sm, y);
  const ow = sm.alloc(n);
  return outCall(sm, ow, want, (out) => sm.softmaxBackward(dw.array, yw.array, { shape, out }));
});

viewCase('logSumExp, x and out', (sm, n, ref) => {
  const rows = 1000;
  const cols = Math.floor(n / rows);
  const x = f64(rows * cols);
  const want = ref.logSumExp(x, { shape: [rows, cols], axis: 0 });
  const xw = wasmOf(sm, x, 'float64');
  const ow = sm.alloc(cols, 'float64');
  return outCall(sm, ow, want, (out) => sm.logSumExp(xw.array, { shape: [rows, cols], axis: 0, out }));
});

viewCase('crossEntropy: logits, index target, weight and out', (sm, n, ref) => {
  const C = 10;
  const N = Math.floor(n / C);
  const x = f32(N * C);
  const t = Int32Array.from({ length: N }, (_, i) => (i * 7) % C);
  const weight = Float32Array.from({ length: C }, (_, c) => 1 + c / 10);
  const want = ref.crossEntropy(x, t, { shape: [N, C], weight, grad: true });
  const xw = wasmOf(sm, x);
  const tw = wasmOf(sm, t, 'int32');
  const ww = wasmOf(sm, weight);
  const gw = sm.alloc(N * C);
  const before = sm.memoryBytes;
  const got = sm.crossEntropy(xw.array, tw.array, { shape: [N, C], weight: ww.array, grad: true, out: gw.array });
  const grew = sm.memoryBytes > before;
  same(got.loss, want.loss, 'loss');
  same(got.grad, want.grad, 'grad');
  same(gw.array, want.grad, 'out WasmArray');
  return grew;
});

viewCase('crossEntropy: probability target view', (sm, n, ref) => {
  const C = 8;
  const N = Math.floor(n / C);
  const x = f32(N * C);
  const p = ref.softmax(f32(N * C, 4), { shape: [N, C] });
  const want = ref.crossEntropy(x, p, { shape: [N, C], reduction: 'none' });
  const xw = wasmOf(sm, x);
  const pw = wasmOf(sm, p);
  const before = sm.memoryBytes;
  const got = sm.crossEntropy(xw.array, pw.array, { shape: [N, C], reduction: 'none' });
  const grew = sm.memoryBytes > before;
  same(got.loss, want.loss, 'per-sample losses');
  return grew;
});

viewCase('softmaxJacobian, x and out', (sm, n, ref) => {
  const k = Math.floor(Math.sqrt(n * 1.5));
  const x = f32(k);
  const want = ref.softmaxJacobian(x);
  const xw = wasmOf(sm, x);
  const ow = sm.alloc(k * k);
  return outCall(sm, ow, want, (out) => sm.softmaxJacobian(xw.array, { out }));
});

// ---------------------------------------------------------------- fuzz -----

hostile(
  '300 random hostile calls: only our TypeError/RangeError or a result, never a kernel status or an engine error',
  (sm) => {
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const pick = (list) => list[Math.floor(rnd() * list.length)];
    const values = () => [
      undefined,
      null,
      0,
      -1,
      1.5,
      NaN,
      Infinity,
      2 ** 32,
      'x',
      'toString',
      [],
      [1, 2],
      [2, 3],
      [0, 2 ** 33],
      [[1]],
      new Float32Array(6),
      new Float64Array(6),
      new Int32Array(2),
      BigInt64Array.from([1n, 5n]),
      new Proxy([1, 2], {}),
      new Proxy(new Float32Array(6), {}),
      sm.alloc(6),
      sm.alloc(2, 'int32'),
      Object.create(null),
      { length: 6 },
      true,
    ];
    const names = [
      'shape',
      'axis',
      'temperature',
      'out',
      'reduction',
      'weight',
      'ignoreIndex',
      'labelSmoothing',
      'grad',
    ];
    for (let k = 0; k < 300; k++) {
      const op = pick(OPS);
      const pool = values();
      const args = op.args.map(() => (rnd() < 0.5 ? pick(pool) : op.kind === 'loss' && rnd() < 0.5 ? [0, 1] : f32(6)));
      const options = {};
      for (const key of names) if (rnd() < 0.3) options[key] = pick(pool);
      try {
        callOp(sm, op, args, rnd() < 0.1 ? pick(pool) : options);
      } catch (error) {
        assert.ok(
          error instanceof TypeError || error instanceof RangeError,
          `${op.name}: ${error?.constructor?.name}: ${error?.message}`,
        );
        assert.ok(error.message.startsWith(`${op.name}: `), `${op.name}: not our message: ${error.message}`);
        assert.doesNotMatch(error.message, /kernel returned status/);
      } finally {
        for (const v of pool) if (v && typeof v.free === 'function' && !v.freed) v.free();
      }
    }
  },
);

// ------------------------------------------------------------ register -----

for (const { name: build, sm } of BUILDS) {
  describe(`hostile inputs [${build}]`, () => {
    for (const c of CASES) {
      test(`${build}: ${c.name}`, async () => {
        const guard = sentinels(sm);
        await c.run(sm, build);
        guard.check(c.name);
        stillWorks(sm, c.name);
      });
    }
  });
}

test('hostile case count', (t) => {
  t.diagnostic(`${CASES.length} hostile cases x ${BUILDS.length} builds = ${CASES.length * BUILDS.length} tests`);
  assert.ok(CASES.length >= 150, `only ${CASES.length} cases`);
});
