// logSumExp(x, { shape, axis, out }): the result has the shape without `axis`.
// Checked against the float64 reference on both builds and all input kinds,
// plus overflow safety and its link to logSoftmax.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builds, DTYPES, Failures, randomLogits, randomShape, allAxes, seededTest, asRef, assertClose, R } from './helpers.mjs';
import { defineOpSuite } from './op-suite.mjs';

const BUILDS = await builds();
defineOpSuite('logSumExp', BUILDS);

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`logSumExp properties [${build}, ${dtype.name}]`, () => {
      test(`logSumExp ${build} ${dtype.name}: no overflow for huge logits, no underflow for tiny ones`, () => {
        for (const [values, want] of [
          [[1000, 1000], 1000 + Math.LN2],
          [[-1000, -1000], -1000 + Math.LN2],
          [[88, 89, 90], null],
          [[-1e4, 0], null],
          [[3e38, 3e38], null],
        ]) {
          const x = dtype.make(values);
          const ref = R.logSumExp(asRef(x));
          if (want !== null) assert.ok(Math.abs(ref[0] - want) <= 1e-15 * Math.abs(want));
          assertClose('log', sm.logSumExp(x), ref, { tol: dtype.tol, what: 'logSumExp', ctx: { values } });
        }
      });

      seededTest(`logSumExp ${build} ${dtype.name}: output length is the product of the other dimensions`, (rng) => {
        const f = new Failures();
        for (let s = 0; s < 6; s++) {
          const shape = randomShape(rng, { maxElements: 3000 });
          for (const axis of allAxes(shape)) {
            f.check(() => {
              const size = shape.reduce((p, d) => p * d, 1);
              const got = sm.logSumExp(dtype.make(randomLogits(rng, size)), { shape, axis });
              const a = axis < 0 ? axis + shape.length : axis;
              assert.equal(got.length, size / shape[a], `shape [${shape}] axis ${axis}`);
            });
          }
        }
        f.assertNone();
      });

      seededTest(`logSumExp ${build} ${dtype.name}: x - logSumExp(x) is logSoftmax(x)`, (rng) => {
        const x = dtype.make(randomLogits(rng, 24, 'normal3'));
        const lse = sm.logSumExp(x, { shape: [2, 3, 4], axis: 1 });
        const ls = sm.logSoftmax(x, { shape: [2, 3, 4], axis: 1 });
        for (let o = 0; o < 2; o++) {
          for (let k = 0; k < 3; k++) {
            for (let i = 0; i < 4; i++) {
              const j = (o * 3 + k) * 4 + i;
              const diff = x[j] - lse[o * 4 + i];
              // both results within tol*max(1,|.|) of exact values
              const bound = dtype.tol * (Math.max(1, Math.abs(lse[o * 4 + i])) + Math.max(1, Math.abs(ls[j]))) + 1e-15 * Math.abs(x[j]);
              assert.ok(Math.abs(diff - ls[j]) <= bound, `index ${j}: ${diff} vs ${ls[j]}`);
            }
          }
        }
      });
    });
  }
}
