// logSoftmaxBackward(dy, y, { shape, axis, temperature, out }) = (1/T)(dy - exp(y) sum dy):
// against the float64 reference (componentwise bound against the size of the
// terms, API.md), against central differences of the library's own logSoftmax
// on the float64 kernels, and the cross-entropy identity: for y = logSoftmax(x)
// and dy = -onehot(t), the gradient is softmax(x) - onehot(t) (over T).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, randomLogits, seededTest, asRef, R } from './helpers.mjs';
import { defineOpSuite } from './op-suite.mjs';
import { finiteDifferenceCheck } from './gradcheck.mjs';

const BUILDS = await builds();
defineOpSuite('logSoftmaxBackward', BUILDS);

for (const { name: build, sm } of BUILDS) {
  describe(`logSoftmaxBackward gradient check [${build}, float64]`, () => {
    seededTest(`logSoftmaxBackward ${build}: equals central differences of L = <g, logSoftmax(x / T)>`, (rng) => {
      finiteDifferenceCheck(sm, 'logSoftmax', 'logSoftmaxBackward', rng);
    });
  });

  for (const dtype of DTYPES) {
    describe(`logSoftmaxBackward properties [${build}, ${dtype.name}]`, () => {
      seededTest(`logSoftmaxBackward ${build} ${dtype.name}: -onehot upstream gives (softmax - onehot) / T`, (rng) => {
        const f = new Failures();
        for (const n of [2, 5, 16, 33, 1000]) {
          f.check(() => {
            const temperature = dtype.num(rng.pick([0.5, 1, 2]));
            const x = dtype.make(randomLogits(rng, n, 'normal3'));
            const t = rng.int(0, n - 1);
            const dy = dtype.make(Array.from({ length: n }, (_, i) => (i === t ? -1 : 0)));
            const y = dtype.make(R.logSoftmax(asRef(x), { temperature }));
            const got = sm.logSoftmaxBackward(dy, y, { temperature });
            const p = R.softmax(asRef(x), { temperature });
            for (let i = 0; i < n; i++) {
              const want = (p[i] - (i === t ? 1 : 0)) / temperature;
              // scale_i = (|dy_i| + exp(y_i)) / T; y is rounded to the dtype, so exp(y)
              // differs from p by up to |y| ulp: allow that on top of the contract
              const scale = ((i === t ? 1 : 0) + p[i]) / temperature;
              const rounding = dtype.name === 'float32' ? 2 ** -24 * (1 + Math.abs(y[i])) * p[i] / temperature : 1e-15 * p[i] / temperature;
              assert.ok(Math.abs(got[i] - want) <= dtype.tol * scale + rounding + dtype.minNormal,
                `n ${n} t ${t} index ${i}: ${got[i]} vs ${want}`);
            }
          });
        }
        f.assertNone();
      });
    });
  }
}
