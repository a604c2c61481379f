// logSoftmax(x, { shape, axis, temperature, out }) against the float64
// reference on both builds and all input kinds, plus its link to softmax:
// exp(logSoftmax) = softmax and logSoftmax = x/T - logSumExp(x/T).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, randomLogits, randomShape, seededTest, asRef, R } from './helpers.mjs';
import { defineOpSuite } from './op-suite.mjs';

const BUILDS = await builds();
defineOpSuite('logSoftmax', BUILDS);

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`logSoftmax properties [${build}, ${dtype.name}]`, () => {
      seededTest(`logSoftmax ${build} ${dtype.name}: never positive; exp of it matches softmax`, (rng) => {
        const f = new Failures();
        for (let s = 0; s < 8; s++) {
          f.check(() => {
            const shape = randomShape(rng, { maxElements: 3000 });
            const axis = rng.int(-shape.length, shape.length - 1);
            const temperature = dtype.num(rng.pick([0.5, 1, 2]));
            const x = dtype.make(randomLogits(rng, shape.reduce((p, d) => p * d, 1), 'normal3'));
            const ls = sm.logSoftmax(x, { shape, axis, temperature });
            const s = sm.softmax(x, { shape, axis, temperature });
            for (let i = 0; i < ls.length; i++) {
              assert.ok(ls[i] <= 0, `logSoftmax[${i}] = ${ls[i]} > 0`);
              // |ls - ref| <= tol max(1,|ref|) and |s - ref| <= tol ref: exp(ls) is
              // within about tol (1 + |ls|) of s relative to s.
              const bound = (dtype.tol * (2 + Math.abs(ls[i])) + 1e-15) * s[i];
              if (s[i] >= 1e-30) assert.ok(Math.abs(Math.exp(ls[i]) - s[i]) <= bound, `index ${i}: exp(${ls[i]}) vs ${s[i]}`);
            }
          });
        }
        f.assertNone();
      });

      seededTest(`logSoftmax ${build} ${dtype.name}: an extreme fibre keeps its dynamic range (no log(0))`, () => {
        // logits 0 and -200/T: softmax underflows in float32, logSoftmax must stay finite
        const x = dtype.make([0, -200, -80, -3]);
        const got = sm.logSoftmax(x, { temperature: dtype.num(0.5) });
        const ref = R.logSoftmax(asRef(x), { temperature: dtype.num(0.5) });
        for (let i = 0; i < 4; i++) {
          assert.ok(Number.isFinite(got[i]), `index ${i} is ${got[i]}`);
          assert.ok(Math.abs(got[i] - ref[i]) <= dtype.tol * Math.max(1, Math.abs(ref[i])), `index ${i}: ${got[i]} vs ${ref[i]}`);
        }
      });
    });
  }
}
