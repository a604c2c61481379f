// The training demo's model code: generated 2-D data and two small classifiers
// (softmax regression, and a 2-layer tanh network), trained by full-batch gradient
// descent with momentum. The loss and its gradient w.r.t. the logits, (s - y) / N,
// come from sm.crossEntropy(..., { grad: true }); the rest is plain matrix code.
import { rng, gauss } from './format.js';

export const CLASS_COUNT = 3;

/** Three interleaved spirals (or three blobs) in [-1, 1]^2; labels 0..2. */
export function makeData(kind, perClass = 80, seed = 3) {
  const rand = rng(seed);
  const K = CLASS_COUNT;
  const N = perClass * K;
  const X = new Float32Array(N * 2);
  const y = new Int32Array(N);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < perClass; i++) {
      const n = k * perClass + i;
      let a;
      let b;
      if (kind === 'blobs') {
        const angle = (2 * Math.PI * k) / K + 0.5;
        a = 0.55 * Math.cos(angle) + 0.22 * gauss(rand);
        b = 0.55 * Math.sin(angle) + 0.22 * gauss(rand);
      } else {
        const r = 0.08 + (0.9 * i) / perClass;
        const t = (k * 2 * Math.PI) / K + 5.5 * r + 0.2 * gauss(rand);
        a = r * Math.sin(t);
        b = r * Math.cos(t);
      }
      X[2 * n] = a;
      X[2 * n + 1] = b;
      y[n] = k;
    }
  }
  return { X, y, N, K };
}

/** kind 'linear' (softmax regression) or 'mlp' (2 -> hidden tanh -> 3). */
export function createModel(kind, { hidden = 32, seed = 11 } = {}) {
  const rand = rng(seed);
  const K = CLASS_COUNT;
  const init = (len, sd) => Float32Array.from({ length: len }, () => sd * gauss(rand));
  const params =
    kind === 'mlp'
      ? { W1: init(2 * hidden, 2.0), b1: init(hidden, 0.5), W2: init(hidden * K, 0.1), b2: new Float32Array(K) }
      : { W: init(2 * K, 0.1), b: new Float32Array(K) };
  const velocity = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, new Float32Array(v.length)]));
  return { kind, hidden, K, params, velocity, step: 0 };
}

/** logits (N x K) for N points X (N x 2); also returns the hidden activations. */
export function forward(model, X, N) {
  const { K, params: p } = model;
  const logits = new Float32Array(N * K);
  if (model.kind !== 'mlp') {
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) logits[n * K + k] = X[2 * n] * p.W[k] + X[2 * n + 1] * p.W[K + k] + p.b[k];
    }
    return { logits };
  }
  const H = model.hidden;
  const act = new Float32Array(N * H);
  for (let n = 0; n < N; n++) {
    const a = X[2 * n];
    const b = X[2 * n + 1];
    for (let j = 0; j < H; j++) act[n * H + j] = Math.tanh(a * p.W1[j] + b * p.W1[H + j] + p.b1[j]);
    for (let k = 0; k < K; k++) {
      let z = p.b2[k];
      for (let j = 0; j < H; j++) z += act[n * H + j] * p.W2[j * K + k];
      logits[n * K + k] = z;
    }
  }
  return { logits, act };
}

/** One gradient-descent step with momentum 0.9; returns the loss before the step. */
export function trainStep(sm, model, data, lr) {
  const { X, y, N } = data;
  const { K, params: p } = model;
  const { logits, act } = forward(model, X, N);
  const { loss, grad: G } = sm.crossEntropy(logits, y, { shape: [N, K], grad: true });
  const grads = {};
  if (model.kind !== 'mlp') {
    grads.W = new Float32Array(2 * K);
    grads.b = new Float32Array(K);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        const g = G[n * K + k];
        grads.W[k] += X[2 * n] * g;
        grads.W[K + k] += X[2 * n + 1] * g;
        grads.b[k] += g;
      }
    }
  } else {
    const H = model.hidden;
    grads.W1 = new Float32Array(2 * H);
    grads.b1 = new Float32Array(H);
    grads.W2 = new Float32Array(H * K);
    grads.b2 = new Float32Array(K);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) grads.b2[k] += G[n * K + k];
      for (let j = 0; j < H; j++) {
        const aj = act[n * H + j];
        let dh = 0;
        for (let k = 0; k < K; k++) {
          const g = G[n * K + k];
          grads.W2[j * K + k] += aj * g;
          dh += g * p.W2[j * K + k];
        }
        const dz = dh * (1 - aj * aj);
        grads.W1[j] += X[2 * n] * dz;
        grads.W1[H + j] += X[2 * n + 1] * dz;
        grads.b1[j] += dz;
      }
    }
  }
  for (const name of Object.keys(p)) {
    const w = p[name];
    const v = model.velocity[name];
    const g = grads[name];
    for (let i = 0; i < w.length; i++) {
      v[i] = 0.9 * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
  model.step += 1;
  return typeof loss === 'number' ? loss : loss[0];
}

/** Fraction of points whose largest logit is the true class. */
export function accuracy(model, data) {
  const { logits } = forward(model, data.X, data.N);
  let right = 0;
  for (let n = 0; n < data.N; n++) {
    let best = 0;
    for (let k = 1; k < model.K; k++) if (logits[n * model.K + k] > logits[n * model.K + best]) best = k;
    if (best === data.y[n]) right++;
  }
  return right / data.N;
}
