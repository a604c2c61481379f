// Property-based checks (fast-check) of the essay's invariants, on random
// shapes, axes, temperatures and logits, against both builds:
//   softmax is shift-invariant and each fibre sums to 1; logSoftmax is
//   x/T - logSumExp(x/T); a uniform upstream gradient gives a zero gradient;
//   the cross-entropy gradient of each sample sums to 0 and equals s - y.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { load } from '../bindings/index.js';

const builds = [await load({ simd: true }), await load({ simd: false })];
const RUNS = 150;

// A shape of rank 1..3 (each dim 1..9), an axis of it, and float32-exact logits.
const tensor = fc
  .array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      x: fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: size, maxLength: size }),
      temperature: fc.constantFrom(0.1, 0.5, 1, 2, 7.5),
    });
  });

function fibres(shape, axis) {
  const a = axis < 0 ? axis + shape.length : axis;
  const n = shape[a];
  const inner = shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const outer = shape.slice(0, a).reduce((p, q) => p * q, 1);
  const list = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) list.push(Array.from({ length: n }, (_, k) => (o * n + k) * inner + i));
  return list;
}

for (const sm of builds) {
  test(`${sm.backend}: softmax fibres sum to 1 and ignore a shift of the logits`, () => {
    fc.assert(
      fc.property(tensor, fc.integer({ min: -50, max: 50 }), ({ shape, axis, x, temperature }, shift) => {
        const xs = Float64Array.from(x);
        const y = sm.softmax(xs, { shape, axis, temperature });
        const ys = sm.softmax(xs.map((v) => v + shift), { shape, axis, temperature });
        for (const f of fibres(shape, axis)) {
          const sum = f.reduce((acc, j) => acc + y[j], 0);
          assert.ok(Math.abs(sum - 1) <= 1e-13, `fibre sums to ${sum}`);
        }
        for (let j = 0; j < y.length; j++) assert.ok(Math.abs(ys[j] - y[j]) <= 1e-12 * Math.max(1e-300, y[j]) + 1e-300 || Math.abs(ys[j] - y[j]) <= 2e-13, `shift changed y[${j}]: ${y[j]} vs ${ys[j]}`);
      }),
      { numRuns: RUNS },
    );
  });

  test(`${sm.backend}: logSoftmax = x/T - logSumExp(x/T) along the axis`, () => {
    fc.assert(
      fc.property(tensor, ({ shape, axis, x, temperature }) => {
        const xs = Float64Array.from(x);
        const ly = sm.logSoftmax(xs, { shape, axis, temperature });
        const lse = sm.logSumExp(xs.map((v) => v / temperature), { shape, axis });
        fibres(shape, axis).forEach((f, idx) => {
          for (const j of f) {
            const want = xs[j] / temperature - lse[idx];
            assert.ok(Math.abs(ly[j] - want) <= 1e-12 * Math.max(1, Math.abs(want)), `logSoftmax[${j}] ${ly[j]} vs ${want}`);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  test(`${sm.backend}: a uniform upstream gradient gives a zero gradient (float32)`, () => {
    fc.assert(
      fc.property(tensor, fc.float({ min: -5, max: 5, noNaN: true }), ({ shape, axis, x, temperature }, g) => {
        const x32 = Float32Array.from(x);
        const y = sm.softmax(x32, { shape, axis, temperature });
        const dx = sm.softmaxBackward(new Float32Array(x.length).fill(g), y, { shape, axis, temperature });
        // dx_i = y_i (g - <g, y>) / T = y_i g (1 - sum y) / T: zero up to how far the float32
        // softmax sums from 1, i.e. within the backward contract 2e-6 * y_i (|g| + |<g, y>|) / T.
        for (let j = 0; j < dx.length; j++) {
          assert.ok(Math.abs(dx[j]) <= 2e-6 * y[j] * 2 * Math.abs(g) / temperature + 1e-30, `dx[${j}] = ${dx[j]}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test(`${sm.backend}: cross-entropy 'sum' gradient is softmax - onehot, and each sample's row sums to 0`, () => {
    fc.assert(
      fc.property(tensor, fc.infiniteStream(fc.nat()), ({ shape, axis, x }, picks) => {
        const a = axis < 0 ? axis + shape.length : axis;
        const C = shape[a];
        const list = fibres(shape, axis);
        const target = Int32Array.from(list, () => picks.next().value % C);
        const xs = Float64Array.from(x);
        const { grad } = sm.crossEntropy(xs, target, { shape, axis, reduction: 'sum', grad: true });
        const s = sm.softmax(xs, { shape, axis });
        list.forEach((f, idx) => {
          let rowSum = 0;
          f.forEach((j, c) => {
            const want = s[j] - (c === target[idx] ? 1 : 0);
            assert.ok(Math.abs(grad[j] - want) <= 1e-14, `grad[${j}] ${grad[j]} vs ${want}`);
            rowSum += grad[j];
          });
          assert.ok(Math.abs(rowSum) <= 1e-14 * C, `row sums to ${rowSum}`);
        });
      }),
      { numRuns: RUNS },
    );
  });
}
