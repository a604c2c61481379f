// Pure-JS float64 reference for every softmax-wasm op.
//
// Written straight from the definitions so that it can be read and checked by
// hand; the only concession to numerics is that every sum is compensated
// (Neumaier), because a plain float64 sum over a 50,257-long row can be off by
// more than the 1e-13 the float64 kernels promise.
//
// Tensors are row-major N-d arrays. An op "along axis" views the tensor as
// outer x n x inner, where n = shape[axis]; a *fibre* is the n values
// x[(o * n + k) * inner + i] for k = 0..n-1 at one (o, i).
//
// Every function takes any array-like of numbers (a Float32Array is widened
// exactly) and returns a Float64Array (cross-entropy returns { loss, grad }).

// ---------------------------------------------------------------- layout ----

/** Normalises { shape, axis } and returns the outer x n x inner view. */
export function layout(length, { shape, axis = -1 } = {}) {
  const dims = shape === undefined ? [length] : [...shape];
  const rank = dims.length;
  // A scalar (shape []) has one fibre of length 1; axis -1 and 0 both name it.
  if (rank === 0) {
    if (axis !== -1 && axis !== 0) throw new RangeError(`axis ${axis} out of range for a scalar`);
    if (length !== 1) throw new RangeError(`length ${length} is not 1 for shape []`);
    return { dims, rank, axis: 0, outer: 1, n: 1, inner: 1, size: 1 };
  }
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  }
  const product = (list) => list.reduce((p, d) => p * d, 1);
  const size = product(dims);
  if (size !== length) throw new RangeError(`length ${length} is not the product of shape [${dims}]`);
  return {
    dims,
    rank,
    axis: a,
    outer: product(dims.slice(0, a)),
    n: dims[a],
    inner: product(dims.slice(a + 1)),
    size,
  };
}

/** Calls visit(indices) once per fibre, with the fibre's flat indices in order. */
export function forEachFibre({ outer, n, inner }, visit) {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const indices = new Array(n);
      for (let k = 0; k < n; k++) indices[k] = (o * n + k) * inner + i;
      visit(indices, o * inner + i);
    }
  }
}

// ------------------------------------------------------------ arithmetic ----

/** Compensated (Neumaier) sum; falls back to the plain sum once it is not finite. */
export function accurateSum(values) {
  let plain = 0;
  let sum = 0;
  let compensation = 0;
  for (const v of values) {
    plain += v;
    const t = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) compensation += sum - t + v;
    else compensation += v - t + sum;
    sum = t;
  }
  return Number.isFinite(plain) ? sum + compensation : plain;
}

/**
 * The PyTorch rule for a fibre that softmax cannot normalise: all -Infinity,
 * or any NaN, or any +Infinity. Such a fibre becomes all NaN.
 */
export function isPoisonedFibre(values) {
  if (values.some((v) => Number.isNaN(v) || v === Infinity)) return true;
  return values.length > 0 && values.every((v) => v === -Infinity);
}

/**
 * For one fibre of finite-or--Infinity values: m = max, e_k = exp((x_k - m)/T)
 * and S = sum e_k (S >= 1 because the max contributes exp(0) = 1).
 */
function shiftedExps(values, temperature) {
  const m = Math.max(...values);
  const e = values.map((v) => Math.exp((v - m) / temperature));
  return { m, e, S: accurateSum(e) };
}

function fibreValues(x, indices) {
  return indices.map((j) => Number(x[j]));
}

// --------------------------------------------------------------- forward ----

/**
 * The forward ops' shared frame: for each fibre of x along axis, fibreOut
 * maps its values to its outputs; a poisoned fibre (a NaN or +inf, or all
 * -inf: PyTorch's rule) becomes all NaN instead.
 */
function mapFibres(x, { shape, axis }, fibreOut) {
  const view = layout(x.length, { shape, axis });
  const out = new Float64Array(view.size);
  forEachFibre(view, (indices) => {
    const values = fibreValues(x, indices);
    const result = isPoisonedFibre(values) ? null : fibreOut(values);
    indices.forEach((j, k) => {
      out[j] = result ? result[k] : NaN;
    });
  });
  return out;
}

/** softmax(x / T) along axis, three passes: max, exp-sum, divide. */
export function softmax(x, { shape, axis, temperature = 1 } = {}) {
  return mapFibres(x, { shape, axis }, (values) => {
    const { e, S } = shiftedExps(values, temperature);
    return e.map((v) => v / S);
  });
}

/** logSoftmax(x / T) = (x - m)/T - log(sum exp((x - m)/T)). */
export function logSoftmax(x, { shape, axis, temperature = 1 } = {}) {
  return mapFibres(x, { shape, axis }, (values) => {
    const { m, S } = shiftedExps(values, temperature);
    const logS = Math.log(S);
    return values.map((v) => (v - m) / temperature - logS);
  });
}

/**
 * log(sum exp(x)) along axis; the result has the shape without `axis`.
 * NaN if any NaN, else +Infinity if any +Infinity, else -Infinity if all
 * -Infinity or the fibre is empty. (No temperature: the API has none here.)
 */
export function logSumExp(x, { shape, axis } = {}) {
  const view = layout(x.length, { shape, axis });
  const out = new Float64Array(view.outer * view.inner);
  forEachFibre(view, (indices, position) => {
    const values = fibreValues(x, indices);
    if (values.some(Number.isNaN)) out[position] = NaN;
    else if (values.includes(Infinity)) out[position] = Infinity;
    else if (values.every((v) => v === -Infinity))
      out[position] = -Infinity; // also n = 0
    else {
      const { m, S } = shiftedExps(values, 1);
      out[position] = m + Math.log(S);
    }
  });
  return out;
}

// -------------------------------------------------------------- backward ----

function checkSameLength(dy, y) {
  if (dy.length !== y.length) throw new RangeError(`dy length ${dy.length} != y length ${y.length}`);
}

/** dx = (1/T) y * (dy - <dy, y>), y = softmax(x / T), the dot product per fibre. */
export function softmaxBackward(dy, y, { shape, axis, temperature = 1 } = {}) {
  checkSameLength(dy, y);
  const view = layout(y.length, { shape, axis });
  const dx = new Float64Array(view.size);
  forEachFibre(view, (indices) => {
    const dot = accurateSum(indices.map((j) => dy[j] * y[j]));
    for (const j of indices) dx[j] = (y[j] * (dy[j] - dot)) / temperature;
  });
  return dx;
}

/** dx = (1/T)(dy - exp(y) * sum(dy)), y = logSoftmax(x / T), the sum per fibre. */
export function logSoftmaxBackward(dy, y, { shape, axis, temperature = 1 } = {}) {
  checkSameLength(dy, y);
  const view = layout(y.length, { shape, axis });
  const dx = new Float64Array(view.size);
  forEachFibre(view, (indices) => {
    const total = accurateSum(indices.map((j) => dy[j]));
    for (const j of indices) dx[j] = (dy[j] - Math.exp(y[j]) * total) / temperature;
  });
  return dx;
}

/** The size of the terms of softmaxBackward: |y_i| (|dy_i| + |<dy, y>|) / T (README). */
export function softmaxBackwardScale(dy, y, { shape, axis, temperature = 1 } = {}) {
  const view = layout(y.length, { shape, axis });
  const scale = new Float64Array(view.size);
  forEachFibre(view, (indices) => {
    const dot = Math.abs(accurateSum(indices.map((j) => dy[j] * y[j])));
    for (const j of indices) scale[j] = (Math.abs(y[j]) * (Math.abs(dy[j]) + dot)) / temperature;
  });
  return scale;
}

/** The size of the terms of logSoftmaxBackward: (|dy_i| + exp(y_i) |sum dy|) / T (README). */
export function logSoftmaxBackwardScale(dy, y, { shape, axis, temperature = 1 } = {}) {
  const view = layout(y.length, { shape, axis });
  const scale = new Float64Array(view.size);
  forEachFibre(view, (indices) => {
    const total = Math.abs(accurateSum(indices.map((j) => dy[j])));
    for (const j of indices) scale[j] = (Math.abs(dy[j]) + Math.exp(y[j]) * total) / temperature;
  });
  return scale;
}

// ------------------------------------------------------------- Jacobians ----

/**
 * For a 1-D x: s = softmax(x / T) plus, for each i, 1 - s_i computed as
 * (sum_{j != i} e_j) / S so that it does not cancel when s_i is near 1.
 */
function softmaxParts(x, temperature) {
  const values = Array.from(x, Number);
  const n = values.length;
  if (isPoisonedFibre(values)) {
    return { n, s: new Array(n).fill(NaN), oneMinusS: new Array(n).fill(NaN) };
  }
  const { e, S } = shiftedExps(values, temperature);
  const s = e.map((v) => v / S);
  const oneMinusS = e.map((_, i) => accurateSum(e.filter((_, j) => j !== i)) / S);
  return { n, s, oneMinusS };
}

/** J[i*n + j] = d y_i / d x_j = (1/T)(s_i δij - s_i s_j): diag(s) - s s^T, over T. */
export function softmaxJacobian(x, { temperature = 1 } = {}) {
  const { n, s, oneMinusS } = softmaxParts(x, temperature);
  const J = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      J[i * n + j] = (i === j ? s[i] * oneMinusS[i] : -s[i] * s[j]) / temperature;
    }
  }
  return J;
}

/** J[i*n + j] = d log y_i / d x_j = (1/T)(δij - s_j). */
export function logSoftmaxJacobian(x, { temperature = 1 } = {}) {
  const { n, s, oneMinusS } = softmaxParts(x, temperature);
  const J = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      J[i * n + j] = (i === j ? oneMinusS[j] : -s[j]) / temperature;
    }
  }
  return J;
}

// --------------------------------------------------------- cross-entropy ----
//
// torch.nn.functional.cross_entropy / nll_loss semantics. The class axis is
// `axis` (default -1, like every op here). Targets:
//   - class indices: an Int32Array or a plain array (any non-float array) with
//     one entry per fibre, laid out row-major over the shape without `axis`;
//   - class probabilities (crossEntropy only): a Float32Array/Float64Array
//     with the same length and layout as the logits.
// The result is { loss, grad }: loss is a number for 'mean'/'sum' and a
// Float64Array of per-sample losses for 'none'; grad = d loss / d input
// (for 'none', of the sum of the per-sample losses).

function isProbabilityTarget(target) {
  return target instanceof Float32Array || target instanceof Float64Array;
}

function classWeight(weight, c) {
  return weight === undefined || weight === null ? 1 : Number(weight[c]);
}

/**
 * Reduces per-sample losses and per-sample dloss/dinput to { loss, grad }.
 * 'mean' with a zero denominator is torch's 0/0: the loss is NaN. If every
 * target was ignored, nothing reaches the gradient and it is all 0; if some
 * were counted but their weights sum to 0, torch's backward multiplies
 * weight 0 by 1/0 and their rows (whole fibres, after log-softmax) are NaN.
 */
function reduce(perSample, grads, denominator, reduction, countedFibres) {
  if (reduction === 'none') return { loss: Float64Array.from(perSample), grad: grads };
  const total = accurateSum(perSample);
  if (reduction === 'sum') return { loss: total, grad: grads };
  if (reduction !== 'mean') throw new RangeError(`reduction ${reduction} is not 'mean', 'sum' or 'none'`);
  if (denominator === 0) {
    const grad = grads.map(() => 0);
    for (const indices of countedFibres) for (const j of indices) grad[j] = NaN;
    return { loss: NaN, grad };
  }
  return { loss: total / denominator, grad: grads.map((g) => g / denominator) };
}

/**
 * The core of both losses, written on log-probabilities lp. For each sample
 * it builds g_c = d loss_n / d lp_c; `throughLogSoftmax` then maps g to the
 * logits (dx = g - softmax(x) * sum(g)), otherwise grad = g.
 */
function lossFromLogProbs(lp, target, opts, throughLogSoftmax) {
  const { shape, axis, reduction = 'mean', weight, ignoreIndex = -100, labelSmoothing = 0 } = opts;
  const view = layout(lp.length, { shape, axis });
  const C = view.n;
  const eps = labelSmoothing;
  const probabilities = isProbabilityTarget(target);
  const samples = view.outer * view.inner;
  if (probabilities ? target.length !== view.size : target.length !== samples) {
    throw new RangeError(`target length ${target.length} does not match the input`);
  }
  const perSample = new Float64Array(samples);
  const grad = new Float64Array(view.size);
  let denominator = probabilities ? samples : 0;
  const countedFibres = []; // the fibres of samples that are not ignored

  forEachFibre(view, (indices, position) => {
    const g = new Array(C).fill(0);
    if (probabilities) {
      // y' = y (1 - eps) + eps / C;  loss_n = -sum_c w_c y'_c lp_c
      for (let c = 0; c < C; c++) {
        const smoothed = Number(target[indices[c]]) * (1 - eps) + eps / C;
        g[c] = -classWeight(weight, c) * smoothed;
      }
    } else {
      const t = Number(target[position]);
      if (t === ignoreIndex) return; // loss 0, gradient 0, not counted
      if (!Number.isInteger(t) || t < 0 || t >= C) throw new RangeError(`target ${t} is out of bounds`);
      const wt = classWeight(weight, t);
      denominator += wt;
      countedFibres.push(indices);
      // loss_n = (1 - eps) w_t (-lp_t) + eps/C sum_c w_c (-lp_c)
      g[t] -= (1 - eps) * wt;
      if (eps !== 0) for (let c = 0; c < C; c++) g[c] -= (eps / C) * classWeight(weight, c);
    }
    perSample[position] = accurateSum(g.map((gc, c) => (gc === 0 ? 0 : gc * lp[indices[c]])));
    if (throughLogSoftmax) {
      const total = accurateSum(g);
      indices.forEach((j, c) => {
        grad[j] = g[c] - Math.exp(lp[j]) * total;
      });
    } else {
      indices.forEach((j, c) => {
        grad[j] = g[c];
      });
    }
  });
  return reduce(perSample, grad, denominator, reduction, countedFibres);
}

/** F.cross_entropy(logits, target, weight, ignore_index, reduction, label_smoothing). */
export function crossEntropy(logits, target, opts = {}) {
  const lp = logSoftmax(logits, { shape: opts.shape, axis: opts.axis });
  return lossFromLogProbs(lp, target, opts, true);
}

/** F.nll_loss(logProbs, target, weight, ignore_index, reduction); class-index targets only. */
export function nllLoss(logProbs, target, opts = {}) {
  if (isProbabilityTarget(target)) throw new TypeError('nllLoss takes class-index targets only');
  const { labelSmoothing, ...rest } = opts;
  if (labelSmoothing) throw new RangeError('nllLoss has no labelSmoothing');
  return lossFromLogProbs(Float64Array.from(logProbs, Number), target, rest, false);
}
