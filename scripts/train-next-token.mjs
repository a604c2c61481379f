#!/usr/bin/env node
// train-next-token.mjs — trains the playground's next-token model and writes
// web/data/next-token-model.json (committed; the page loads it).
//
//   node scripts/train-next-token.mjs                 train and write the model
//   node scripts/train-next-token.mjs --out=FILE      write somewhere else
//   node scripts/train-next-token.mjs --check         retrain and compare with the committed file
//   options: --epochs=N (default 4), --seed=N, --quiet
//
// A run with the defaults reproduces the committed web/data/next-token-model.json byte for
// byte (checked with the SIMD build on Node 20; about 40 s on a busy 2-core machine).
// tests/next_token_model.test.mjs checks the committed file's losses and trains 2 epochs.
//
// The model is the word-level MLP of web/lib/next-token-model.js (the last 4 words ->
// 16-dim embeddings -> 64 tanh units -> one logit per word). The corpus is
// data/next-token/corpus.txt (written by scripts/next-token-corpus.mjs): one stream of
// sentences; the last 10% of them are held out and only evaluated. Each step takes a
// minibatch of 128 positions, computes the logits in JS, and gets the loss and its
// gradient with respect to the logits from softmax-wasm:
//
//   const { loss, grad } = sm.crossEntropy(logits, targets, { shape: [B, V], grad: true });
//
// everything behind the logits (W2, b2, the tanh layer, W1, b1, the embeddings) is
// backpropagated here by hand and updated with Adam. Seeded initialisation and
// shuffling, so a run on the same build reproduces the same weights.
// The losses recorded in the JSON are mean nats per token of the saved (float32)
// weights, computed with the JS forward pass of next-token-model.js.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../bindings/index.js';
import { rng as mulberry32 } from '../web/lib/format.js';
import { MODEL_FORMAT, encodeFloat32, loadModel, tokenize } from '../web/lib/next-token-model.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CORPUS = 'data/next-token/corpus.txt';
export const MODEL = 'web/data/next-token-model.json';
const CONTEXT = 4;
const EMBED = 16;
const HIDDEN = 64;
const BATCH = 128;
const HELD_OUT = 0.1;

/** The corpus as token ids: vocabulary sorted by count (ties by word), and the held-out split. */
export function prepareCorpus(text) {
  const sentences = text.split('\n').filter(Boolean).map(tokenize);
  const counts = new Map();
  for (const s of sentences) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
  const vocab = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : 1));
  const index = new Map(vocab.map((t, i) => [t, i]));
  const ids = Int32Array.from(sentences.flat(), (t) => index.get(t));
  const trainSentences = Math.round(sentences.length * (1 - HELD_OUT));
  const split = sentences.slice(0, trainSentences).reduce((n, s) => n + s.length, 0);
  return { vocab, ids, split, sentences: sentences.length };
}

/** Mean cross-entropy (nats per token) of a model over positions [from, to) of the stream. */
export function meanLoss(model, ids, from, to) {
  const V = model.vocab.length;
  const logits = new Float64Array(V);
  let total = 0;
  for (let t = from; t < to; t++) {
    model.logits(ids.subarray(Math.max(0, t - model.context), t), logits);
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, logits[v]);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[v] - m);
    total += m + Math.log(s) - logits[ids[t]];
  }
  return total / (to - from);
}

export async function train({ epochs = 4, seed = 1, log = () => {} } = {}) {
  const sm = await load();
  const text = readFileSync(path.join(ROOT, CORPUS), 'utf8');
  const { vocab, ids, split, sentences } = prepareCorpus(text);
  const V = vocab.length;
  const C = CONTEXT;
  const D = EMBED;
  const H = HIDDEN;
  const CD = C * D;
  const pad = vocab.indexOf('.');
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  // Parameters and their Adam moments, float64 while training.
  const P = {
    E: Float64Array.from({ length: V * D }, () => 0.5 * gauss()),
    W1: Float64Array.from({ length: H * CD }, () => gauss() / Math.sqrt(CD)),
    b1: new Float64Array(H),
    W2: Float64Array.from({ length: V * H }, () => gauss() / Math.sqrt(H)),
    b2: new Float64Array(V),
  };
  const G = Object.fromEntries(Object.entries(P).map(([k, v]) => [k, new Float64Array(v.length)]));
  const M = Object.fromEntries(Object.entries(P).map(([k, v]) => [k, new Float64Array(v.length)]));
  const S = Object.fromEntries(Object.entries(P).map(([k, v]) => [k, new Float64Array(v.length)]));

  const ctx = new Int32Array(BATCH * C);
  const target = new Int32Array(BATCH);
  const X = new Float64Array(BATCH * CD);
  const Hh = new Float64Array(BATCH * H);
  const logits = new Float64Array(BATCH * V);
  const dH = new Float64Array(BATCH * H);
  const dX = new Float64Array(BATCH * CD);

  const positions = Int32Array.from({ length: split }, (_, i) => i);
  const stepsPerEpoch = Math.floor(split / BATCH);
  const totalSteps = epochs * stepsPerEpoch;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const lrMax = 0.01;
  const lrMin = 0.0003;
  let step = 0;
  const history = [];
  const t0 = Date.now();

  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = positions.length - 1; i > 0; i--) {
      // Fisher-Yates, seeded
      const j = Math.floor(rand() * (i + 1));
      [positions[i], positions[j]] = [positions[j], positions[i]];
    }
    let epochLoss = 0;
    for (let b0 = 0; b0 + BATCH <= positions.length; b0 += BATCH) {
      // Forward: gather embeddings, tanh layer, logits.
      for (let b = 0; b < BATCH; b++) {
        const t = positions[b0 + b];
        target[b] = ids[t];
        for (let c = 0; c < C; c++) {
          const k = t - C + c;
          const id = k >= 0 ? ids[k] : pad;
          ctx[b * C + c] = id;
          for (let d = 0; d < D; d++) X[b * CD + c * D + d] = P.E[id * D + d];
        }
        for (let j = 0; j < H; j++) {
          let s = P.b1[j];
          for (let i = 0; i < CD; i++) s += P.W1[j * CD + i] * X[b * CD + i];
          Hh[b * H + j] = Math.tanh(s);
        }
        for (let v = 0; v < V; v++) {
          let s = P.b2[v];
          for (let j = 0; j < H; j++) s += P.W2[v * H + j] * Hh[b * H + j];
          logits[b * V + v] = s;
        }
      }
      // The loss and dLoss/dlogits (mean over the batch) from the wasm kernel.
      const { loss, grad } = sm.crossEntropy(logits, target, { shape: [BATCH, V], grad: true });
      epochLoss += loss;
      // Backward by hand.
      for (const g of Object.values(G)) g.fill(0);
      dH.fill(0);
      for (let b = 0; b < BATCH; b++) {
        for (let v = 0; v < V; v++) {
          const g = grad[b * V + v];
          G.b2[v] += g;
          for (let j = 0; j < H; j++) {
            G.W2[v * H + j] += g * Hh[b * H + j];
            dH[b * H + j] += g * P.W2[v * H + j];
          }
        }
        dX.fill(0, b * CD, b * CD + CD);
        for (let j = 0; j < H; j++) {
          const hj = Hh[b * H + j];
          const dz = dH[b * H + j] * (1 - hj * hj);
          G.b1[j] += dz;
          for (let i = 0; i < CD; i++) {
            G.W1[j * CD + i] += dz * X[b * CD + i];
            dX[b * CD + i] += dz * P.W1[j * CD + i];
          }
        }
        for (let c = 0; c < C; c++) {
          const id = ctx[b * C + c];
          for (let d = 0; d < D; d++) G.E[id * D + d] += dX[b * CD + c * D + d];
        }
      }
      // Adam with a cosine learning-rate schedule.
      step++;
      const lr = lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps));
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (const k of Object.keys(P)) {
        const p = P[k];
        const g = G[k];
        const m = M[k];
        const s = S[k];
        for (let i = 0; i < p.length; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];
          p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps);
        }
      }
    }
    history.push(epochLoss / stepsPerEpoch);
    log(
      `epoch ${epoch + 1}/${epochs}: mean training-batch loss ${history[epoch].toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }

  const json = {
    format: MODEL_FORMAT,
    about:
      'Word-level MLP language model for the softmax-wasm playground; trained by scripts/train-next-token.mjs with sm.crossEntropy({ grad: true }).',
    corpus: {
      file: CORPUS,
      sha256: createHash('sha256').update(text).digest('hex'),
      sentences,
      tokens: ids.length,
      trainingTokens: split,
      heldOutTokens: ids.length - split,
    },
    context: C,
    embed: D,
    hidden: H,
    parameters: V * D + H * CD + H + V * H + V,
    training: {
      seed,
      epochs,
      batch: BATCH,
      steps: step,
      optimizer: 'Adam (0.9, 0.999, 1e-8)',
      learningRate: `cosine ${lrMax} -> ${lrMin}`,
      backend: sm.backend,
      batchLossPerEpoch: history.map((l) => Number(l.toFixed(4))),
    },
    loss: {},
    vocab,
    weights: Object.fromEntries(Object.entries(P).map(([k, v]) => [k, encodeFloat32(v)])),
  };
  // Losses of the weights as saved (float32).
  const model = loadModel(json);
  json.loss = {
    uniform: Math.log(V),
    train: meanLoss(model, ids, 0, split),
    heldOut: meanLoss(model, ids, split, ids.length),
  };
  log(
    `loss (nats per token): uniform ${json.loss.uniform.toFixed(4)}, train ${json.loss.train.toFixed(4)}, held out ${json.loss.heldOut.toFixed(4)}`,
  );
  return json;
}

/**
 * JSON text laid out as the project's formatter (Biome, 2 spaces, 120 columns) lays it out:
 * objects one key per line, arrays of plain values on one line when they fit, else one per line.
 */
export function formatJson(value) {
  const out = (v, indent, prefixLen, trailing) => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const plain = v.every((x) => x === null || typeof x !== 'object');
      const inline = `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
      if (plain && prefixLen + inline.length + trailing <= 120) return inline;
      const inner = `${indent}  `;
      const items = v.map((x, i) => inner + out(x, inner, inner.length, i < v.length - 1 ? 1 : 0));
      return `[\n${items.join(',\n')}\n${indent}]`;
    }
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) return '{}';
      const inner = `${indent}  `;
      const items = keys.map((k, i) => {
        const head = `${inner}${JSON.stringify(k)}: `;
        return head + out(v[k], inner, head.length, i < keys.length - 1 ? 1 : 0);
      });
      return `{\n${items.join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(v);
  };
  return `${out(value, '', 0, 0)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts = { out: path.join(ROOT, MODEL), epochs: 4, seed: 1, quiet: false, check: false };
  for (const a of process.argv.slice(2)) {
    const [k, v] = a.split('=');
    if (k === '--out') opts.out = path.resolve(v);
    else if (k === '--epochs') opts.epochs = Number(v);
    else if (k === '--seed') opts.seed = Number(v);
    else if (k === '--quiet') opts.quiet = true;
    else if (k === '--check') opts.check = true;
    else throw new Error(`unknown option ${a}`);
  }
  const json = await train({
    epochs: opts.epochs,
    seed: opts.seed,
    log: opts.quiet ? () => {} : (m) => console.error(m),
  });
  mkdirSync(path.dirname(opts.out), { recursive: true });
  const text = formatJson(json);
  if (opts.check) {
    const same = readFileSync(path.join(ROOT, MODEL), 'utf8') === text;
    console.log(same ? `${MODEL} is what this script writes` : `${MODEL} differs from what this script writes`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(opts.out, text);
  console.log(
    `wrote ${opts.out} (${(text.length / 1024).toFixed(0)} kB, ${json.parameters} parameters, ${json.vocab.length} words)`,
  );
}
