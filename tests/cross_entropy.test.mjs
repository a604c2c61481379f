// crossEntropy and nllLoss against the reference's torch.nn.functional
// semantics (reduction mean/sum/none, class weights, ignoreIndex, label
// smoothing, index and probability targets, any class axis), with the fused
// gradient, within the bounds of cpp/accuracy.json (helpers.mjs checkLoss /
// checkGrad).
// Weights and targets are given in the logits' dtype (rounded like the logits),
// label smoothing values are exact in float32, so the reference sees exactly
// the kernel's inputs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  builds,
  checkGrad,
  checkLoss,
  DTYPES,
  Failures,
  randomLogits,
  randomShape,
  seededTest,
  asRef,
  R,
} from './helpers.mjs';

const BUILDS = await builds();
function randomProbabilities(rng, view) {
  const p = new Float64Array(view.size);
  R.forEachFibre(view, (indices) => {
    const raw = indices.map(() => (rng.bool(0.3) ? 0 : rng.next()));
    raw[rng.int(0, raw.length - 1)] += 0.5;
    const total = raw.reduce((a, b) => a + b, 0);
    indices.forEach((j, k) => {
      p[j] = raw[k] / total;
    });
  });
  return p;
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`crossEntropy / nllLoss [${build}, ${dtype.name}]`, () => {
      seededTest(
        `crossEntropy ${build} ${dtype.name}: random shapes, class axes, reductions, weights, ignoreIndex, smoothing`,
        (rng) => {
          const f = new Failures();
          for (let s = 0; s < 24; s++) {
            const shape = randomShape(rng, { minRank: 1, maxRank: 4, maxElements: 3000 });
            const axis = rng.int(-shape.length, shape.length - 1);
            const size = shape.reduce((p, d) => p * d, 1);
            const view = R.layout(size, { shape, axis });
            const C = view.n;
            const samples = view.outer * view.inner;
            const probabilities = rng.bool(0.3);
            const reduction = rng.pick(['mean', 'sum', 'none']);
            const weight = rng.bool(0.5)
              ? dtype.make(Array.from({ length: C }, () => rng.pick([0, 0.5, 1, 2, 3.25])))
              : undefined;
            const labelSmoothing = rng.bool(0.4) ? rng.pick([0.125, 0.25, 0.5, 1]) : undefined;
            const ignoreIndex = rng.bool(0.3) ? rng.int(0, C - 1) : undefined;
            const logits = dtype.make(randomLogits(rng, size, rng.pick(['normal3', 'uniform10', 'offset1000'])));
            let target;
            if (probabilities)
              target =
                dtype.name === 'float32'
                  ? Float32Array.from(randomProbabilities(rng, view))
                  : randomProbabilities(rng, view);
            else {
              const ignored = ignoreIndex ?? -100;
              const raw = Array.from({ length: samples }, () => (rng.bool(0.15) ? ignored : rng.int(0, C - 1)));
              target = rng.bool() ? Int32Array.from(raw) : raw;
            }
            const opts = { shape, axis, reduction, weight, labelSmoothing, ...(probabilities ? {} : { ignoreIndex }) };
            const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
            const what = `crossEntropy ${JSON.stringify({ ...clean, weight: weight && Array.from(weight), target: probabilities ? 'probabilities' : target.constructor.name })}`;
            f.check(() => {
              const got = sm.crossEntropy(logits, target, { ...clean, grad: true });
              const ref = R.crossEntropy(asRef(logits), target, {
                ...clean,
                weight: weight && asRef(weight),
              });
              checkLoss(got.loss, ref.loss, dtype, what);
              checkGrad(got.grad, ref.grad, dtype, what);
            });
          }
          f.assertNone();
        },
      );

      // The kernel runs index targets kLanes samples at a time (4 float32, 2
      // float64 lanes) on short rows (n <= 16, transposed) and on a strided
      // class axis (in column chunks from inner 16 on); these shapes put row
      // counts and inner sizes on and off the vector width and the chunk,
      // with every option, in place too (out === input).
      seededTest(
        `crossEntropy ${build} ${dtype.name}: short rows and strided class axes, kLanes samples at a time`,
        (rng) => {
          const f = new Failures();
          const cases = [
            [[37, 10], -1],
            [[64, 10], -1],
            [[9, 16], -1],
            [[6, 3], -1],
            [[5, 1], -1],
            [[7, 17], -1],
            [[3, 50, 8], 1],
            [[2, 33, 7], 1],
            [[5, 10, 2], 1],
            [[2, 9, 3, 5], 1],
            [[4, 12, 3], -2],
            // inner >= 16: column chunks of 512 float32 / 256 float64 samples,
            // inner not a multiple of 4 nor of a chunk (segmentation layout)
            [[2, 21, 7, 77], 1],
            [[1, 6, 1031], 1],
            [[3, 3, 19], 1],
          ];
          const optionSets = [
            {},
            { ignore: true },
            { weighted: true },
            { labelSmoothing: 0.25 },
            { ignore: true, weighted: true, labelSmoothing: 0.125 },
          ];
          for (const [shape, axis] of cases) {
            for (const o of optionSets) {
              const size = shape.reduce((p, d) => p * d, 1);
              const view = R.layout(size, { shape, axis });
              const C = view.n;
              const samples = view.outer * view.inner;
              const ignoreIndex = o.ignore ? rng.pick([-100, rng.int(0, C - 1)]) : undefined;
              const weight = o.weighted
                ? dtype.make(Array.from({ length: C }, () => rng.pick([0.5, 1, 2, 3.25])))
                : undefined;
              const reduction = rng.pick(['mean', 'sum', 'none']);
              const logits = dtype.make(randomLogits(rng, size, rng.pick(['normal3', 'uniform10', 'offset1000'])));
              const target = Int32Array.from({ length: samples }, () =>
                o.ignore && rng.bool(0.25) ? (ignoreIndex ?? -100) : rng.int(0, C - 1),
              );
              const opts = Object.fromEntries(
                Object.entries({
                  shape,
                  axis,
                  reduction,
                  weight,
                  labelSmoothing: o.labelSmoothing,
                  ignoreIndex,
                }).filter(([, v]) => v !== undefined),
              );
              const what = `crossEntropy ${JSON.stringify({ ...opts, weight: weight && Array.from(weight) })}`;
              f.check(() => {
                const got = sm.crossEntropy(logits, target, { ...opts, grad: true });
                const ref = R.crossEntropy(asRef(logits), target, { ...opts, weight: weight && asRef(weight) });
                checkLoss(got.loss, ref.loss, dtype, what);
                checkGrad(got.grad, ref.grad, dtype, what);
                if (dtype.name === 'array') return;
                const w = sm.alloc(size, dtype.name);
                w.array.set(logits);
                const inPlace = sm.crossEntropy(w, target, { ...opts, grad: true, out: w });
                assert.deepEqual(Array.from(inPlace.grad.array ?? w.array), Array.from(got.grad), `${what}: in place`);
                w.free();
              });
            }
          }
          f.assertNone();
        },
      );

      // Per sample (torch): a NaN or +inf logit, or all -inf, gives loss NaN (0
      // if ignored) and an all-NaN gradient row; a -inf class elsewhere is p = 0.
      // Such samples sit in lane groups next to finite ones.
      seededTest(
        `crossEntropy ${build} ${dtype.name}: non-finite samples beside finite ones on the lane paths`,
        (rng) => {
          const f = new Failures();
          for (const [shape, axis] of [
            [[23, 10], -1],
            [[16, 5], -1],
            [[3, 20, 9], 1],
            [[2, 7, 4], 1],
            [[2, 9, 601], 1],
          ]) {
            for (const labelSmoothing of [undefined, 0.25]) {
              const size = shape.reduce((p, d) => p * d, 1);
              const view = R.layout(size, { shape, axis });
              const C = view.n;
              const samples = view.outer * view.inner;
              const x = randomLogits(rng, size, 'normal3');
              const bad = new Set();
              R.forEachFibre(view, (indices, position) => {
                const kind = rng.int(0, 9);
                if (kind === 0) {
                  x[indices[rng.int(0, C - 1)]] = NaN;
                  bad.add(position);
                }
                if (kind === 1) {
                  x[indices[rng.int(0, C - 1)]] = Infinity;
                  bad.add(position);
                }
                if (kind === 2) {
                  for (const j of indices) x[j] = -Infinity;
                  bad.add(position);
                }
                if (kind === 3) x[indices[rng.int(0, C - 1)]] = -Infinity;
              });
              const logits = dtype.make(x);
              const target = Array.from({ length: samples }, () => (rng.bool(0.2) ? -100 : rng.int(0, C - 1)));
              const opts = { shape, axis, reduction: 'none', ...(labelSmoothing ? { labelSmoothing } : {}) };
              const what = `crossEntropy non-finite ${JSON.stringify(opts)}`;
              f.check(() => {
                const got = sm.crossEntropy(logits, target, { ...opts, grad: true });
                const ref = R.crossEntropy(asRef(logits), target, opts);
                // The reference skips ignored samples entirely; the kernel (as
                // torch's log-softmax backward) still gives their NaN rows.
                R.forEachFibre(view, (indices, position) => {
                  if (!bad.has(position)) return;
                  ref.loss[position] = target[position] === -100 ? 0 : NaN;
                  for (const j of indices) ref.grad[j] = NaN;
                });
                checkLoss(got.loss, ref.loss, dtype, what);
                checkGrad(got.grad, ref.grad, dtype, what);
              });
            }
          }
          f.assertNone();
        },
      );

      test(`crossEntropy ${build} ${dtype.name}: every target ignored gives NaN loss and a zero gradient ('mean'), 0 ('sum')`, () => {
        const logits = dtype.make([0.5, 1, -2, 3, 0, 0]);
        const got = sm.crossEntropy(logits, [-100, -100], { shape: [2, 3], grad: true });
        assert.ok(Number.isNaN(got.loss), `loss ${got.loss}`);
        assert.ok(
          Array.from(got.grad).every((v) => v === 0),
          `grad ${Array.from(got.grad)}`,
        );
        assert.equal(sm.crossEntropy(logits, [-100, -100], { shape: [2, 3], reduction: 'sum' }).loss, 0);
        const smoothed = sm.crossEntropy(logits, [-100, -100], {
          shape: [2, 3],
          labelSmoothing: 0.25,
          weight: [1, 2, 3],
          grad: true,
        });
        assert.ok(Number.isNaN(smoothed.loss));
        assert.ok(Array.from(smoothed.grad).every((v) => v === 0));
      });

      test(`crossEntropy ${build} ${dtype.name}: 'mean' over counted targets whose weights sum to 0 is NaN, as torch's 0/0`, () => {
        // torch: loss = 0/0 (plus smoothing/0 = +inf) = NaN; backward multiplies weight 0 by 1/0,
        // so the rows of counted samples are NaN and ignored rows stay 0.
        const logits = dtype.make([0.5, 1, -2, 0, 0, 0, 2, 1, 0]);
        const weight = dtype.make([1, 0, 2]);
        for (const labelSmoothing of [undefined, 0.25]) {
          const opts = { shape: [3, 3], weight, ...(labelSmoothing ? { labelSmoothing } : {}) };
          const got = sm.crossEntropy(logits, [1, -100, 1], { ...opts, grad: true });
          const ref = R.crossEntropy(asRef(logits), [1, -100, 1], { ...opts, weight: asRef(weight) });
          const what = `crossEntropy targets [1, -100, 1], weight [1, 0, 2], labelSmoothing ${labelSmoothing}`;
          checkLoss(got.loss, ref.loss, dtype, what);
          checkGrad(got.grad, ref.grad, dtype, what);
        }
      });

      test(`crossEntropy ${build} ${dtype.name}: without weights or smoothing the mean gradient is (softmax - onehot) / N`, () => {
        const x = dtype.make([2, 1, 0.1, -1, 3, 0.5]);
        const { grad } = sm.crossEntropy(x, Int32Array.from([0, 2]), { shape: [2, 3], grad: true });
        const p = R.softmax(asRef(x), { shape: [2, 3] });
        const want = Array.from(p, (v, i) => (v - (i === 0 || i === 5 ? 1 : 0)) / 2);
        checkGrad(grad, want, dtype, 'grad');
      });

      seededTest(`nllLoss ${build} ${dtype.name}: torch nll_loss on log-probabilities`, (rng) => {
        const f = new Failures();
        for (let s = 0; s < 10; s++) {
          const shape = randomShape(rng, { minRank: 2, maxRank: 3, maxElements: 1000 });
          const axis = rng.pick([1, -1]);
          const size = shape.reduce((p, d) => p * d, 1);
          const view = R.layout(size, { shape, axis });
          const lp = dtype.make(R.logSoftmax(randomLogits(rng, size, 'normal3'), { shape, axis }));
          const reduction = rng.pick(['mean', 'sum', 'none']);
          const weight = rng.bool()
            ? dtype.make(Array.from({ length: view.n }, () => rng.pick([0.5, 1, 2])))
            : undefined;
          const target = Array.from({ length: view.outer * view.inner }, () =>
            rng.bool(0.1) ? -100 : rng.int(0, view.n - 1),
          );
          const opts = Object.fromEntries(
            Object.entries({ shape, axis, reduction, weight }).filter(([, v]) => v !== undefined),
          );
          const what = `nllLoss ${JSON.stringify({ ...opts, weight: weight && Array.from(weight) })}`;
          f.check(() => {
            const got = sm.nllLoss(lp, target, { ...opts, grad: true });
            const ref = R.nllLoss(asRef(lp), target, { ...opts, weight: weight && asRef(weight) });
            checkLoss(got.loss, ref.loss, dtype, what);
            checkGrad(got.grad, ref.grad, dtype, what);
          });
        }
        f.assertNone();
      });

      test(`crossEntropy ${build} ${dtype.name}: a target outside [0, C) is a RangeError naming target`, () => {
        const logits = dtype.make([0, 1, 2, 3, 4, 5]);
        assert.throws(
          () => sm.crossEntropy(logits, [0, 3], { shape: [2, 3] }),
          (e) => e instanceof RangeError && /target/.test(e.message) && /3/.test(e.message),
        );
        assert.throws(
          () => sm.crossEntropy(logits, [0, -1], { shape: [2, 3] }),
          (e) => e instanceof RangeError && /target/.test(e.message),
        );
        assert.throws(
          () => sm.nllLoss(logits, [0, 7], { shape: [2, 3] }),
          (e) => e instanceof RangeError && /7/.test(e.message),
        );
      });

      // In-place class indices (an int32 WasmArray) are checked by the kernel
      // (check_loss, before it writes anything); the wrapper then names the
      // first bad one, and a bad index still comes before a bad weight.
      test(`crossEntropy ${build} ${dtype.name}: a bad index in an int32 WasmArray target is the first one's RangeError, nothing written`, () => {
        const samples = 4099; // lane groups, a tail, more than one task
        const C = 10;
        const shape = [samples, C];
        const kind = dtype.Result === Float32Array ? 'float32' : 'float64';
        const x = sm.alloc(samples * C, kind);
        x.array.set(Float64Array.from({ length: samples * C }, (_, i) => Math.sin(i) * 4));
        const t = sm.alloc(samples, 'int32');
        t.array.set(Int32Array.from({ length: samples }, (_, i) => (i % 7 === 0 ? -100 : (i * 3) % C)));
        const out = sm.alloc(samples * C, kind);
        const wBad = sm.alloc(C, kind);
        wBad.array.fill(1);
        wBad.array[4] = -1;
        const good = sm.crossEntropy(x, t, { shape, grad: true, reduction: 'none' });
        assert.equal(good.loss.length, samples);
        for (const [at, v] of [
          [samples - 1, C],
          [2048, -1],
          [3, 12345],
        ]) {
          const keep = t.array[at];
          t.array[at] = v;
          t.array[samples - 2] = 2 ** 31 - 1; // a second bad one, after the first
          for (const op of ['crossEntropy', 'nllLoss']) {
            for (const reduction of ['mean', 'none']) {
              out.array.fill(7);
              const first = Math.min(at, samples - 2);
              const firstValue = first === at ? v : 2 ** 31 - 1;
              const message = new RegExp(`^${op}: target\\[${first}\\] = ${firstValue} is not a class index`);
              assert.throws(() => sm[op](x, t, { shape, grad: true, reduction, out }), { name: 'RangeError', message });
              assert.throws(() => sm[op](x, t, { shape, grad: true, reduction, out, weight: wBad }), {
                name: 'RangeError',
                message,
              });
              assert.ok(
                out.array.every((g) => g === 7),
                `${op} ${reduction}: out untouched`,
              );
            }
          }
          t.array[at] = keep;
          t.array[samples - 2] = (3 * (samples - 2)) % C;
        }
        // Still working, and the weight error itself where the indices are good.
        assert.throws(() => sm.crossEntropy(x, t, { shape, weight: wBad }), { name: 'RangeError', message: /weight/ });
        assert.deepEqual(sm.crossEntropy(x, t, { shape, grad: true, reduction: 'none' }), good);
        for (const a of [x, t, out, wBad]) a.free();
      });
    });
  }
}
