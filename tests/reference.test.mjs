// Checks the float64 reference itself, against values worked out by hand and
// against finite differences, so the library is compared with something
// trustworthy. Needs no library.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as R from './reference.mjs';
import { makeRng } from './helpers.mjs';

const LN3 = Math.log(3);

/** |got - want| <= tol * max(1, |want|) entrywise, NaN matching NaN. */
function near(got, want, tol = 1e-15) {
  assert.equal(got.length, want.length, 'length');
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      assert.ok(Object.is(g, w), `index ${i}: got ${g}, want ${w}`);
    } else {
      assert.ok(Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)), `index ${i}: got ${g}, want ${w}`);
    }
  }
}

describe('reference forward ops: hand-computed values', () => {
  test('softmax of [0, ln 3] is [1/4, 3/4]; temperature divides the logits', () => {
    near(R.softmax([0, LN3]), [0.25, 0.75]);
    near(R.softmax([0, 2 * LN3], { temperature: 2 }), [0.25, 0.75]);
    near(R.softmax([0, 0]), [0.5, 0.5]);
    near(R.softmax([7]), [1]);
  });
  test('softmax [1000, 1001, 1002] does not overflow (the essay)', () => {
    // e^0, e^1, e^2 over their sum
    const S = 1 + Math.E + Math.E ** 2;
    near(R.softmax([1000, 1001, 1002]), [1 / S, Math.E / S, Math.E ** 2 / S]);
    near(R.softmax([1000, 1001, 1002]), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]);
  });
  test('logSoftmax and logSumExp', () => {
    near(R.logSoftmax([0, LN3]), [Math.log(0.25), Math.log(0.75)]);
    near(R.logSoftmax([0, 2 * LN3], { temperature: 2 }), [Math.log(0.25), Math.log(0.75)]);
    near(R.logSumExp([0, LN3]), [Math.log(4)]);
    near(R.logSumExp([1000, 1000]), [1000 + Math.LN2]);
    near(R.logSumExp([-1000, -1000]), [-1000 + Math.LN2]);
  });
  test('axis on a 2 x 2 matrix: axis 1 normalises rows, axis 0 columns', () => {
    const m = [0, LN3, LN3, 0]; // [[0, ln3], [ln3, 0]]
    near(R.softmax(m, { shape: [2, 2], axis: 1 }), [0.25, 0.75, 0.75, 0.25]);
    near(R.softmax(m, { shape: [2, 2], axis: -1 }), [0.25, 0.75, 0.75, 0.25]);
    near(R.softmax(m, { shape: [2, 2], axis: 0 }), [0.25, 0.75, 0.75, 0.25]);
    const m2 = [0, 0, LN3, LN3]; // [[0, 0], [ln3, ln3]]
    near(R.softmax(m2, { shape: [2, 2], axis: 0 }), [0.25, 0.25, 0.75, 0.75]);
    near(R.softmax(m2, { shape: [2, 2], axis: 1 }), [0.5, 0.5, 0.5, 0.5]);
    near(R.logSumExp(m2, { shape: [2, 2], axis: 0 }), [Math.log(4), Math.log(4)]);
    near(R.logSumExp(m2, { shape: [2, 2], axis: -1 }), [Math.LN2, LN3 + Math.LN2]);
  });
  test('middle axis of a [2, 2, 2] tensor pairs entries 2 apart', () => {
    // x[o][k][i] at (o*2 + k)*2 + i; fibres along axis 1: (0,2), (1,3), (4,6), (5,7)
    const x = [0, 0, LN3, 0, 0, LN3, 0, 0];
    near(R.softmax(x, { shape: [2, 2, 2], axis: 1 }), [0.25, 0.5, 0.75, 0.5, 0.5, 0.75, 0.5, 0.25]);
    near(R.logSumExp(x, { shape: [2, 2, 2], axis: 1 }), [Math.log(4), Math.LN2, Math.LN2, Math.log(4)]);
  });
  test('shape [] is one scalar; zero-sized axes give empty results and -Infinity logSumExp', () => {
    near(R.softmax([5], { shape: [] }), [1]);
    near(R.logSoftmax([5], { shape: [] }), [0]);
    near(R.logSumExp([5], { shape: [] }), [5]);
    near(R.softmax([], { shape: [3, 0] }), []);
    near(R.logSumExp([], { shape: [3, 0] }), [-Infinity, -Infinity, -Infinity]);
    near(R.logSumExp([], { shape: [0, 3] }), []);
    near(R.logSumExp([], { shape: [2, 0, 3], axis: 1 }), new Array(6).fill(-Infinity));
  });
});

describe('reference non-finite semantics (PyTorch)', () => {
  test('-Infinity entries give 0 / -Infinity; unusable fibres become all NaN', () => {
    near(R.softmax([-Infinity, 0]), [0, 1]);
    near(R.logSoftmax([-Infinity, 0]), [-Infinity, 0]);
    near(R.softmax([-Infinity, -Infinity]), [NaN, NaN]);
    near(R.softmax([NaN, 0]), [NaN, NaN]);
    near(R.softmax([Infinity, 0]), [NaN, NaN]);
    near(R.logSoftmax([Infinity, -Infinity]), [NaN, NaN]);
    // other fibres untouched
    near(R.softmax([NaN, 0, 0, LN3], { shape: [2, 2] }), [NaN, NaN, 0.25, 0.75]);
  });
  test('logSumExp: NaN beats +Infinity beats all -Infinity', () => {
    near(R.logSumExp([NaN, Infinity]), [NaN]);
    near(R.logSumExp([Infinity, -Infinity, 1]), [Infinity]);
    near(R.logSumExp([-Infinity, -Infinity]), [-Infinity]);
    near(R.logSumExp([-Infinity, 0]), [0]);
  });
});

describe('reference backward ops and Jacobians', () => {
  test('softmaxBackward: y (dy - <dy, y>) / T', () => {
    // y = [1/4, 3/4], dy = [1, 0]: <dy, y> = 1/4
    near(R.softmaxBackward([1, 0], [0.25, 0.75]), [0.1875, -0.1875]);
    near(R.softmaxBackward([1, 0], [0.25, 0.75], { temperature: 2 }), [0.09375, -0.09375]);
    near(R.softmaxBackward([3, 3], [0.25, 0.75]), [0, 0]);
    near(R.softmaxBackwardScale([1, 0], [0.25, 0.75]), [0.25 * 1.25, 0.75 * 0.25]);
  });
  test('logSoftmaxBackward: (dy - exp(y) sum dy) / T', () => {
    const y = [Math.log(0.25), Math.log(0.75)];
    near(R.logSoftmaxBackward([1, 0], y), [0.75, -0.75], 1e-15);
    near(R.logSoftmaxBackward([1, 0], y, { temperature: 4 }), [0.1875, -0.1875], 1e-15);
    near(R.logSoftmaxBackwardScale([1, 0], y), [1.25, 0.75], 1e-15);
  });
  test('Jacobians of s = [1/4, 3/4]', () => {
    near(R.softmaxJacobian([0, LN3]), [0.1875, -0.1875, -0.1875, 0.1875]);
    near(R.softmaxJacobian([0, 2 * LN3], { temperature: 2 }), [0.09375, -0.09375, -0.09375, 0.09375]);
    near(R.logSoftmaxJacobian([0, LN3]), [0.75, -0.75, -0.25, 0.25]);
  });
  test('the Jacobian diagonal does not cancel when s_i is near 1', () => {
    // s_0 = 1/(1+e^-40); s_0 (1 - s_0) = e^-40 / (1+e^-40)^2, about 4.25e-18
    const d = Math.exp(-40);
    const J = R.softmaxJacobian([40, 0]);
    const want = d / (1 + d) ** 2;
    assert.ok(Math.abs(J[0] - want) <= 1e-15 * want, `J00 ${J[0]} vs ${want}`);
    const L = R.logSoftmaxJacobian([40, 0]);
    assert.ok(Math.abs(L[0] - d / (1 + d)) <= 1e-15 * d, `L00 ${L[0]}`);
  });
  test('backward ops agree with central differences of the forward ops', () => {
    const rng = makeRng(11);
    for (const [shape, axis, T] of [
      [[5], -1, 1],
      [[3, 4], 0, 0.5],
      [[2, 3, 4], 1, 2],
      [[2, 3, 2, 2], -1, 0.3],
    ]) {
      const size = shape.reduce((p, d) => p * d, 1);
      const x = Array.from({ length: size }, () => rng.normal() * 2);
      const g = Array.from({ length: size }, () => rng.normal());
      for (const [forward, backward] of [
        [R.softmax, R.softmaxBackward],
        [R.logSoftmax, R.logSoftmaxBackward],
      ]) {
        const opts = { shape, axis, temperature: T };
        const loss = (v) => R.accurateSum(Array.from(forward(v, opts), (f, i) => f * g[i]));
        const analytic = backward(g, forward(x, opts), opts);
        const h = 1e-5;
        for (let j = 0; j < size; j++) {
          const plus = x.slice();
          plus[j] += h;
          const minus = x.slice();
          minus[j] -= h;
          const numeric = (loss(plus) - loss(minus)) / (2 * h);
          assert.ok(
            Math.abs(numeric - analytic[j]) < 1e-7,
            `${forward.name} ${shape} axis ${axis} j ${j}: ${numeric} vs ${analytic[j]}`,
          );
        }
      }
    }
  });
  test('Jacobian rows are the backward of unit upstream gradients', () => {
    const x = [0.3, -1.2, 2.5, 0.1, 0.1];
    const n = x.length;
    for (const T of [0.5, 1, 3]) {
      const J = R.softmaxJacobian(x, { temperature: T });
      const L = R.logSoftmaxJacobian(x, { temperature: T });
      const y = R.softmax(x, { temperature: T });
      const ly = R.logSoftmax(x, { temperature: T });
      for (let i = 0; i < n; i++) {
        const e = new Array(n).fill(0);
        e[i] = 1;
        // row i of J is d y_i / d x = J^T e_i
        near(J.slice(i * n, i * n + n), R.softmaxBackward(e, y, { temperature: T }), 1e-15);
        near(L.slice(i * n, i * n + n), R.logSoftmaxBackward(e, ly, { temperature: T }), 1e-15);
      }
    }
  });
});

describe('reference crossEntropy / nllLoss (torch semantics)', () => {
  const logits = [0, LN3, LN3, 0, 0, 0]; // 3 samples x 2 classes: p = [1/4,3/4], [3/4,1/4], [1/2,1/2]
  const shape = [3, 2];
  const lp = R.logSoftmax(logits, { shape });
  const p = R.softmax(logits, { shape });

  test('mean over index targets, gradient softmax - onehot', () => {
    const target = Int32Array.from([1, 1, 0]);
    const { loss, grad } = R.crossEntropy(logits, target, { shape });
    const want = -(Math.log(0.75) + Math.log(0.25) + Math.log(0.5)) / 3;
    near([loss], [want]);
    near(
      grad,
      [0.25, -0.25, 0.75, -0.75, -0.5, 0.5].map((v) => v / 3),
    );
    near([R.crossEntropy(logits, target, { shape, reduction: 'sum' }).loss], [want * 3]);
    const none = R.crossEntropy(logits, target, { shape, reduction: 'none' });
    near(none.loss, [-Math.log(0.75), -Math.log(0.25), -Math.log(0.5)]);
    near(none.grad, [0.25, -0.25, 0.75, -0.75, -0.5, 0.5]);
  });
  test('class weights: mean divides by the sum of weight[target]', () => {
    const target = [1, 1, 0];
    const weight = [2, 0.5];
    const { loss, grad } = R.crossEntropy(logits, target, { shape, weight });
    const denom = 0.5 + 0.5 + 2;
    near([loss], [(-0.5 * Math.log(0.75) - 0.5 * Math.log(0.25) - 2 * Math.log(0.5)) / denom]);
    near(
      grad,
      [0.5 * 0.25, -0.5 * 0.25, 0.5 * 0.75, -0.5 * 0.75, 2 * -0.5, 2 * 0.5].map((v) => v / denom),
    );
  });
  test('ignoreIndex: ignored samples add nothing and are not counted; all ignored -> NaN, zero grad', () => {
    const { loss, grad } = R.crossEntropy(logits, [1, -100, 0], { shape });
    near([loss], [-(Math.log(0.75) + Math.log(0.5)) / 2]);
    near(grad.slice(2, 4), [0, 0]);
    near([R.crossEntropy(logits, [1, 5, 5], { shape, ignoreIndex: 5 }).loss], [-Math.log(0.75)]);
    const all = R.crossEntropy(logits, [-100, -100, -100], { shape });
    assert.ok(Number.isNaN(all.loss));
    near(all.grad, [0, 0, 0, 0, 0, 0]);
    near([R.crossEntropy(logits, [-100, -100, -100], { shape, reduction: 'sum' }).loss], [0]);
    const allWeighted = R.crossEntropy(logits, [-100, -100, -100], { shape, weight: [2, 3], labelSmoothing: 0.1 });
    assert.ok(Number.isNaN(allWeighted.loss));
    near(allWeighted.grad, [0, 0, 0, 0, 0, 0]);
  });
  test('mean with counted targets whose weights sum to 0: NaN loss, NaN rows for them (torch: 0 * 1/0)', () => {
    const zero = R.crossEntropy(logits, [1, -100, 1], { shape, weight: [2, 0] });
    assert.ok(Number.isNaN(zero.loss));
    near(zero.grad, [NaN, NaN, 0, 0, NaN, NaN]);
    near([R.crossEntropy(logits, [1, -100, 1], { shape, weight: [2, 0], reduction: 'sum' }).loss], [0]);
  });
  test('label smoothing, index targets: (1-eps) NLL + eps/C sum_c w_c (-log p_c), same denominator', () => {
    const eps = 0.2;
    const C = 2;
    const target = [1, -100, 0];
    const weight = [2, 0.5];
    const sample0 = (1 - eps) * 0.5 * -Math.log(0.75) + (eps / C) * (2 * -Math.log(0.25) + 0.5 * -Math.log(0.75));
    const sample2 = (1 - eps) * 2 * -Math.log(0.5) + (eps / C) * (2 * -Math.log(0.5) + 0.5 * -Math.log(0.5));
    const { loss } = R.crossEntropy(logits, target, { shape, weight, labelSmoothing: eps });
    near([loss], [(sample0 + sample2) / (0.5 + 2)]);
    const none = R.crossEntropy(logits, target, { shape, weight, labelSmoothing: eps, reduction: 'none' });
    near(none.loss, [sample0, 0, sample2]);
  });
  test('probability targets: loss -sum_c w_c y_c log p_c, mean over samples; smoothing y(1-eps)+eps/C', () => {
    const target = Float64Array.from([0.5, 0.5, 1, 0, 0.2, 0.8]);
    const sample = [
      -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75)),
      -Math.log(0.75),
      -(0.2 * Math.log(0.5) + 0.8 * Math.log(0.5)),
    ];
    const { loss, grad } = R.crossEntropy(logits, target, { shape });
    near([loss], [(sample[0] + sample[1] + sample[2]) / 3]);
    near(
      grad,
      Array.from(p, (v, i) => (v - target[i]) / 3),
    );
    const eps = 0.1;
    const smoothed = target.map((v) => v * (1 - eps) + eps / 2);
    near(
      [R.crossEntropy(logits, target, { shape, labelSmoothing: eps, reduction: 'sum' }).loss],
      [-R.accurateSum(Array.from(lp, (v, i) => v * smoothed[i]))],
    );
    const weight = [3, 1];
    near(
      [R.crossEntropy(logits, target, { shape, weight, reduction: 'mean' }).loss],
      [-R.accurateSum(Array.from(lp, (v, i) => v * target[i] * weight[i % 2])) / 3],
    );
  });
  test('nllLoss picks -w_t logp_t; its gradient is with respect to the log-probabilities', () => {
    const { loss, grad } = R.nllLoss(lp, [1, 1, 0], { shape, weight: [2, 0.5] });
    near([loss], [(-0.5 * lp[1] - 0.5 * lp[3] - 2 * lp[4]) / 3]);
    near(grad, [0, -0.5 / 3, 0, -0.5 / 3, -2 / 3, 0]);
    assert.throws(() => R.nllLoss(lp, [2, 0, 0], { shape }), RangeError);
  });
  test('class axis other than the last one, and gradients by central differences', () => {
    const rng = makeRng(5);
    const shape3 = [2, 3, 4]; // classes along axis 1: 8 samples of 3 classes
    const size = 24;
    const x = Array.from({ length: size }, () => rng.normal());
    const indexTarget = Array.from({ length: 8 }, (_, i) => (i === 3 ? -100 : rng.int(0, 2)));
    const probTarget = new Float64Array(size);
    R.forEachFibre(R.layout(size, { shape: shape3, axis: 1 }), (indices) => {
      const raw = indices.map(() => rng.next());
      const total = raw.reduce((a, b) => a + b, 0);
      indices.forEach((j, k) => {
        probTarget[j] = raw[k] / total;
      });
    });
    for (const target of [indexTarget, probTarget]) {
      for (const reduction of ['mean', 'sum', 'none']) {
        for (const extra of [
          {},
          { weight: [0.3, 2, 1] },
          { labelSmoothing: 0.15 },
          { weight: [1, 0.5, 4], labelSmoothing: 0.3 },
        ]) {
          const opts = { shape: shape3, axis: 1, reduction, ...extra };
          const total = (v) => {
            const { loss } = R.crossEntropy(v, target, opts);
            return typeof loss === 'number' ? loss : R.accurateSum(loss);
          };
          const { grad } = R.crossEntropy(x, target, opts);
          const h = 1e-5;
          for (let j = 0; j < size; j++) {
            const plus = x.slice();
            plus[j] += h;
            const minus = x.slice();
            minus[j] -= h;
            const numeric = (total(plus) - total(minus)) / (2 * h);
            assert.ok(
              Math.abs(numeric - grad[j]) < 1e-8,
              `${target.constructor.name} ${reduction} ${JSON.stringify(extra)} j ${j}: ${numeric} vs ${grad[j]}`,
            );
          }
        }
      }
    }
  });
});
