// softmax(x, { shape, axis, temperature, out }) against the float64 reference,
// on both builds and all three input kinds, plus the properties that make it a
// softmax: every fibre sums to 1, and shifting a fibre changes nothing.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, randomLogits, randomShape, allAxes, seededTest, R } from './helpers.mjs';
import { defineOpSuite } from './op-suite.mjs';

const BUILDS = await builds();
defineOpSuite('softmax', BUILDS);

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`softmax properties [${build}, ${dtype.name}]`, () => {
      seededTest(`softmax ${build} ${dtype.name}: every fibre sums to 1 within n * tol`, (rng) => {
        const f = new Failures();
        for (let s = 0; s < 8; s++) {
          const shape = randomShape(rng, { maxElements: 4000 });
          for (const axis of allAxes(shape)) {
            f.check(() => {
              const size = shape.reduce((p, d) => p * d, 1);
              const y = sm.softmax(dtype.make(randomLogits(rng, size)), { shape, axis, temperature: dtype.num(rng.pick([0.3, 1, 4])) });
              const view = R.layout(size, { shape, axis });
              R.forEachFibre(view, (indices) => {
                // each output is within tol (relative) of the reference, so the
                // sum is within tol of 1, plus the rounding of this sum itself
                const total = R.accurateSum(indices.map((j) => y[j]));
                assert.ok(Math.abs(total - 1) <= dtype.tol + 1e-15,
                  `shape [${shape}] axis ${axis}: fibre ${indices[0]} sums to ${total}`);
              });
            });
          }
        }
        f.assertNone();
      });

      seededTest(`softmax ${build} ${dtype.name}: adding a constant to every logit changes nothing`, (rng) => {
        const f = new Failures();
        for (const shift of [1, -20, 64, 1000, -1000]) {
          f.check(() => {
            const base = randomLogits(rng, 67, 'normal3').map(Math.round); // integers: x + shift stays exact
            const a = sm.softmax(dtype.make(base));
            const b = sm.softmax(dtype.make(base.map((v) => v + shift)));
            for (let i = 0; i < a.length; i++) {
              assert.ok(Math.abs(a[i] - b[i]) <= 2 * dtype.tol * a[i], `shift ${shift} index ${i}: ${a[i]} vs ${b[i]}`);
            }
          });
        }
        f.assertNone();
      });
    });
  }
}
