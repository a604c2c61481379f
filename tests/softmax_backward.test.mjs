// softmaxBackward(dy, y, { shape, axis, temperature, out }) = (1/T) y (dy - <dy, y>):
// against the float64 reference (componentwise bound against the size of the
// terms, API.md), against central differences of the library's own softmax on
// the float64 kernels, and the essay's check that a uniform upstream gradient
// gives a zero gradient.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, dtypeNamed, randomLogits, randomShape, seededTest, asRef, assertClose, R } from './helpers.mjs';
import { defineOpSuite } from './op-suite.mjs';
import { finiteDifferenceCheck } from './gradcheck.mjs';

const BUILDS = await builds();
defineOpSuite('softmaxBackward', BUILDS);

for (const { name: build, sm } of BUILDS) {
  describe(`softmaxBackward gradient check [${build}, float64]`, () => {
    seededTest(`softmaxBackward ${build}: equals central differences of L = <g, softmax(x / T)>`, (rng) => {
      finiteDifferenceCheck(sm, 'softmax', 'softmaxBackward', rng);
    });
  });

  for (const dtype of DTYPES) {
    describe(`softmaxBackward properties [${build}, ${dtype.name}]`, () => {
      seededTest(`softmaxBackward ${build} ${dtype.name}: a uniform upstream gradient gives a zero gradient`, (rng) => {
        const f = new Failures();
        for (const c of [1, -3.5, 1000]) {
          f.check(() => {
            const shape = randomShape(rng, { maxElements: 2000 });
            const axis = rng.int(-shape.length, shape.length - 1);
            const temperature = dtype.num(rng.pick([0.5, 1, 2]));
            const size = shape.reduce((p, d) => p * d, 1);
            const y = dtype.make(R.softmax(randomLogits(rng, size, 'normal3'), { shape, axis, temperature }));
            const dy = dtype.make(new Array(size).fill(c));
            const got = sm.softmaxBackward(dy, y, { shape, axis, temperature });
            const ref = R.softmaxBackward(asRef(dy), asRef(y), { shape, axis, temperature });
            const scale = R.softmaxBackwardScale(asRef(dy), asRef(y), { shape, axis, temperature });
            // ref is y * c * (1 - sum y): zero up to the rounding of y; the
            // contract bound is 2e-6 (1e-13) of |y|(|c| + |c sum y|)/T, i.e. ~ |2 c y/T| tol
            assertClose('backward', got, ref, { tol: dtype.tol, scale, minNormal: dtype.minNormal, what: 'softmaxBackward', ctx: { c, shape, axis } });
            for (let i = 0; i < size; i++) {
              assert.ok(Math.abs(got[i]) <= dtype.tol * scale[i] + Math.abs(ref[i]) + dtype.minNormal, `index ${i}: ${got[i]} is not ~0`);
            }
          });
        }
        f.assertNone();
      });
    });
  }
}
