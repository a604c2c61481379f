// The playground's next-token model (panel 12): the committed corpus is what its
// generator writes, the committed weights belong to that corpus and have the losses they
// claim, and scripts/train-next-token.mjs (sm.crossEntropy with grad: true + hand-written
// backprop) still trains a model that reaches the stated loss.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { generateCorpus, CORPUS_PATH } from '../scripts/next-token-corpus.mjs';
import { MODEL, meanLoss, prepareCorpus, train } from '../scripts/train-next-token.mjs';
import { decodeFloat32, detokenize, encodeFloat32, loadModel, tokenize } from '../web/lib/next-token-model.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = readFileSync(CORPUS_PATH, 'utf8');
const modelPath = path.join(ROOT, MODEL);
const json = JSON.parse(readFileSync(modelPath, 'utf8'));

// The losses the committed model is stated to reach (nats per token; README and panel text).
const STATED = { train: 1.55, heldOut: 1.7 };
// What 2 epochs of the script must reach (measured 1.71 held out).
const STATED_SHORT_RUN = { heldOut: 1.8 };

test('the corpus file is exactly what scripts/next-token-corpus.mjs generates', () => {
  assert.equal(corpus, generateCorpus());
  const lines = corpus.trimEnd().split('\n');
  assert.equal(lines.length, 4000);
  for (const l of lines) assert.match(l, /^[a-z]+( [a-z,]+)* \.$/, l);
});

test('tokenizer and weight encoding round-trip', () => {
  assert.deepEqual(tokenize('The cat, on a MAT.'), ['the', 'cat', ',', 'on', 'a', 'mat', '.']);
  assert.equal(detokenize(['the', 'cat', ',', 'sat', '.']), 'the cat, sat.');
  for (const n of [0, 1, 2, 3, 7, 100]) {
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 10 ** ((i % 7) - 3));
    assert.deepEqual(decodeFloat32(encodeFloat32(x)), x, `${n} floats`);
  }
});

test('the committed model belongs to the committed corpus, is small, and has the losses it records', () => {
  assert.ok(statSync(modelPath).size <= 1024 * 1024, 'at most 1 MB');
  assert.equal(json.corpus.sha256, createHash('sha256').update(corpus).digest('hex'), 'trained on this corpus');
  const { vocab, ids, split } = prepareCorpus(corpus);
  assert.deepEqual(json.vocab, vocab);
  assert.equal(json.corpus.trainingTokens, split);
  const model = loadModel(json);
  const { context: C, embed: D, hidden: H } = json;
  assert.equal(json.parameters, vocab.length * D + H * C * D + H + vocab.length * H + vocab.length);
  const train = meanLoss(model, ids, 0, split);
  const heldOut = meanLoss(model, ids, split, ids.length);
  assert.ok(Math.abs(train - json.loss.train) < 1e-9, `train loss ${train} vs recorded ${json.loss.train}`);
  assert.ok(Math.abs(heldOut - json.loss.heldOut) < 1e-9, `held-out loss ${heldOut} vs recorded ${json.loss.heldOut}`);
  assert.ok(train <= STATED.train, `train loss ${train} <= ${STATED.train}`);
  assert.ok(
    heldOut <= STATED.heldOut,
    `held-out loss ${heldOut} <= ${STATED.heldOut} (uniform: ${Math.log(vocab.length)})`,
  );
});

test('the committed model continues "the cat sat on a" with "mat" first, as the essay does', () => {
  const model = loadModel(json);
  const l = model.logits(tokenize('the cat sat on a').map((w) => model.index.get(w)));
  const order = Array.from(l.keys()).sort((a, b) => l[b] - l[a]);
  assert.equal(model.vocab[order[0]], 'mat');
  assert.deepEqual(
    order
      .slice(0, 5)
      .map((i) => model.vocab[i])
      .sort(),
    ['bed', 'chair', 'floor', 'mat', 'rug'],
  );
});

test('scripts/train-next-token.mjs trains (2 epochs) to the stated held-out loss', { timeout: 180_000 }, async () => {
  const short = await train({ epochs: 2 });
  assert.deepEqual(short.vocab, json.vocab);
  assert.equal(short.training.steps, 2 * Math.floor(json.corpus.trainingTokens / short.training.batch));
  const [first, second] = short.training.batchLossPerEpoch;
  assert.ok(second < first, `the loss falls: ${first} -> ${second}`);
  assert.ok(
    short.loss.heldOut <= STATED_SHORT_RUN.heldOut,
    `held-out loss after 2 epochs: ${short.loss.heldOut} <= ${STATED_SHORT_RUN.heldOut}`,
  );
  assert.ok(short.loss.heldOut < 0.35 * short.loss.uniform, 'far below a uniform guess');
});
