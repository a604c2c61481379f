// softmaxJacobian(x, { temperature }) and logSoftmaxJacobian(x, { temperature }):
// n*n row-major, J[i*n + j] = d y_i / d x_j. Checked against the reference
// (which computes the diagonal without cancellation), for the structure
// J = (diag(s) - s s^T) / T, and that J^T g equals the VJP softmaxBackward(g, s).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, LOGIT_MODES, randomLogits, seededTest, asRef, assertClose, R } from './helpers.mjs';

const BUILDS = await builds();
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129, 200];
const EPS = 2 ** -52;

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`Jacobians [${build}, ${dtype.name}]`, () => {
      for (const op of ['softmaxJacobian', 'logSoftmaxJacobian']) {
        seededTest(
          `${op} ${build} ${dtype.name}: matches the reference for n around SIMD widths, all logit modes, T 0.1..10`,
          (rng) => {
            const f = new Failures();
            for (const n of SIZES) {
              for (const mode of [rng.pick(LOGIT_MODES), rng.pick(LOGIT_MODES)]) {
                f.check(() => {
                  const temperature = rng.bool(0.2) ? undefined : dtype.num(rng.pick([0.1, 0.5, 1, 2, 10]));
                  const x = dtype.make(randomLogits(rng, n, mode));
                  const got = temperature === undefined ? sm[op](x) : sm[op](x, { temperature });
                  assert.ok(got instanceof dtype.Result, `${op} result type ${got?.constructor?.name}`);
                  assert.equal(got.length, n * n);
                  const ref = R[op](asRef(x), { temperature });
                  assertClose('jacobian', got, ref, {
                    tol: dtype.tol,
                    what: op,
                    shape: [n, n],
                    ctx: { n, mode, temperature, x: Array.from(x) },
                  });
                });
              }
            }
            f.assertNone();
          },
        );
      }

      seededTest(
        `Jacobians ${build} ${dtype.name}: the diagonal keeps relative accuracy when one s_i is near 1`,
        (rng) => {
          // s_0 = 1 - ~1e-11: s_0 (1 - s_0) and 1 - s_0 cancel if computed as written
          const f = new Failures();
          for (const [lead, n, T] of [
            [25, 4, 1],
            [30, 17, 1],
            [12, 9, 0.5],
            [60, 33, 2],
            [16, 64, 0.7],
          ]) {
            f.check(() => {
              const values = randomLogits(rng, n, 'normal3').map((v) => v / 3);
              values[rng.int(0, n - 1)] = lead;
              const x = dtype.make(values);
              const temperature = dtype.num(T);
              for (const op of ['softmaxJacobian', 'logSoftmaxJacobian']) {
                assertClose('jacobian', sm[op](x, { temperature }), R[op](asRef(x), { temperature }), {
                  tol: dtype.tol,
                  what: op,
                  shape: [n, n],
                  ctx: { lead, n, T, x: Array.from(x) },
                });
              }
            });
          }
          f.assertNone();
        },
      );

      seededTest(
        `softmaxJacobian ${build} ${dtype.name}: J = (diag(s) - s s^T) / T from the library's own softmax`,
        (rng) => {
          const f = new Failures();
          for (const n of [2, 3, 8, 17, 40]) {
            f.check(() => {
              const temperature = dtype.num(rng.pick([0.5, 1, 3]));
              const x = dtype.make(randomLogits(rng, n, 'normal3'));
              const J = sm.softmaxJacobian(x, { temperature });
              const s = sm.softmax(x, { temperature });
              const L = sm.logSoftmaxJacobian(x, { temperature });
              for (let i = 0; i < n; i++) {
                let rowSum = 0;
                let rowAbs = 0;
                for (let j = 0; j < n; j++) {
                  const v = J[i * n + j];
                  rowSum += v;
                  rowAbs += Math.abs(v);
                  if (i === j) {
                    assert.ok(v > 0, `J[${i},${i}] = ${v} should be positive`);
                    continue;
                  }
                  assert.ok(v <= 0, `J[${i},${j}] = ${v} should be <= 0`);
                  if (s[i] * s[j] < 1e-29) continue; // below 1e-30 the contract only bounds |J|
                  // J and s each within tol (relative) of exact: -s_i s_j / T within ~3 tol
                  const want = (-s[i] * s[j]) / temperature;
                  assert.ok(
                    Math.abs(v - want) <= 3.01 * dtype.tol * Math.abs(want) + 1e-300,
                    `J[${i},${j}] = ${v}, -s_i s_j / T = ${want}`,
                  );
                  const wantL = -s[j] / temperature;
                  assert.ok(
                    Math.abs(L[i * n + j] - wantL) <= 2.01 * dtype.tol * Math.abs(wantL),
                    `logJ[${i},${j}] = ${L[i * n + j]}, -s_j / T = ${wantL}`,
                  );
                  // symmetric: both entries within tol of the same -s_i s_j / T
                  assert.ok(
                    Math.abs(v - J[j * n + i]) <= 2.01 * dtype.tol * Math.abs(v),
                    `J not symmetric at ${i},${j}`,
                  );
                }
                // sum_j d y_i / d x_j = 0 (shift invariance); entries within tol of exact
                assert.ok(Math.abs(rowSum) <= (dtype.tol + n * EPS) * rowAbs, `row ${i} sums to ${rowSum}`);
              }
            });
          }
          f.assertNone();
        },
      );

      seededTest(
        `softmaxJacobian ${build} ${dtype.name}: J^T g equals softmaxBackward(g, s); logSoftmax too`,
        (rng) => {
          const f = new Failures();
          for (const n of [1, 2, 5, 16, 33, 100]) {
            f.check(() => {
              const temperature = dtype.num(rng.pick([0.5, 1, 3]));
              const x = dtype.make(randomLogits(rng, n, rng.pick(['normal3', 'uniform10'])));
              const g = dtype.make(Float64Array.from({ length: n }, () => rng.normal()));
              const sRef = R.softmax(asRef(x), { temperature });
              for (const [jac, forward, backward] of [
                ['softmaxJacobian', 'softmax', 'softmaxBackward'],
                ['logSoftmaxJacobian', 'logSoftmax', 'logSoftmaxBackward'],
              ]) {
                const J = sm[jac](x, { temperature });
                const y = sm[forward](x, { temperature });
                const vjp = sm[backward](g, y, { temperature });
                for (let j = 0; j < n; j++) {
                  const terms = [];
                  let termAbs = 0;
                  for (let i = 0; i < n; i++) {
                    terms.push(J[i * n + j] * g[i]);
                    termAbs += Math.abs(J[i * n + j] * g[i]);
                  }
                  const jtg = R.accurateSum(terms);
                  // |J^T g - exact| <= tol * sum_i |J_ij g_i| (each J entry within tol);
                  // |vjp - exact| <= tol * scale_j (the backward contract), and the
                  // scale (from the library's y, itself within tol) is at most the
                  // same sum up to the diagonal term: bound both by 2 tol * (termAbs + |g_j| s_j / T)
                  const extra =
                    forward === 'softmax' ? (Math.abs(g[j]) * sRef[j]) / temperature : Math.abs(g[j]) / temperature;
                  const bound = (2 * dtype.tol + 4 * n * EPS) * (termAbs + extra) + dtype.minNormal;
                  assert.ok(
                    Math.abs(jtg - vjp[j]) <= bound,
                    `${jac} n ${n} T ${temperature} j ${j}: J^T g = ${jtg}, ${backward} = ${vjp[j]} (bound ${bound})`,
                  );
                }
              }
            });
          }
          f.assertNone();
        },
      );
    });
  }
}
