// sample / filterLogits / topK / argmax / random against the pure-JS reference
// (tests/reference-sampling.mjs), on both builds and both dtypes: every
// processor and warper alone and combined on logits with ties, -Infinity
// entries, wide ranges, huge and tiny temperatures, vocabularies around the
// SIMD widths, one and many rows; the tokens of thousands of draws equal the
// reference's (its own Philox4x32-10) and across builds; statistics of 10^5
// draws; torch.topk / torch.argmax semantics; bad input.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builds, makeRng, seededTest, SIMD_SIZES } from './helpers.mjs';
import * as S from './reference-sampling.mjs';

const BUILDS = await builds();
const DTYPES = [
  { name: 'float32', make: (v) => Float32Array.from(v) },
  { name: 'float64', make: (v) => Float64Array.from(v) },
];

// ------------------------------------------------------------- test data ----

const MODES = ['normal3', 'uniform10', 'ties', 'neginf', 'wide', 'peaked'];

function logits(rng, n, mode) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (mode) {
      case 'normal3':
        out[i] = 3 * rng.normal();
        break;
      case 'uniform10':
        out[i] = rng.uniform(-5, 5);
        break;
      case 'ties':
        out[i] = rng.int(-3, 3) * 0.5;
        break;
      case 'neginf':
        out[i] = rng.bool(0.3) ? -Infinity : 2 * rng.normal();
        break;
      case 'wide':
        out[i] = rng.uniform(-1e4, 1e4) * (rng.bool(0.1) ? 1 : 1e-3);
        break;
      case 'peaked':
        out[i] = rng.bool(0.02) ? 15 + rng.normal() : rng.normal();
        break;
      // a few tokens at the top and a cliff 15 nats down holding a few % of the
      // mass: top-p's first depth guess falls short and its fallback runs
      case 'cliff':
        out[i] = i === 0 ? 0 : -14.5 + rng.normal() * 0.1;
        break;
      default:
        throw new Error(mode);
    }
  }
  if (mode === 'neginf' && out.every((v) => v === -Infinity)) out[0] = 0;
  return out;
}

const TEMPERATURES = [1, 1, 0.7, 1.5, 0, 1e-3, 1e-6, 50, 1e4];

/** Random options of sample/filterLogits for a row of n tokens; `ref` is the reference's view of them. */
function randomOptions(rng, n, rows, { only } = {}) {
  const o = {};
  const pick = (name) => (only ? only.includes(name) : rng.bool(0.5));
  if (pick('temperature')) o.temperature = rng.pick(TEMPERATURES);
  if (pick('topK')) o.topK = rng.pick([1, 2, 3, 5, 50, Math.max(1, n - 1), n, n + 3]);
  if (pick('topP')) o.topP = rng.pick([0.9, 0.5, 0.1, 0.999, 0.95, 1e-9, 1]);
  if (pick('minP')) o.minP = rng.pick([0.05, 0.5, 0.2, 0.99, 1e-12]);
  let history;
  if (pick('history')) {
    const make = () => Array.from({ length: rng.int(0, 12) }, () => rng.int(0, n - 1));
    history = rows > 1 && rng.bool() ? Array.from({ length: rows }, make) : make();
    o.history = history;
    if (rng.bool(0.7)) o.repetitionPenalty = rng.pick([1.3, 0.8, 2]);
    if (rng.bool(0.5)) o.presencePenalty = rng.pick([0.5, -0.3, 1.2]);
    if (rng.bool(0.5)) o.frequencyPenalty = rng.pick([0.3, -0.5, 1]);
  }
  let bias;
  if (pick('logitBias')) {
    bias = new Map();
    for (let j = rng.int(1, 4); j > 0; j--) bias.set(rng.int(0, n - 1), rng.pick([2.5, -1, -Infinity, 10, 0.125]));
    o.logitBias = rng.bool() ? bias : Object.fromEntries(bias);
  }
  const ref = { ...o, history, bias: bias ? [...bias] : undefined };
  delete ref.logitBias;
  return { o, ref };
}

const sameArray = (got, want, what) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(got[i] === want[i])) {
      assert.fail(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
};

/** Runs sm.filterLogits and sm.sample on one case and compares both with the reference. */
function checkCase(sm, dtype, x64, vocab, o, ref, seed, what) {
  const x = dtype.make(x64);
  const xs = Float64Array.from(x); // the values the kernels see
  const want = S.referenceSample(xs, vocab, ref, dtype.name, BigInt(seed), 0);
  const shape = [x.length / vocab, vocab];
  if (want.bad) {
    assert.throws(
      () => sm.filterLogits(x, { ...o, shape }),
      (e) => e instanceof RangeError && e.message.includes(`row ${want.row}`),
      `${what}: bad row ${want.row} (${want.bad})`,
    );
    const rng = sm.random(seed);
    assert.throws(() => sm.sample(x, { ...o, shape, random: rng }), RangeError);
    assert.equal(rng.position, 0, `${what}: the generator must not advance on a failed call`);
    return;
  }
  sameArray(sm.filterLogits(x, { ...o, shape }), want.filtered, `${what}: filterLogits`);
  const rng = sm.random(seed);
  const got = sm.sample(x, { ...o, shape, random: rng, logProbs: true });
  sameArray(got.tokens, want.tokens, `${what}: tokens`);
  for (let r = 0; r < want.logProbs.length; r++) {
    assert.ok(
      Math.abs(got.logProbs[r] - want.logProbs[r]) <= 1e-12 * Math.max(1, Math.abs(want.logProbs[r])),
      `${what}: logProbs[${r}] ${got.logProbs[r]} vs ${want.logProbs[r]}`,
    );
  }
  assert.equal(rng.position, shape[0]);
}

// ------------------------------------------------------------ the generator ----

describe('the generator', () => {
  test("the reference Philox4x32-10 reproduces Random123's known-answer vectors", () => {
    const hex = (v) => v.map((w) => w.toString(16).padStart(8, '0')).join(' ');
    assert.equal(hex(S.philox4x32_10([0, 0, 0, 0], [0, 0])), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    assert.equal(
      hex(S.philox4x32_10([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])),
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    assert.equal(
      hex(S.philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  for (const { name, sm } of BUILDS) {
    test(`${name}: the kernel's uniforms are the reference's: a 2^20-token uniform row reads u back`, () => {
      // With 2^20 equal logits every weight is 1 and the token is floor(u * 2^20).
      const n = 2 ** 20;
      const x = new Float32Array(n);
      const rng = sm.random(0xdeadbeefcafen);
      for (let i = 0; i < 300; i++) {
        const [token] = sm.sample(x, { random: rng });
        assert.equal(token, Math.floor(S.uniform(0xdeadbeefcafen, i) * n), `draw ${i}`);
      }
    });

    test(`${name}: random(seed): seeds, position, number and BigInt seeds agree`, () => {
      const a = sm.random(12345);
      const b = sm.random(12345n);
      assert.equal(a.seed, 12345n);
      assert.equal(a.position, 0);
      const x = new Float64Array([0.1, 0.5, 0.2, 0.9, 0.3]);
      const ta = sm.sample(x, { shape: [1, 5], random: a });
      const tb = sm.sample(x, { random: b });
      assert.deepEqual([...ta], [...tb]);
      assert.equal(a.position, 1);
      sm.sample(new Float64Array(15), { shape: [3, 5], random: a });
      assert.equal(a.position, 4, 'one draw per row');
      const big = sm.random(2n ** 64n - 1n);
      assert.equal(big.seed, 2n ** 64n - 1n);
      sm.sample(x, { random: big });
      assert.equal(typeof sm.random().seed, 'bigint', 'no seed: from crypto.getRandomValues');
      // A number seed in the call is a fresh generator each time: the same token.
      const t1 = sm.sample(new Float64Array(1000), { random: 7 })[0];
      const t2 = sm.sample(new Float64Array(1000), { random: 7 })[0];
      assert.equal(t1, t2);
      assert.equal(t1, Math.floor(S.uniform(7n, 0) * 1000));
    });

    test(`${name}: a [rows, vocab] call draws row r from position + r, as row-by-row calls do`, () => {
      const rng = makeRng(11);
      const x = Float32Array.from(logits(rng, 6 * 300, 'normal3'));
      const all = sm.sample(x, { shape: [6, 300], random: sm.random(99), topP: 0.9, temperature: 0.8 });
      const one = sm.random(99);
      for (let r = 0; r < 6; r++) {
        const [t] = sm.sample(x.subarray(r * 300, (r + 1) * 300), { random: one, topP: 0.9, temperature: 0.8 });
        assert.equal(all[r], t, `row ${r}`);
      }
    });
  }
});

// ------------------------------------------------------ against the reference ----

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`sampling [${build}, ${dtype.name}]`, () => {
      for (const proc of ['temperature', 'topK', 'topP', 'minP', 'history', 'logitBias']) {
        seededTest(
          `${build} ${dtype.name}: ${proc} alone matches the reference, vocabularies around the SIMD widths`,
          (rng) => {
            for (const n of SIMD_SIZES) {
              for (const mode of MODES) {
                const { o, ref } = randomOptions(rng, n, 1, { only: [proc] });
                checkCase(
                  sm,
                  dtype,
                  logits(rng, n, mode),
                  n,
                  o,
                  ref,
                  rng.int(0, 1e9),
                  `n ${n} ${mode} ${JSON.stringify(ref)}`,
                );
              }
            }
          },
        );
      }

      seededTest(
        `${build} ${dtype.name}: every processor combined, 1 and many rows, per-row and shared history`,
        (rng) => {
          for (let c = 0; c < 120; c++) {
            const n = rng.pick([...SIMD_SIZES, 100, 500, 1000, 4099]);
            const rows = rng.pick([1, 1, 2, 3, 8]);
            const mode = rng.pick(MODES);
            const { o, ref } = randomOptions(rng, n, rows);
            checkCase(
              sm,
              dtype,
              logits(rng, n * rows, mode),
              n,
              o,
              ref,
              rng.int(0, 1e9),
              `case ${c}: ${rows}x${n} ${mode} ${JSON.stringify(ref)}`,
            );
          }
        },
      );

      seededTest(`${build} ${dtype.name}: long rows (50257 and 131072) with top-k, top-p, min-p`, (rng) => {
        for (const [n, mode] of [
          [50257, 'normal3'],
          [50257, 'uniform10'],
          [131072, 'peaked'],
          [50257, 'ties'],
          [50257, 'cliff'],
        ]) {
          for (const opts of [
            { topP: 0.9 },
            { topK: 50, topP: 0.95, temperature: 0.8 },
            { minP: 0.05 },
            { temperature: 0.6 },
            { topP: 0.5, minP: 0.01, temperature: 1.3 },
            { topP: 0.99 },
            { topK: 20000, topP: 0.97 },
          ]) {
            checkCase(
              sm,
              dtype,
              logits(rng, n, mode),
              n,
              opts,
              opts,
              rng.int(0, 1e9),
              `${n} ${mode} ${JSON.stringify(opts)}`,
            );
          }
        }
      });

      seededTest(
        `${build} ${dtype.name}: filterLogits then the reference draw with the same uniform is sample`,
        (rng) => {
          for (let c = 0; c < 40; c++) {
            const n = rng.pick([7, 64, 333, 2048]);
            const rows = rng.pick([1, 4]);
            const { o } = randomOptions(rng, n, rows);
            const x = dtype.make(logits(rng, n * rows, rng.pick(MODES)));
            const shape = [rows, n];
            let f;
            try {
              f = sm.filterLogits(x, { ...o, shape });
            } catch (e) {
              assert.ok(e instanceof RangeError);
              continue;
            }
            const seed = rng.int(0, 1e9);
            const tokens = sm.sample(x, { ...o, shape, random: seed });
            for (let r = 0; r < rows; r++) {
              const z = Float64Array.from(f.subarray(r * n, (r + 1) * n));
              const m = Math.max(...z);
              const fr = {
                kept: Array.from(z, (v) => v > -Infinity),
                w: Float64Array.from(z, (v) => S.weight(v, m, dtype.name)),
                m,
              };
              const { token } = S.drawRow(z, fr, S.uniform(BigInt(seed), r));
              assert.equal(tokens[r], token, `case ${c} row ${r}`);
            }
          }
        },
      );

      seededTest(`${build} ${dtype.name}: greedy (temperature 0) is argmax, and topK(x, 1)`, (rng) => {
        for (let c = 0; c < 30; c++) {
          const n = rng.pick(SIMD_SIZES);
          const mode = rng.pick(['ties', 'normal3', 'neginf']);
          const x = dtype.make(Array.from({ length: 5 }, () => Array.from(logits(rng, n, mode))).flat());
          const greedy = sm.sample(x, { shape: [5, n], temperature: 0, topK: 3, topP: 0.5 });
          sameArray(greedy, sm.argmax(x, { shape: [5, n] }), 'greedy vs argmax');
          sameArray(greedy, sm.topK(x, 1, { shape: [5, n] }).indices, 'greedy vs topK 1');
        }
      });

      seededTest(
        `${build} ${dtype.name}: top-p keeps what Hugging Face's TopPLogitsWarper keeps on tie-free logits`,
        (rng) => {
          for (let c = 0; c < 60; c++) {
            const n = rng.pick([10, 100, 1000]);
            const x = dtype.make(logits(rng, n, rng.pick(['normal3', 'uniform10', 'peaked'])));
            const z = Float64Array.from(x);
            if (new Set(z).size !== n) continue;
            const p = rng.pick([0.3, 0.5, 0.8, 0.9, 0.95]);
            const hf = S.hfTopPKept(z, p);
            const f = sm.filterLogits(x, { topP: p });
            sameArray(
              Array.from(f, (v) => v > -Infinity),
              hf,
              `n ${n} p ${p}`,
            );
          }
        },
      );
    });
  }
}

// ----------------------------------------------------------- exact boundaries ----

/** Doubles next to x, nearest first. */
function neighbours(x) {
  const out = [x];
  for (let k = 1; k <= 8; k++) out.push(x * (1 + k * 2 ** -53), x * (1 - k * 2 ** -53));
  return out;
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    test(`${build} ${dtype.name}: the exact boundaries: top-p mass exactly p, min-p weight exactly minP, top-k ties`, () => {
      // Two tokens at the max (weight 1 each) and three a nat below. With p such
      // that fl(p * W) is exactly 2, the top pair's mass reaches p: the rest is cut.
      const z = dtype.make([0, 0, -1, -1, -1]);
      const w = Array.from(z, (v) => S.weight(v, 0, dtype.name));
      const lanes = new S.Lanes8();
      w.forEach((v, i) => lanes.add(i, v));
      const W = lanes.total();
      const p = neighbours(2 / W).find((q) => q * W === 2 && q < 1);
      assert.ok(p !== undefined, 'a p with p * W == 2');
      sameArray(sm.filterLogits(z, { topP: p }), [0, 0, -Infinity, -Infinity, -Infinity], 'mass exactly p is enough');
      const above = neighbours(2 / W)
        .filter((q) => q * W > 2 && q < 1)
        .sort((a, b) => a - b)[0];
      sameArray(sm.filterLogits(z, { topP: above }), [0, 0, -1, -1, -1], 'mass just below p keeps the next tie group');
      // min-p: a weight equal to minP is kept, a smaller one cut.
      const y = dtype.make([0, -1.5, -3]);
      const minP = S.weight(y[1], 0, dtype.name);
      sameArray(sm.filterLogits(y, { minP }), [0, -1.5, -Infinity], 'w == minP is kept');
      // top-k: every value tied with the k-th is kept.
      sameArray(
        sm.filterLogits(dtype.make([1, 3, 2, 3, 2]), { topK: 2 }),
        [-Infinity, 3, -Infinity, 3, -Infinity],
        'top-k 2',
      );
      sameArray(
        sm.filterLogits(dtype.make([1, 3, 2, 3, 2]), { topK: 3 }),
        [-Infinity, 3, 2, 3, 2],
        'top-k 3 keeps both 2s',
      );
    });
  }
}

// ------------------------------------------------------------- across builds ----

const [simd, scalar] = BUILDS.map((b) => b.sm);

seededTest(
  'the SIMD and scalar builds draw the same tokens: 4000 rows x 64 and 64 rows x 50257, ties and wide logits',
  (rng) => {
    for (const dtype of DTYPES) {
      for (const [rows, n] of [
        [4000, 64],
        [64, 50257],
      ]) {
        for (const mode of ['ties', 'wide', 'normal3', 'neginf']) {
          const { o } = randomOptions(rng, n, 1, {
            only: rng.pick([['temperature'], ['topP'], ['topK', 'topP', 'minP', 'temperature'], ['minP']]),
          });
          const x = dtype.make(logits(rng, rows * n, mode));
          const seed = BigInt(rng.int(0, 2 ** 31)) << 20n;
          let a;
          try {
            a = simd.sample(x, { ...o, shape: [rows, n], random: seed, logProbs: true });
          } catch {
            assert.throws(() => scalar.sample(x, { ...o, shape: [rows, n], random: seed }), RangeError);
            continue;
          }
          const b = scalar.sample(x, { ...o, shape: [rows, n], random: seed, logProbs: true });
          sameArray(a.tokens, b.tokens, `${dtype.name} ${rows}x${n} ${mode} ${JSON.stringify(o)}`);
          sameArray(a.logProbs, b.logProbs, 'logProbs');
          sameArray(
            simd.filterLogits(x, { ...o, shape: [rows, n] }),
            scalar.filterLogits(x, { ...o, shape: [rows, n] }),
            'filterLogits',
          );
        }
      }
    }
  },
);

test('the reference draws the same tokens as the kernels on 5000 rows with ties, -Infinity and wide logits', () => {
  const rng = makeRng(2024);
  for (const dtype of DTYPES) {
    const n = 37;
    const rows = 2500;
    const x = dtype.make(
      Array.from({ length: rows }, (_, r) => Array.from(logits(rng, n, MODES[r % MODES.length]))).flat(),
    );
    const o = { temperature: 0.9, topP: 0.97, minP: 0.001, topK: 30 };
    const want = S.referenceSample(Float64Array.from(x), n, o, dtype.name, 31337n, 0);
    for (const { sm } of BUILDS)
      sameArray(sm.sample(x, { ...o, shape: [rows, n], random: 31337 }), want.tokens, dtype.name);
  }
});

// ---------------------------------------------------------------- statistics ----

// 10^5 draws (one call of 10^5 rows) from a fixed 12-token distribution after
// each filter: a chi-square test of the counts against the renormalised kept
// weights, at a significance of 1e-6 (critical value by Wilson-Hilferty; the
// seed is fixed, so the outcome is deterministic), and no cut token drawn.
const STAT_LOGITS = [2.0, 1.5, 1.5, 0.3, -0.2, -1, 0.8, 2.4, -3, 0.1, 1.1, -Infinity];
const chiSquareCritical = (df, z = 4.753) => df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;

for (const opts of [
  {},
  { temperature: 0.6 },
  { topK: 5 },
  { topP: 0.8 },
  { minP: 0.2 },
  { topK: 8, topP: 0.9, minP: 0.05, temperature: 1.4 },
  { history: [0, 0, 7], repetitionPenalty: 1.5, presencePenalty: 0.3, frequencyPenalty: 0.2, logitBias: { 3: 1.5 } },
]) {
  test(`statistics of 10^5 draws, ${JSON.stringify(opts)}: chi-square at 1e-6, no cut token`, () => {
    const rows = 100000;
    const n = STAT_LOGITS.length;
    const x = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) x.set(STAT_LOGITS, r * n);
    const ref = {
      ...opts,
      bias: opts.logitBias ? Object.entries(opts.logitBias).map(([k, v]) => [Number(k), v]) : undefined,
    };
    const z = S.processRow(Float64Array.from(STAT_LOGITS), ref, 'float64');
    const f = S.filterRow(z, ref, 'float64');
    const total = f.w.reduce((s, w, i) => s + (f.kept[i] ? w : 0), 0);
    for (const { name, sm } of BUILDS) {
      const tokens = sm.sample(x, { ...opts, shape: [rows, n], random: 4242 });
      const counts = new Array(n).fill(0);
      for (const t of tokens) counts[t]++;
      let chi = 0;
      let df = -1;
      for (let i = 0; i < n; i++) {
        if (!f.kept[i] || f.w[i] === 0) {
          assert.equal(counts[i], 0, `${name}: token ${i} is cut but was drawn ${counts[i]} times`);
          continue;
        }
        const expected = (rows * f.w[i]) / total;
        chi += (counts[i] - expected) ** 2 / expected;
        df++;
      }
      if (df > 0)
        assert.ok(
          chi < chiSquareCritical(df),
          `${name}: chi-square ${chi.toFixed(2)} with ${df} df >= ${chiSquareCritical(df).toFixed(2)}`,
        );
    }
  });
}

// ------------------------------------------------------------------ topK, argmax ----

function topKData(rng, size, mode) {
  return Array.from({ length: size }, () => {
    if (mode === 'ties') return rng.int(-2, 2);
    if (mode === 'special') return rng.pick([NaN, -0, 0, Infinity, -Infinity, 1, -1, 0.5]);
    return rng.normal();
  });
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    seededTest(
      `${build} ${dtype.name}: topK matches torch.topk (sorted, largest and smallest, ties to the lower index, NaN largest) on hidden-size shapes and every axis`,
      (rng) => {
        const shapes = [[4, 4096], [2, 768, 3], [3, 5, 7], [17], [1, 1], [8, 33, 2], [2, 0, 3], [20011]];
        for (const shape of shapes) {
          const size = shape.reduce((p, d) => p * d, 1);
          for (let axis = -shape.length; axis < shape.length; axis++) {
            const a = axis < 0 ? axis + shape.length : axis;
            const n = shape[a];
            for (const mode of ['normal', 'ties', 'special']) {
              const x = dtype.make(topKData(rng, size, mode));
              for (const k of [...new Set([0, 1, Math.min(5, n), Math.min(50, n), Math.min(600, n), n])].filter(
                (q) => q <= n,
              )) {
                const largest = rng.bool();
                const sorted = rng.bool(0.7);
                const got = sm.topK(x, k, { shape, axis, largest, sorted });
                const want = S.referenceTopK(Float64Array.from(x), shape, a, k, largest, sorted);
                sameArray(
                  got.indices,
                  want.indices,
                  `indices ${JSON.stringify({ shape, axis, k, largest, sorted, mode })}`,
                );
                sameArray(got.values, want.values, 'values');
                assert.ok(got.values instanceof (dtype.name === 'float32' ? Float32Array : Float64Array));
              }
            }
            if (n > 0) {
              const x = dtype.make(topKData(rng, size, rng.pick(['ties', 'special'])));
              sameArray(
                sm.argmax(x, { shape, axis }),
                S.referenceArgmax(Float64Array.from(x), shape, a),
                `argmax ${shape} ${axis}`,
              );
            }
          }
        }
      },
    );
  }
}

// ----------------------------------------------------------------- bad input ----

for (const { name: build, sm } of BUILDS) {
  test(`${build}: bad input throws the right error before any work; nothing written, the generator does not move`, () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const rng = sm.random(5);
    sm.sample(x, { random: rng });
    const out = new Int32Array([-7]);
    const cases = [
      [{ topK: -1 }, RangeError, /topK must be a non-negative integer.*-1/],
      [{ topK: 1.5 }, RangeError, /topK/],
      [{ topK: '3' }, TypeError, /topK must be a number/],
      [{ topP: 0 }, RangeError, /topP must be in \(0, 1\].*got 0/],
      [{ topP: 1.01 }, RangeError, /topP/],
      [{ minP: 1 }, RangeError, /minP must be in \[0, 1\)/],
      [{ minP: -0.1 }, RangeError, /minP/],
      [{ temperature: -1 }, RangeError, /temperature must be a finite number >= 0/],
      [{ temperature: Infinity }, RangeError, /temperature/],
      [{ temperature: NaN }, RangeError, /temperature/],
      [{ repetitionPenalty: 0 }, RangeError, /repetitionPenalty must be a finite number > 0.*got 0/],
      [{ repetitionPenalty: -2 }, RangeError, /repetitionPenalty/],
      [{ presencePenalty: Infinity }, RangeError, /presencePenalty must be a finite number/],
      [{ frequencyPenalty: NaN }, RangeError, /frequencyPenalty/],
      [{ history: [1, 6] }, RangeError, /history\[1\] = 6 is not a token id in \[0, 6\)/],
      [{ history: [-1] }, RangeError, /history\[0\] = -1/],
      [{ history: new BigInt64Array([7n]) }, RangeError, /history\[0\] = 7n/],
      [{ history: [1.5] }, TypeError, /history\[0\] must be an integer token id/],
      [
        { history: new Float32Array([1]) },
        TypeError,
        /history must be an Int32Array, a BigInt64Array or an array of integers/,
      ],
      [{ history: [[1], [2]] }, RangeError, /history holds 2 rows of token ids but the logits have 1 rows/],
      [{ logitBias: { 6: 1 } }, RangeError, /logitBias key "6" is not a token id in \[0, 6\)/],
      [{ logitBias: { '-1': 1 } }, RangeError, /logitBias key "-1"/],
      [{ logitBias: new Map([[2, NaN]]) }, RangeError, /logitBias\[2\] must be a finite number or -Infinity/],
      [{ logitBias: new Map([[2, Infinity]]) }, RangeError, /logitBias\[2\]/],
      [
        {
          logitBias: new Map([
            [2, 1],
            ['2', 1],
          ]),
        },
        RangeError,
        /names token 2 twice/,
      ],
      [{ logitBias: new Map([[{}, 1]]) }, TypeError, /logitBias keys must be token ids/],
      [{ logitBias: [1, 2] }, TypeError, /logitBias must be an object/],
      [{ random: -1 }, RangeError, /seed must be a non-negative safe integer/],
      [{ random: 2 ** 53 }, RangeError, /seed/],
      [{ random: 2n ** 64n }, RangeError, /seed must be in \[0, 2\^64\)/],
      [{ random: 'seed' }, TypeError, /random must be sm.random\(seed\)/],
      [{ random: { next: Math.random } }, TypeError, /random/],
      [{ logProbs: 1 }, TypeError, /logProbs must be true or false/],
      [{ out: new Int32Array(2) }, RangeError, /out must have length 1/],
      [{ out: new Float32Array(1) }, TypeError, /out must be an Int32Array/],
      [{ shape: [2, 4] }, RangeError, /shape \[2, 4\] holds 8 elements but logits has length 6/],
      [{ shape: [6, 0] }, RangeError, /shape/],
      [{ bogus: 1 }, TypeError, /unknown option "bogus"/],
    ];
    for (const [opts, Type, re] of cases) {
      assert.throws(
        () => sm.sample(x, { random: rng, out, ...opts }),
        (e) => e instanceof Type && re.test(e.message),
        `${JSON.stringify(opts, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
      );
      assert.equal(rng.position, 1, 'the generator moved on a failed call');
      assert.equal(out[0], -7, 'out was written on a failed call');
    }
    assert.throws(() => sm.sample('logits'), TypeError);
    assert.throws(() => sm.sample(new Int32Array(3)), /logits must be a Float32Array/);
    assert.throws(() => sm.sample(x, null), /options must be an object/);
    // Bad rows: which row, and why; the generator stays put.
    const rows = new Float64Array([0, 1, 2, NaN, 1, 2, -Infinity, -Infinity, -Infinity, 1, Infinity, 0]);
    for (const [r, why] of [
      [1, 'a NaN'],
      [2, 'every logit -Infinity'],
      [3, '\\+Infinity'],
    ]) {
      const y = rows.slice();
      for (let q = 1; q < r; q++) y.fill(0, 3 * q, 3 * q + 3);
      assert.throws(
        () => sm.sample(y, { shape: [4, 3], random: rng, out: new Int32Array(4) }),
        (e) =>
          e instanceof RangeError && new RegExp(`row ${r} of the logits holds ${why} after processing`).test(e.message),
        `row ${r}`,
      );
      assert.equal(rng.position, 1);
    }
    // After processing: a -Infinity bias on the only finite logit, a float32 overflow of x / T.
    assert.throws(
      () => sm.sample(new Float32Array([-Infinity, 3]), { logitBias: { 1: -Infinity } }),
      /row 0 .* every logit -Infinity/,
    );
    assert.throws(() => sm.sample(new Float32Array([3e38, 1]), { temperature: 0.5 }), /row 0 .* \+Infinity/);
    assert.throws(() => sm.filterLogits(new Float32Array([NaN]), {}), /row 0 .* a NaN/);
    assert.throws(() => sm.topK(x, 7), /k must be an integer in \[0, 6\]/);
    assert.throws(() => sm.topK(x, -1), RangeError);
    assert.throws(() => sm.topK(x, '1'), TypeError);
    assert.throws(() => sm.topK(x, 1, { axis: 1 }), /axis must be an integer in \[-1, 0\]/);
    assert.throws(() => sm.topK(x, 1, { largest: 'yes' }), /largest must be true or false/);
    assert.throws(() => sm.argmax(new Float32Array(0)), /argmax needs at least one value/);
    const filtered = new Float32Array(6).fill(9);
    assert.throws(() => sm.filterLogits(x, { topK: 2.5, out: filtered }), RangeError);
    assert.deepEqual([...filtered], [9, 9, 9, 9, 9, 9], 'filterLogits out untouched');
    assert.throws(() => sm.filterLogits(x, { out: new Float64Array(6) }), /out must be a Float32Array/);
    // Still working.
    assert.equal(sm.sample(x, { random: rng, temperature: 0 })[0], 5);
    assert.equal(rng.position, 2);
  });

  test(`${build}: history forms (Int32Array, BigInt64Array, number[], per row) and logitBias forms (object, Map) agree`, () => {
    const rng = makeRng(3);
    const n = 50;
    const x = Float32Array.from(logits(rng, 2 * n, 'normal3'));
    const ids = [3, 7, 7, 49, 0];
    const base = { shape: [2, n], repetitionPenalty: 1.7, frequencyPenalty: 0.4, presencePenalty: 0.2 };
    const want = sm.filterLogits(x, { ...base, history: [ids, ids] });
    for (const h of [
      ids,
      Int32Array.from(ids),
      BigInt64Array.from(ids, BigInt),
      [Int32Array.from(ids), BigInt64Array.from(ids, BigInt)],
    ]) {
      sameArray(sm.filterLogits(x, { ...base, history: h }), want, 'history form');
    }
    const perRow = sm.filterLogits(x, { ...base, history: [[1, 2], []] });
    const ref = S.referenceSample(Float64Array.from(x), n, { ...base, history: [[1, 2], []] }, 'float32');
    sameArray(perRow, ref.filtered, 'per-row history');
    const a = sm.filterLogits(x, { shape: [2, n], logitBias: { 4: 2, 10: -Infinity } });
    const b = sm.filterLogits(x, {
      shape: [2, n],
      logitBias: new Map([
        [4, 2],
        ['10', -Infinity],
      ]),
    });
    sameArray(a, b, 'logitBias object vs Map');
    assert.equal(a[10], -Infinity);
    assert.equal(a[n + 10], -Infinity);
  });

  test(`${build}: options are read once, as own properties; WasmArray logits and out`, () => {
    let reads = 0;
    const opts = {
      get topK() {
        reads++;
        return 2;
      },
    };
    sm.filterLogits(new Float32Array([1, 2, 3]), opts);
    assert.equal(reads, 1);
    const inherited = Object.create({ topK: 1 });
    sameArray(
      sm.filterLogits(new Float32Array([1, 2, 3]), inherited),
      new Float32Array([1, 2, 3]),
      'inherited options are ignored',
    );
    const wa = sm.alloc(4, 'float64');
    wa.array.set([1, 5, 2, 5]);
    const out = sm.alloc(4, 'float64');
    const r = sm.filterLogits(wa, { topK: 1, out });
    assert.equal(r, out);
    sameArray(out.array, [-Infinity, 5, -Infinity, 5], 'ties with the k-th value are kept');
    assert.equal(sm.sample(wa, { temperature: 0 })[0], 1);
    assert.deepEqual([...sm.topK(wa, 2).indices], [1, 3]);
    wa.free();
    out.free();
  });
}
