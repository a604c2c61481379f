// Compiled (never run) by tests/types.test.mjs: the sampling declarations of
// bindings/index.d.ts type the README's sampling usage.
import { load, type Random } from '../../bindings/index.js';

async function main(): Promise<void> {
  const sm = await load();
  const rng: Random = sm.random(42);
  const seed: bigint = rng.seed;
  const logits = new Float32Array(2 * 50257);
  const tokens: Int32Array = sm.sample(logits, {
    shape: [2, 50257],
    temperature: 0.8,
    topK: 50,
    topP: 0.9,
    minP: 0.05,
    random: rng,
  });
  const withLp = sm.sample(logits, {
    shape: [2, 50257],
    random: 7n,
    logProbs: true as const,
    history: [[1, 2], new Int32Array([3])],
  });
  const lp: Float64Array = withLp.logProbs;
  const kept: Float32Array = sm.filterLogits(logits, {
    shape: [2, 50257],
    logitBias: new Map([[13, -Infinity]]),
    repetitionPenalty: 1.2,
    history: new BigInt64Array(4),
  });
  const { values, indices } = sm.topK(new Float64Array(10), 3, { largest: false });
  const v: Float64Array = values;
  const best: Int32Array = sm.argmax(logits, { shape: [2, 50257] });
  [seed, tokens, lp, kept, v, indices, best].forEach(() => undefined);
}

void main;
