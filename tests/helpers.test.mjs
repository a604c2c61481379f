// The comparison helpers must be able to fail: each accuracy rule accepts a
// result inside the contract and rejects one just outside it, for both
// tolerances. Also checks that the PRNG reproduces. Needs no library.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compare, assertClose, makeRng, randomShape, DTYPES, TINY, R } from './helpers.mjs';

const F32 = DTYPES[0];
const F64 = DTYPES[1];

describe('compare(): softmax rule (relative error for outputs >= 1e-30)', () => {
  for (const { name, tol } of [F32, F64]) {
    test(`${name}: accepts 0.9 tol, rejects 1.1 tol`, () => {
      const ref = Float64Array.from([0.25, 0.5, 0.25, 3e-20]);
      const inside = ref.map((v, i) => (i === 1 ? v * (1 + 0.9 * tol) : v));
      const outside = ref.map((v, i) => (i === 3 ? v * (1 - 1.1 * tol) : v));
      assert.equal(compare('softmax', inside, ref, { tol }).ok, true);
      const bad = compare('softmax', outside, ref, { tol });
      assert.equal(bad.ok, false);
      assert.equal(bad.worst.index, 3);
      assert.equal(bad.failures, 1);
    });
  }
  test('outputs below 1e-30 may flush to 0 but may not grow past 1e-30 or go negative', () => {
    const ref = Float64Array.from([1e-31, 1e-40, 0, 1]);
    assert.equal(compare('softmax', Float64Array.from([0, 0, 0, 1]), ref, { tol: 2e-6 }).ok, true);
    assert.equal(compare('softmax', Float64Array.from([1e-31, 1e-40, 0, 1]), ref, { tol: 2e-6 }).ok, true);
    assert.equal(compare('softmax', Float64Array.from([3e-30, 0, 0, 1]), ref, { tol: 2e-6 }).ok, false);
    assert.equal(compare('softmax', Float64Array.from([0, -1e-45, 0, 1]), ref, { tol: 2e-6 }).ok, false);
  });
  test('the non-finite pattern must match exactly', () => {
    const ref = Float64Array.from([NaN, 0.5, 0.5]);
    assert.equal(compare('softmax', Float64Array.from([NaN, 0.5, 0.5]), ref, { tol: 2e-6 }).ok, true);
    assert.equal(compare('softmax', Float64Array.from([0, 0.5, 0.5]), ref, { tol: 2e-6 }).ok, false);
    assert.equal(compare('softmax', Float64Array.from([NaN, NaN, 0.5]), ref, { tol: 2e-6 }).ok, false);
    const lref = Float64Array.from([-Infinity, Infinity, 1]);
    assert.equal(compare('log', Float64Array.from([-Infinity, Infinity, 1]), lref, { tol: 2e-6 }).ok, true);
    assert.equal(compare('log', Float64Array.from([-1e30, Infinity, 1]), lref, { tol: 2e-6 }).ok, false);
    assert.equal(compare('log', Float64Array.from([-Infinity, NaN, 1]), lref, { tol: 2e-6 }).ok, false);
  });
  test('a length mismatch fails', () => {
    assert.equal(compare('log', new Float64Array(2), new Float64Array(3), { tol: 1 }).ok, false);
  });
});

describe('compare(): log rule |err| <= tol * max(1, |ref|)', () => {
  for (const { name, tol } of [F32, F64]) {
    test(`${name}: absolute below 1, relative above`, () => {
      const ref = Float64Array.from([0.001, -50, 0]);
      assert.equal(
        compare(
          'log',
          ref.map((v, i) => (i === 0 ? v + 0.9 * tol : v)),
          ref,
          { tol },
        ).ok,
        true,
      );
      assert.equal(
        compare(
          'log',
          ref.map((v, i) => (i === 0 ? v + 1.1 * tol : v)),
          ref,
          { tol },
        ).ok,
        false,
      );
      assert.equal(
        compare(
          'log',
          ref.map((v, i) => (i === 1 ? v - 0.9 * 50 * tol : v)),
          ref,
          { tol },
        ).ok,
        true,
      );
      assert.equal(
        compare(
          'log',
          ref.map((v, i) => (i === 1 ? v - 1.1 * 50 * tol : v)),
          ref,
          { tol },
        ).ok,
        false,
      );
      assert.equal(
        compare(
          'log',
          ref.map((v, i) => (i === 2 ? 1.1 * tol : v)),
          ref,
          { tol },
        ).ok,
        false,
      );
    });
  }
});

describe('compare(): backward rule |err| <= tol * scale_i', () => {
  for (const { name, tol, minNormal } of [F32, F64]) {
    test(`${name}: componentwise against the scale, not the value`, () => {
      const ref = Float64Array.from([1e-9, 0.3, 0]);
      const scale = Float64Array.from([2, 0.6, 0]);
      assert.equal(
        compare('backward', Float64Array.from([1e-9 + 1.8 * tol, 0.3, 0]), ref, { tol, scale, minNormal }).ok,
        true,
      );
      assert.equal(
        compare('backward', Float64Array.from([1e-9 + 2.2 * tol, 0.3, 0]), ref, { tol, scale, minNormal }).ok,
        false,
      );
      // scale 0 (y_i = 0): the result must be exactly 0 (up to the subnormal floor).
      assert.equal(
        compare('backward', Float64Array.from([1e-9, 0.3, 1e-20]), ref, { tol, scale, minNormal }).ok,
        false,
      );
    });
  }
});

describe('compare(): jacobian rule (relative for |ref| >= 1e-30)', () => {
  for (const { name, tol } of [F32, F64]) {
    test(`${name}: relative error on both signs`, () => {
      const ref = Float64Array.from([0.1875, -0.1875, -1e-31]);
      assert.equal(
        compare('jacobian', Float64Array.from([0.1875 * (1 + 0.9 * tol), -0.1875, 0]), ref, { tol }).ok,
        true,
      );
      assert.equal(
        compare('jacobian', Float64Array.from([0.1875, -0.1875 * (1 + 1.1 * tol), -1e-31]), ref, { tol }).ok,
        false,
      );
      assert.equal(compare('jacobian', Float64Array.from([0.1875, -0.1875, -2e-30]), ref, { tol }).ok, false);
    });
  }
});

test('assertClose reports the worst index, its value, the reference and the case', () => {
  const ref = R.softmax([1, 2, 3, 4]);
  const got = Float64Array.from(ref);
  got[2] *= 1 + 1e-5;
  got[1] *= 1 + 3e-6;
  assert.throws(
    () => assertClose('softmax', got, ref, { tol: 2e-6, ctx: { shape: [2, 2], seed: 7 }, shape: [2, 2] }),
    (error) => {
      assert.match(error.message, /2 of 4 entries/);
      assert.match(error.message, /worst: index 2 \[1,0\]/);
      assert.match(error.message, new RegExp(`got ${got[2]}, ref ${ref[2]}`));
      assert.match(error.message, /seed=7/);
      return true;
    },
  );
  // The perturbed result of a real reference case is caught at the float32 tolerance ...
  const x = Float32Array.from([0.5, -3, 7, 1e-3]);
  const good = Float32Array.from(R.softmax(x));
  assert.doesNotThrow(() => assertClose('softmax', good, R.softmax(x), { tol: F32.tol }));
  const perturbed = Float32Array.from(good);
  perturbed[0] *= 1 + 4e-6;
  assert.throws(() => assertClose('softmax', perturbed, R.softmax(x), { tol: F32.tol }));
  // ... and a float32-rounded result is too coarse for the float64 tolerance.
  assert.throws(() => assertClose('softmax', good, R.softmax(x), { tol: F64.tol }));
});

test('the PRNG reproduces from its seed and shapes respect the element budget', () => {
  const a = makeRng(42);
  const b = makeRng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
  const rng = makeRng(1);
  for (let i = 0; i < 200; i++) {
    const shape = randomShape(rng);
    assert.ok(shape.length >= 1 && shape.length <= 4);
    assert.ok(shape.reduce((p, d) => p * d, 1) <= 20000);
  }
  assert.ok(TINY === 1e-30);
});
