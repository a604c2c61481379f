// The identities that make each op what it is, as one table of properties
// checked by fast-check on random shapes, axes, temperatures and logits, on
// every build and dtype of the matrix (helpers.mjs):
//   softmax: each fibre sums to 1; a shift of the logits changes nothing;
//   logSoftmax: never positive, exp of it is softmax, and x/T - logSumExp(x/T);
//   logSumExp: the result has the shape without the axis;
//   backward ops: equal central differences of the forward op (float64);
//   softmaxBackward: a uniform upstream gradient gives a zero gradient;
//   logSoftmaxBackward: a -onehot upstream gives (softmax - onehot) / T;
//   crossEntropy: the 'sum' gradient is softmax - onehot, each sample's row sums to 0.
// Every bound is the accuracy contract's tol of the dtype (helpers.mjs DTYPES)
// carried through the identity; a failure names the fast-check seed and path
// that reproduce it (and SEED=... sets the base seed).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BASE_SEED, DTYPES, asRef, builds, R } from './helpers.mjs';

const BUILDS = await builds();
const RUNS = 100;
const TEMPERATURES = [0.1, 0.5, 1, 2, 7.5];

/** A shape of rank 1..3 (dims 1..9), an axis of it, logits in [-30, 30] and a temperature. */
const tensor = ({ integers = false } = {}) =>
  fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }).chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const value = integers ? fc.integer({ min: -30, max: 30 }) : fc.double({ min: -30, max: 30, noNaN: true });
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      x: fc.array(value, { minLength: size, maxLength: size }),
      temperature: fc.constantFrom(...TEMPERATURES),
    });
  });

/** Unit roundoff of the dtype's storage: what rounding one value into it costs. */
const roundoff = (dtype) => (dtype.Result === Float32Array ? 2 ** -24 : 2 ** -53);

const fibres = (shape, axis) => {
  const list = [];
  R.forEachFibre(
    R.layout(
      shape.reduce((a, b) => a * b, 1),
      { shape, axis },
    ),
    (indices) => list.push(indices),
  );
  return list;
};

/**
 * The table. Each row: the ops it speaks about, a title, its dtypes (default
 * all), the arbitrary, and check(sm, dtype, value) that throws on a violation.
 */
const PROPERTIES = [
  {
    ops: ['softmax'],
    title: 'every fibre sums to 1',
    arbitrary: tensor(),
    check(sm, dtype, { shape, axis, x, temperature }) {
      const y = sm.softmax(dtype.make(x), { shape, axis, temperature: dtype.num(temperature) });
      // each output is within tol (relative) of the exact value, so the sum is
      // within tol of 1, plus the rounding of this sum itself
      for (const f of fibres(shape, axis)) {
        const total = R.accurateSum(f.map((j) => y[j]));
        assert.ok(Math.abs(total - 1) <= dtype.tol + 1e-15, `fibre at ${f[0]} sums to ${total}`);
      }
    },
  },
  {
    ops: ['softmax'],
    title: 'adding a constant to every logit changes nothing',
    // integer logits and shifts: x + shift is exact in every dtype
    arbitrary: fc.tuple(tensor({ integers: true }), fc.integer({ min: -1000, max: 1000 })),
    check(sm, dtype, [{ shape, axis, x, temperature }, shift]) {
      const o = { shape, axis, temperature: dtype.num(temperature) };
      const a = sm.softmax(dtype.make(x), o);
      const b = sm.softmax(dtype.make(x.map((v) => v + shift)), o);
      for (let i = 0; i < a.length; i++) {
        // both within tol of the same exact value (or both below 1e-30, where outputs may flush to 0)
        const ok =
          Math.abs(a[i] - b[i]) <= 2 * dtype.tol * Math.max(a[i], b[i]) ||
          Math.max(a[i], b[i]) <= 1e-30 * (1 + dtype.tol);
        assert.ok(ok, `shift ${shift}, index ${i}: ${a[i]} vs ${b[i]}`);
      }
    },
  },
  {
    ops: ['logSoftmax', 'softmax'],
    title: 'logSoftmax is never positive and its exp is softmax',
    arbitrary: tensor(),
    check(sm, dtype, { shape, axis, x, temperature }) {
      const o = { shape, axis, temperature: dtype.num(temperature) };
      const input = dtype.make(x);
      const ls = sm.logSoftmax(input, o);
      const s = sm.softmax(input, o);
      for (let i = 0; i < ls.length; i++) {
        assert.ok(ls[i] <= 0, `logSoftmax[${i}] = ${ls[i]} > 0`);
        // |ls - ref| <= tol max(1, |ref|) and |s - ref| <= tol ref: exp(ls) is
        // within about tol (2 + |ls|) of s, relative to s
        const bound = (dtype.tol * (2 + Math.abs(ls[i])) + 1e-15) * s[i];
        if (s[i] >= 1e-30) assert.ok(Math.abs(Math.exp(ls[i]) - s[i]) <= bound, `index ${i}: exp(${ls[i]}) vs ${s[i]}`);
      }
    },
  },
  {
    ops: ['logSoftmax', 'logSumExp'],
    title: 'logSoftmax(x, T) = x/T - logSumExp(x/T) along the axis',
    arbitrary: tensor(),
    check(sm, dtype, { shape, axis, x, temperature }) {
      const T = dtype.num(temperature);
      const input = dtype.make(x);
      const scaled = dtype.make(Array.from(input, (v) => v / T)); // x/T rounded into the dtype
      const ls = sm.logSoftmax(input, { shape, axis, temperature: T });
      const lse = sm.logSumExp(scaled, { shape, axis });
      fibres(shape, axis).forEach((f, idx) => {
        for (const j of f) {
          const want = scaled[j] - lse[idx];
          // both results within tol max(1, |.|) of exact values; x/T's rounding into the dtype on top
          const bound =
            dtype.tol * (Math.max(1, Math.abs(lse[idx])) + Math.max(1, Math.abs(ls[j]))) +
            roundoff(dtype) * Math.abs(input[j] / T) +
            1e-15 * Math.abs(scaled[j]);
          assert.ok(Math.abs(ls[j] - want) <= bound, `index ${j}: logSoftmax ${ls[j]} vs x/T - logSumExp ${want}`);
        }
      });
    },
  },
  {
    ops: ['logSumExp'],
    title: 'the result has the shape without the axis',
    arbitrary: tensor(),
    check(sm, dtype, { shape, axis, x }) {
      const got = sm.logSumExp(dtype.make(x), { shape, axis });
      const a = axis < 0 ? axis + shape.length : axis;
      assert.ok(got instanceof dtype.Result, `result is a ${got?.constructor?.name}`);
      assert.equal(got.length, x.length / shape[a], `shape [${shape}] axis ${axis}`);
    },
  },
  {
    ops: ['softmaxBackward', 'softmax'],
    title: 'equals central differences of L = <g, softmax(x / T)>',
    dtypes: ['float64'],
    arbitrary: gradcheckCase(),
    check: (sm, _dtype, value) => centralDifferences(sm, 'softmax', 'softmaxBackward', value),
  },
  {
    ops: ['logSoftmaxBackward', 'logSoftmax'],
    title: 'equals central differences of L = <g, logSoftmax(x / T)>',
    dtypes: ['float64'],
    arbitrary: gradcheckCase(),
    check: (sm, _dtype, value) => centralDifferences(sm, 'logSoftmax', 'logSoftmaxBackward', value),
  },
  {
    ops: ['softmaxBackward'],
    title: 'a uniform upstream gradient gives a zero gradient',
    arbitrary: fc.tuple(tensor(), fc.constantFrom(1, -3.5, 1000, 0.3)),
    check(sm, dtype, [{ shape, axis, x, temperature }, c]) {
      const o = { shape, axis, temperature: dtype.num(temperature) };
      const y = sm.softmax(dtype.make(x), o);
      const dy = dtype.make(new Array(x.length).fill(c));
      const got = sm.softmaxBackward(dy, y, o);
      // exactly, dx = y c (1 - sum y) / T: zero up to how far the rounded y
      // sums from 1 (that is ref), within the contract's tol of the terms' size
      const ref = R.softmaxBackward(asRef(dy), asRef(y), o);
      const scale = R.softmaxBackwardScale(asRef(dy), asRef(y), o);
      for (let i = 0; i < got.length; i++) {
        assert.ok(
          Math.abs(got[i]) <= dtype.tol * scale[i] + Math.abs(ref[i]) + dtype.minNormal,
          `index ${i}: ${got[i]} is not ~0`,
        );
      }
    },
  },
  {
    ops: ['logSoftmaxBackward', 'logSoftmax'],
    title: 'a -onehot upstream gradient gives (softmax - onehot) / T',
    arbitrary: fc.tuple(tensor(), fc.infiniteStream(fc.nat())),
    check(sm, dtype, [{ shape, axis, x, temperature }, picks]) {
      const T = dtype.num(temperature);
      const o = { shape, axis, temperature: T };
      const input = dtype.make(x);
      const y = sm.logSoftmax(input, o);
      const dyValues = new Array(x.length).fill(0);
      const hot = new Set();
      for (const f of fibres(shape, axis)) {
        const j = f[picks.next().value % f.length];
        dyValues[j] = -1;
        hot.add(j);
      }
      const got = sm.logSoftmaxBackward(dtype.make(dyValues), y, o);
      const p = R.softmax(asRef(input), o);
      for (let i = 0; i < got.length; i++) {
        const onehot = hot.has(i) ? 1 : 0;
        const want = (p[i] - onehot) / T;
        // scale_i = (|dy_i| + exp(y_i)) / T; y is rounded to the dtype, so exp(y)
        // differs from p by up to |y| roundoff: allow that on top of the contract
        const scale = (onehot + p[i]) / T;
        const rounding = (roundoff(dtype) * (1 + Math.abs(y[i])) * p[i]) / T;
        assert.ok(
          Math.abs(got[i] - want) <= dtype.tol * scale + 2 * rounding + dtype.minNormal,
          `index ${i}: ${got[i]} vs ${want}`,
        );
      }
    },
  },
  {
    ops: ['crossEntropy', 'softmax'],
    title: "the 'sum' gradient is softmax - onehot and each sample's row sums to 0",
    arbitrary: fc.tuple(tensor(), fc.infiniteStream(fc.nat())),
    check(sm, dtype, [{ shape, axis, x }, picks]) {
      const list = fibres(shape, axis);
      const C = list[0].length;
      const target = Int32Array.from(list, () => picks.next().value % C);
      const input = dtype.make(x);
      const { grad } = sm.crossEntropy(input, target, { shape, axis, reduction: 'sum', grad: true });
      const s = R.softmax(asRef(input), { shape, axis });
      list.forEach((f, idx) => {
        let rowSum = 0;
        let rowSize = 0;
        f.forEach((j, c) => {
          const want = s[j] - (c === target[idx] ? 1 : 0);
          // |want| <= 1: the contract's gradient bound, tol of the largest entry
          assert.ok(Math.abs(grad[j] - want) <= dtype.tol, `grad[${j}] ${grad[j]} vs ${want}`);
          rowSum += grad[j];
          rowSize += Math.abs(grad[j]);
        });
        assert.ok(
          Math.abs(rowSum) <= dtype.tol * rowSize + C * roundoff(dtype),
          `sample ${idx}: row sums to ${rowSum}`,
        );
      });
    },
  },
];

/** Small float64 tensors (at most 60 elements) for central differences. */
function gradcheckCase() {
  return fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: size, maxLength: size });
    return fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      x: values,
      g: values,
      temperature: fc.constantFrom(0.3, 1, 2.5),
    });
  });
}

/** dL/dx_j ~ (L(x + h e_j) - L(x - h e_j)) / 2h against the backward op fed the forward op's output. */
function centralDifferences(sm, forward, backward, { shape, axis, x, g, temperature }) {
  const opts = { shape, axis, temperature };
  const xs = Float64Array.from(x);
  const gs = Float64Array.from(g);
  const loss = (v) => R.accurateSum(Array.from(sm[forward](v, opts), (fv, i) => fv * gs[i]));
  const analytic = sm[backward](gs, sm[forward](xs, opts), opts);
  const h = 1e-5;
  // truncation ~ h^2 |f'''| ~ 1e-10 / T^3, rounding ~ 1e-16 |L| / h; an error
  // in the formula (a missing 1/T, a sign, the wrong fibre) is O(|g| / T)
  const gmax = Math.max(1e-3, ...Array.from(gs, Math.abs));
  const bound = (1e-6 * gmax) / temperature;
  for (let j = 0; j < xs.length; j++) {
    const plus = Float64Array.from(xs);
    plus[j] += h;
    const minus = Float64Array.from(xs);
    minus[j] -= h;
    const numeric = (loss(plus) - loss(minus)) / (2 * h);
    assert.ok(
      Math.abs(numeric - analytic[j]) <= bound,
      `index ${j}: finite difference ${numeric}, ${backward} ${analytic[j]}`,
    );
  }
}

function seedOf(text) {
  let h = BASE_SEED;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`properties [${build}, ${dtype.name}]`, () => {
      for (const p of PROPERTIES) {
        if (p.dtypes && !p.dtypes.includes(dtype.name)) continue;
        const name = `${p.ops[0]} ${build} ${dtype.name}: ${p.title}`;
        test(name, () => {
          fc.assert(
            fc.property(p.arbitrary, (value) => p.check(sm, dtype, value)),
            { numRuns: RUNS, seed: seedOf(name) },
          );
        });
      }
    });
  }
}
