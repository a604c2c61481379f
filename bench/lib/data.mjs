// data.mjs — the benchmark's ops, shapes and inputs, the float64 references,
// and the checks a peer's output must pass before it is timed.
//
// Inputs are made by xorshift32 with fixed seeds, bit for bit as
// bench/native/bench_native.cc makes them, so the native program's checksums
// can be compared with the wasm module's.
import { OPS as TABLE } from '../../bindings/ops.js';
import * as R from '../../tests/reference.mjs';

/**
 * How the benchmark runs each op of the library's op table (bindings/ops.js):
 * its data arguments by their names in makeInputs()'s result, whether it takes
 * { shape, axis }, its result length, whether it returns { loss, grad }, and its
 * shapes. tests/ops.test.mjs fails when an op of the table has no entry here.
 *   y  = softmax(x) and ly = logSoftmax(x): the backward ops' and nllLoss's inputs.
 */
export const BENCH = {
  softmax: { args: ['x'], alongAxis: true, outLength: (s) => s.size },
  logSoftmax: { args: ['x'], alongAxis: true, outLength: (s) => s.size },
  logSumExp: { args: ['x'], alongAxis: true, outLength: (s) => s.samples },
  softmaxBackward: { args: ['dy', 'y'], alongAxis: true, outLength: (s) => s.size },
  logSoftmaxBackward: { args: ['dy', 'ly'], alongAxis: true, outLength: (s) => s.size },
  softmaxJacobian: { args: ['x'], alongAxis: false, outLength: (s) => s.size * s.size, jacobian: true },
  logSoftmaxJacobian: { args: ['x'], alongAxis: false, outLength: (s) => s.size * s.size, jacobian: true },
  crossEntropy: { args: ['x', 'target'], alongAxis: true, outLength: (s) => s.size, loss: true },
  nllLoss: { args: ['ly', 'target'], alongAxis: true, outLength: (s) => s.size, loss: true },
};

/**
 * The sampling ops (sample, filterLogits, topK, argmax) are benchmarked by
 * issue 10's sampling benchmark, which adds their entries here; until then
 * the run leaves them out (tests/ops.test.mjs lists the gap as a todo).
 */
export const SAMPLING_BENCH_PENDING = Object.freeze(['sample', 'filterLogits', 'topK', 'argmax']);

/** Every op of the table, in its order; an op missing from BENCH stops the run. */
export const OPS = TABLE.map((op) => op.name).filter(
  (name) => !(SAMPLING_BENCH_PENDING.includes(name) && !Object.hasOwn(BENCH, name)),
);
export const BENCH_OPS = Object.keys(BENCH);

/** Shapes as ROWSxCLASSES[xINNER][@AXIS]; the note says why each is there. */
export const SHAPES = [
  { name: '1x50257', note: 'one GPT-2 vocabulary row' },
  { name: '32x50257', note: 'a batch of GPT-2 vocabulary rows' },
  { name: '1024x1000', note: 'a classifier batch (ImageNet classes)' },
  { name: '3072x256', note: 'attention: 12 heads x 256 queries x 256 keys' },
  { name: '65536x10', note: 'many tiny rows' },
  { name: '1x8', note: 'call overhead' },
  { name: '256x1000x8@1', note: 'a strided axis (axis 1 of 256x1000x8)' },
  { name: '8x21x16384@1', note: 'segmentation maps: the 21 classes of 8 NCHW images of 128x128 (axis 1, 16384 apart)' },
];

/** The Jacobians' shapes: one vector of n logits, an n x n result. */
export const JACOBIAN_SHAPES = [
  { name: '1x10', note: 'a 10-class head (MNIST, CIFAR-10)' },
  { name: '1x100', note: 'a 100-class head (CIFAR-100): 10,000 entries' },
  { name: '1x1000', note: 'the ImageNet classes: a 1000 x 1000 Jacobian, 4 MB' },
];

/** The shape names an op runs on: the Jacobians their own (a 50,257-vector's Jacobian is 10 GB). */
export function shapesFor(op, names) {
  const own = BENCH[op].jacobian ? JACOBIAN_SHAPES : SHAPES;
  if (names) return names.filter((n) => !BENCH[op].jacobian || (/^1x\d+$/.test(n) && Number(n.slice(2)) <= 4096));
  return own.map((s) => s.name);
}

export const shapeNote = (name) => [...SHAPES, ...JACOBIAN_SHAPES].find((s) => s.name === name)?.note;

/**
 * The contiguous shape each strided shape is compared with, per element (the
 * segmentation shape against the same classifier rows: rows of 21 would cost
 * more per element than rows of 1000, so this is the stricter comparison).
 */
export const STRIDED_VS_CONTIGUOUS = { '256x1000x8@1': '1024x1000', '8x21x16384@1': '1024x1000' };

export function parseShape(name) {
  const [dimsText, axisText] = name.split('@');
  const dims = dimsText.split('x').map(Number);
  let axis = axisText === undefined ? dims.length - 1 : Number(axisText);
  if (axis < 0) axis += dims.length;
  const prod = (a) => a.reduce((p, d) => p * d, 1);
  return {
    name,
    dims,
    axis,
    outer: prod(dims.slice(0, axis)),
    n: dims[axis],
    inner: prod(dims.slice(axis + 1)),
    size: prod(dims),
    samples: prod(dims) / dims[axis],
  };
}

// ---- deterministic inputs --------------------------------------------------------

const SEED_X = 0x12345678;
const SEED_DY = 0x9e3779b9;
const SEED_TARGET = 0x2545f491;

function* xorshift32(seed) {
  let s = seed >>> 0;
  for (;;) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    yield s;
  }
}

function uniformFloats(size, seed, lo, hi) {
  const g = xorshift32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * (g.next().value / 4294967296);
  return out;
}

/**
 * The inputs of one shape: logits x uniform in [-8, 8) (a softmax over 50,257
 * of them spans outputs from about 1e-11 to 3e-4), upstream gradient dy uniform
 * in [-1, 1), class-index targets uniform in [0, n). y = softmax(x) is filled
 * in by the caller from our own softmax (the backward op's input).
 */
export function makeInputs(shape) {
  const g = xorshift32(SEED_TARGET);
  const target = new Int32Array(shape.samples);
  for (let i = 0; i < target.length; i++) target[i] = g.next().value % shape.n;
  return {
    x: uniformFloats(shape.size, SEED_X, -8, 8),
    dy: uniformFloats(shape.size, SEED_DY, -1, 1),
    target,
  };
}

/** The checksum bench_native.cc prints: sum of out[i] * w(i) and its scale, sum of |out[i] * w(i)|. */
export function checksum(out) {
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < out.length; i++) {
    const w = (Math.imul(i, 2654435761) >>> 22) / 1024 - 0.5;
    sum += out[i] * w;
    scale += Math.abs(out[i] * w);
  }
  return { sum, scale };
}

// ---- the naive implementation and the float64 reference ----------------------------

/**
 * Index of element k of fibre (o, i): fibres are (outer, n, inner) views.
 * fn(base, stride, sample).
 */
function forEachFibre(shape, fn) {
  const { outer, n, inner } = shape;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) fn(o * n * inner + i, inner, o * inner + i);
  }
}

/**
 * The naive pure-JS ops, written the textbook way: three passes per fibre
 * (max, sum of exp(x - max), scale), JS numbers (float64) inside, the result
 * stored in a Float32Array. A peer row, not a reference (that is
 * tests/reference.mjs: see reference() below).
 */
export function naiveOps() {
  const Out = Float32Array;
  /** log(sum exp) of one fibre, with its max. */
  const lse = (x, base, st, n) => {
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * st]);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(x[base + k * st] - m);
    return m + Math.log(s);
  };
  const ops = {
    softmax(x, shape) {
      const y = new Out(x.length);
      const { n } = shape;
      forEachFibre(shape, (base, st) => {
        let m = -Infinity;
        for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * st]);
        let s = 0;
        for (let k = 0; k < n; k++) {
          const e = Math.exp(x[base + k * st] - m);
          y[base + k * st] = e;
          s += e;
        }
        const inv = 1 / s;
        for (let k = 0; k < n; k++) y[base + k * st] *= inv;
      });
      return y;
    },
    logSoftmax(x, shape) {
      const y = new Out(x.length);
      forEachFibre(shape, (base, st) => {
        const shift = lse(x, base, st, shape.n);
        for (let k = 0; k < shape.n; k++) y[base + k * st] = x[base + k * st] - shift;
      });
      return y;
    },
    logSumExp(x, shape) {
      const y = new Out(shape.samples);
      forEachFibre(shape, (base, st, sample) => {
        y[sample] = lse(x, base, st, shape.n);
      });
      return y;
    },
    softmaxBackward(dy, y, shape) {
      const dx = new Out(dy.length);
      const { n } = shape;
      forEachFibre(shape, (base, st) => {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += dy[base + k * st] * y[base + k * st];
        for (let k = 0; k < n; k++) dx[base + k * st] = y[base + k * st] * (dy[base + k * st] - dot);
      });
      return dx;
    },
    logSoftmaxBackward(dy, ly, shape) {
      const dx = new Out(dy.length);
      const { n } = shape;
      forEachFibre(shape, (base, st) => {
        let total = 0;
        for (let k = 0; k < n; k++) total += dy[base + k * st];
        for (let k = 0; k < n; k++) dx[base + k * st] = dy[base + k * st] - Math.exp(ly[base + k * st]) * total;
      });
      return dx;
    },
    /** J = diag(s) - s s^T of a vector x. */
    softmaxJacobian(x) {
      const n = x.length;
      const s = ops.softmax(x, { outer: 1, n, inner: 1 });
      const J = new Out(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = (i === j ? s[i] : 0) - s[i] * s[j];
      }
      return J;
    },
    /** J[i][j] = δij - s_j. */
    logSoftmaxJacobian(x) {
      const n = x.length;
      const s = ops.softmax(x, { outer: 1, n, inner: 1 });
      const J = new Out(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) J[i * n + j] = (i === j ? 1 : 0) - s[j];
      }
      return J;
    },
    /** Mean cross-entropy over samples with class-index targets, and its gradient. */
    crossEntropy(x, target, shape) {
      const grad = new Out(x.length);
      const { n, samples } = shape;
      const invN = 1 / samples;
      let loss = 0;
      forEachFibre(shape, (base, st, sample) => {
        let m = -Infinity;
        for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * st]);
        let s = 0;
        for (let k = 0; k < n; k++) {
          const e = Math.exp(x[base + k * st] - m);
          grad[base + k * st] = e;
          s += e;
        }
        const t = target[sample];
        loss += m + Math.log(s) - x[base + t * st];
        const scale = invN / s;
        for (let k = 0; k < n; k++) grad[base + k * st] *= scale;
        grad[base + t * st] -= invN;
      });
      return { loss: loss * invN, grad };
    },
    /** Mean NLL over samples of log-probabilities with class-index targets, and its gradient (-onehot / N). */
    nllLoss(ly, target, shape) {
      const grad = new Out(ly.length);
      const invN = 1 / shape.samples;
      let loss = 0;
      forEachFibre(shape, (base, st, sample) => {
        const t = target[sample];
        loss -= ly[base + t * st];
        grad[base + t * st] = -invN;
      });
      return { loss: loss * invN, grad };
    },
  };
  return ops;
}

/**
 * The float64 reference (tests/reference.mjs) of one op on the bench inputs,
 * as { out, loss? }: ours is checked against it before anything is timed.
 */
export function reference(op, shape, inputs) {
  const opts = { shape: shape.dims, axis: shape.axis };
  const args = BENCH[op].args.map((name) => inputs[name]);
  switch (op) {
    case 'softmaxJacobian':
    case 'logSoftmaxJacobian':
      return { out: R[op](args[0]) };
    case 'crossEntropy':
    case 'nllLoss': {
      const r = R[op](...args, opts);
      return { out: r.grad, loss: r.loss };
    }
    default:
      return { out: R[op](...args, opts) };
  }
}

// ---- checks --------------------------------------------------------------------------

/**
 * Max relative error of a float32 softmax against the float64 reference,
 * over the outputs >= 1e-30 (the range the README's 2e-6 bound covers).
 */
export function maxRelError(y, ref) {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i] < 1e-30) continue;
    const e = Math.abs(y[i] - ref[i]) / ref[i];
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e; // a NaN output counts as infinitely wrong
  }
  return worst;
}

/**
 * Whether a peer's output agrees with ours: every element within
 * 1e-3 * |ours| + 1e-4 * max|ours| (loose enough for a float32 peer that
 * sums 50,257 terms in float32 or computes the backward's dot product in
 * float32, tight enough to catch a wrong axis, a missing term or garbage),
 * and the loss within 1e-4 relative. Returns { ok, worst, where, loss }.
 */
export function agrees(peer, ours) {
  const a = peer.out;
  const b = ours.out;
  if (!a || a.length !== b.length) {
    return { ok: false, reason: `output length ${a ? a.length : 'none'}, expected ${b.length}` };
  }
  let maxAbs = 0;
  for (let i = 0; i < b.length; i++) maxAbs = Math.max(maxAbs, Math.abs(b[i]));
  let worst = 0;
  let where = -1;
  for (let i = 0; i < b.length; i++) {
    const tol = 1e-3 * Math.abs(b[i]) + 1e-4 * maxAbs;
    const r = Math.abs(a[i] - b[i]) / tol;
    if (!(r <= worst)) {
      worst = Number.isNaN(r) ? Infinity : r; // a NaN where ours is finite never agrees
      where = i;
    }
  }
  const result = { ok: worst <= 1, worst, where };
  if (!result.ok) {
    result.reason = `element ${where}: ${a[where]} vs ours ${b[where]} (${worst.toPrecision(3)}x the tolerance)`;
  }
  if (ours.loss !== undefined) {
    const lossErr = Math.abs(peer.loss - ours.loss) / Math.max(Math.abs(ours.loss), 1e-30);
    result.lossError = lossErr;
    if (!(lossErr <= 1e-4)) {
      result.ok = false;
      result.reason = `loss ${peer.loss} vs ours ${ours.loss}${result.reason ? `; ${result.reason}` : ''}`;
    }
  }
  return result;
}
