// Central-difference gradient check shared by the two backward test files
// (not a test file). Uses the float64 kernels: L(x) = <g, f(x / T)> with f the
// library's forward op, dL/dx_j ~ (L(x + h e_j) - L(x - h e_j)) / 2h, compared
// with the library's backward op fed the library's own forward output.

import assert from 'node:assert/strict';
import { Failures, randomShape, R } from './helpers.mjs';

export function finiteDifferenceCheck(sm, forward, backward, rng) {
  const f = new Failures();
  const cases = [[[7], -1], [[3, 5], 0], [[3, 5], -1], [[2, 4, 3], 1], [[2, 2, 3, 2], -2], [[17], 0]];
  for (let s = 0; s < 4; s++) {
    const shape = randomShape(rng, { maxElements: 60 });
    cases.push([shape, rng.int(-shape.length, shape.length - 1)]);
  }
  for (const [shape, axis] of cases) {
    for (const temperature of [0.3, 1, 2.5]) {
      f.check(() => {
        const size = shape.reduce((p, d) => p * d, 1);
        const opts = { shape, axis, temperature };
        const x = Float64Array.from({ length: size }, () => rng.normal() * 2);
        const g = Float64Array.from({ length: size }, () => rng.normal());
        const loss = (v) => R.accurateSum(Array.from(sm[forward](v, opts), (fv, i) => fv * g[i]));
        const analytic = sm[backward](g, sm[forward](x, opts), opts);
        const h = 1e-5;
        // truncation ~ h^2 |f'''| ~ 1e-10 / T^3, rounding ~ 1e-16 |L| / h; an error
        // in the formula (a missing 1/T, a sign, the wrong fibre) is O(|g| / T).
        const gmax = Math.max(...Array.from(g, Math.abs));
        const bound = 1e-6 * gmax / temperature;
        for (let j = 0; j < size; j++) {
          const plus = Float64Array.from(x); plus[j] += h;
          const minus = Float64Array.from(x); minus[j] -= h;
          const numeric = (loss(plus) - loss(minus)) / (2 * h);
          assert.ok(Math.abs(numeric - analytic[j]) <= bound,
            `${backward} shape [${shape}] axis ${axis} T ${temperature} index ${j}: finite difference ${numeric}, backward ${analytic[j]}`);
        }
      });
    }
  }
  f.assertNone();
}
