// The checks the source essay (shared/ESSAY.md) makes, run on both builds and
// all input kinds: the stable [1000, 1001, 1002] example, rows of a batch
// summing to 1, axis 0 vs axis 1, temperature sharpening and flattening, the
// zero gradient of a uniform upstream gradient, softmax + cross-entropy giving
// s - y, the sign pattern of the Jacobian, and that a 50,000-class Jacobian is
// refused while its backward pass is cheap.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builds, DTYPES, seededTest, randomLogits, asRef, assertClose, R } from './helpers.mjs';

const BUILDS = await builds();

const entropy = (p) => -p.reduce((h, v) => (v > 0 ? h + v * Math.log(v) : h), 0);

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`essay [${build}, ${dtype.name}]`, () => {
      test(`essay ${build} ${dtype.name}: softmax([1000, 1001, 1002]) is [0.09003057, 0.24472847, 0.66524096], no overflow`, () => {
        const got = sm.softmax(dtype.make([1000, 1001, 1002]));
        const printed = [0.09003057, 0.24472847, 0.66524096]; // 8 decimals
        printed.forEach((v, i) => {
          assert.ok(Math.abs(got[i] - v) <= 5e-9 + dtype.tol * v, `index ${i}: ${got[i]} vs ${v}`);
        });
        assertClose('softmax', got, R.softmax([1000, 1001, 1002]), {
          tol: dtype.tol,
          lines: dtype.lines,
          what: 'softmax',
        });
      });

      seededTest(`essay ${build} ${dtype.name}: each row of a (batch, classes) matrix sums to 1`, (rng) => {
        const batch = 6;
        const classes = 50;
        const y = sm.softmax(dtype.make(randomLogits(rng, batch * classes, 'normal3')), {
          shape: [batch, classes],
          axis: 1,
        });
        for (let b = 0; b < batch; b++) {
          const total = R.accurateSum(Array.from(y.subarray(b * classes, (b + 1) * classes)));
          assert.ok(Math.abs(total - 1) <= dtype.tol + 1e-15, `row ${b} sums to ${total}`);
          for (let c = 0; c < classes; c++) assert.ok(y[b * classes + c] >= 0 && y[b * classes + c] <= 1);
        }
      });

      seededTest(`essay ${build} ${dtype.name}: axis 1 makes rows sum to 1, axis 0 makes columns sum to 1`, (rng) => {
        const rows = 4;
        const cols = 7;
        const x = dtype.make(randomLogits(rng, rows * cols, 'normal3'));
        const byRow = sm.softmax(x, { shape: [rows, cols], axis: 1 });
        const byCol = sm.softmax(x, { shape: [rows, cols], axis: 0 });
        const byColNegative = sm.softmax(x, { shape: [rows, cols], axis: -2 });
        for (let r = 0; r < rows; r++) {
          const total = R.accurateSum(Array.from({ length: cols }, (_, c) => byRow[r * cols + c]));
          assert.ok(Math.abs(total - 1) <= dtype.tol + 1e-15, `axis 1: row ${r} sums to ${total}`);
        }
        for (let c = 0; c < cols; c++) {
          const total = R.accurateSum(Array.from({ length: rows }, (_, r) => byCol[r * cols + c]));
          assert.ok(Math.abs(total - 1) <= dtype.tol + 1e-15, `axis 0: column ${c} sums to ${total}`);
        }
        assert.deepEqual(Array.from(byColNegative), Array.from(byCol), 'axis -2 is axis 0 for a matrix');
        // the same columns, laid out as rows of the transpose, give the same numbers
        const transposed = dtype.make(
          Array.from({ length: rows * cols }, (_, k) => x[(k % rows) * cols + Math.floor(k / rows)]),
        );
        const byRowOfT = sm.softmax(transposed, { shape: [cols, rows], axis: 1 });
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const a = byCol[r * cols + c];
            const b = byRowOfT[c * rows + r];
            assert.ok(Math.abs(a - b) <= 2 * dtype.tol * a + 1e-30, `[${r},${c}]: axis 0 ${a} vs transpose ${b}`);
          }
        }
      });

      test(`essay ${build} ${dtype.name}: low temperature sharpens toward one-hot, high flattens toward uniform`, () => {
        const logits = dtype.make([1.2, 3.2, 0.4, 2.5, -1, 0.9]); // "mat" = 3.2 is the largest
        const n = logits.length;
        const sweep = [0.1, 0.2, 0.5, 1, 2, 5, 10, 100].map(dtype.num);
        const results = sweep.map((temperature) => Array.from(sm.softmax(logits, { temperature })));
        for (let k = 1; k < sweep.length; k++) {
          assert.ok(
            Math.max(...results[k]) < Math.max(...results[k - 1]),
            `max prob should fall from T ${sweep[k - 1]} to ${sweep[k]}`,
          );
          assert.ok(
            entropy(results[k]) > entropy(results[k - 1]),
            `entropy should grow from T ${sweep[k - 1]} to ${sweep[k]}`,
          );
        }
        const cold = results[0];
        assert.ok(cold[1] > 0.999, `T 0.1: the top logit gets ${cold[1]}`);
        const hot = results.at(-1);
        for (const p of hot)
          assert.ok(Math.abs(p - 1 / n) < (0.01 / n) * 5, `T 100: ${p} is not near uniform ${1 / n}`);
        const warm = results[sweep.indexOf(dtype.num(5))];
        for (const p of warm) assert.ok(p > 0.1 && p < 0.3, `T 5: ${p} should be fairly flat`);
      });

      seededTest(`essay ${build} ${dtype.name}: a uniform upstream gradient gives a zero gradient`, (rng) => {
        const x = dtype.make(randomLogits(rng, 40, 'normal3'));
        const s = sm.softmax(x);
        const dx = sm.softmaxBackward(dtype.make(new Array(40).fill(2.5)), s);
        const scale = R.softmaxBackwardScale(new Array(40).fill(2.5), asRef(s));
        for (let i = 0; i < 40; i++) {
          // the exact answer for the given s is s_i 2.5 (1 - sum s), and sum s is 1 within tol
          assert.ok(Math.abs(dx[i]) <= 2 * dtype.tol * scale[i] + dtype.minNormal, `dx[${i}] = ${dx[i]}`);
        }
      });

      seededTest(`essay ${build} ${dtype.name}: softmax + cross-entropy: dL/dx = s - y for a one-hot y`, (rng) => {
        const n = 10;
        const x = dtype.make(randomLogits(rng, n, 'normal3'));
        const target = 3;
        const y = Array.from({ length: n }, (_, i) => (i === target ? 1 : 0));
        // L = -log softmax(x)_t: upstream gradient of logSoftmax is -y
        const dx = sm.logSoftmaxBackward(dtype.make(y.map((v) => -v)), sm.logSoftmax(x));
        const s = R.softmax(asRef(x));
        for (let i = 0; i < n; i++) {
          const want = s[i] - y[i];
          // logSoftmax is within tol max(1, |log s|) (absolute), so exp of it is within
          // that much relative to s; the backward adds tol (|y_i| + s_i)
          const bound = dtype.tol * (2 * y[i] + s[i] * (3 + Math.abs(Math.log(s[i])))) + 1e-15;
          assert.ok(Math.abs(dx[i] - want) <= bound, `dx[${i}] = ${dx[i]}, s - y = ${want}`);
        }
      });

      seededTest(`essay ${build} ${dtype.name}: Jacobian diagonal positive, off-diagonal negative`, (rng) => {
        const n = 6;
        const J = sm.softmaxJacobian(dtype.make(randomLogits(rng, n, 'normal3')));
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (i === j) assert.ok(J[i * n + j] > 0, `J[${i},${j}] = ${J[i * n + j]}`);
            else assert.ok(J[i * n + j] < 0, `J[${i},${j}] = ${J[i * n + j]}`);
          }
        }
      });
    });
  }

  test(`essay ${build}: a 50,000-class Jacobian (2.5e9 entries) is refused; its backward pass just works`, () => {
    const n = 50000;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    assert.throws(() => sm.softmaxJacobian(x), RangeError);
    const s = sm.softmax(x);
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const dx = sm.softmaxBackward(g, s);
    const ref = R.softmaxBackward(asRef(g), asRef(s));
    assertClose('backward', dx, ref, {
      tol: 2e-6,
      scale: R.softmaxBackwardScale(asRef(g), asRef(s)),
      minNormal: 2 ** -126,
      what: 'softmaxBackward',
    });
  });
}
