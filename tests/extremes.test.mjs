// Values at the ends of the range, on every build and dtype of the matrix:
//   - temperatures at the ends of (0, DBL_MAX], where the float constants of
//     the fast path would overflow and the kernels take a double path: the
//     results match the float64 reference (and are finite where the answer is);
//   - logits near the float32 / float64 limits: logSumExp neither overflows
//     nor underflows, and a fibre whose softmax underflows keeps a finite
//     logSoftmax (no log(0)).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asRef, assertClose, builds, DTYPES, R } from './helpers.mjs';

const BUILDS = await builds();

/** got within tol (relative, floored at 1e-300) of want, or equal (infinities, zeros). */
function close(got, want, tol, what) {
  for (let i = 0; i < want.length; i++) {
    const ok = got[i] === want[i] || Math.abs(got[i] - want[i]) <= tol * Math.max(Math.abs(want[i]), 1e-300);
    assert.ok(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    const f32 = dtype.name === 'float32';
    describe(`extremes [${build}, ${dtype.name}]`, () => {
      const temperatures = f32 ? [1e-39, 1e-31, 1e31, 3e38, 1e300] : [1e-309, 1e-291, 1e291, 1.7e308];
      test(`${build} ${dtype.name}: softmax and logSoftmax at extreme temperatures`, () => {
        const x = dtype.make([1.5, -2, 0.25, 1.5, -1000, 7, 6.5, -0.125]);
        for (const t of temperatures) {
          close(
            sm.softmax(x, { temperature: t }),
            R.softmax(asRef(x), { temperature: t }),
            dtype.tol,
            `softmax T=${t}`,
          );
          const ly = sm.logSoftmax(x, { temperature: t });
          const ref = R.logSoftmax(asRef(x), { temperature: t });
          for (let i = 0; i < x.length; i++) {
            // The dtype's own rounding of the exact value (-Infinity where it overflows the dtype).
            const want = f32 ? Math.fround(ref[i]) : ref[i];
            if (!Number.isFinite(want)) {
              assert.equal(ly[i], want, `logSoftmax T=${t} [${i}]`);
              continue;
            }
            assert.ok(
              Math.abs(ly[i] - want) <= dtype.tol * Math.max(1, Math.abs(want)),
              `logSoftmax T=${t} [${i}]: ${ly[i]} vs ${want}`,
            );
          }
        }
      });

      test(`${build} ${dtype.name}: backward ops where 1/T overflows`, () => {
        const t = f32 ? 1e-39 : 1e-309;
        const y = dtype.make([1e-30, 1]);
        const dx = sm.softmaxBackward(dtype.make([1, 0]), y, { temperature: t });
        // dx = y * (dy - <dy, y>) / T with <dy, y> = y[0].
        const want = [((1 - y[0]) * y[0]) / t, ((0 - y[0]) * y[1]) / t].map((v) => (f32 ? Math.fround(v) : v));
        close(dx, want, 1e-6, 'softmaxBackward');
        const lx = sm.logSoftmaxBackward(dtype.make([0, 0]), dtype.make([-1, -2]), { temperature: t });
        assert.deepEqual(Array.from(lx), [0, 0]);
      });

      test(`${build} ${dtype.name}: logSumExp does not overflow for huge logits nor underflow for tiny ones`, () => {
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

      test(`${build} ${dtype.name}: a fibre whose softmax underflows keeps a finite logSoftmax (no log(0))`, () => {
        // logits 0 and -200/T: softmax underflows in float32, logSoftmax must stay finite
        const x = dtype.make([0, -200, -80, -3]);
        const got = sm.logSoftmax(x, { temperature: dtype.num(0.5) });
        const ref = R.logSoftmax(asRef(x), { temperature: dtype.num(0.5) });
        for (let i = 0; i < 4; i++) {
          assert.ok(Number.isFinite(got[i]), `index ${i} is ${got[i]}`);
          assert.ok(
            Math.abs(got[i] - ref[i]) <= dtype.tol * Math.max(1, Math.abs(ref[i])),
            `index ${i}: ${got[i]} vs ${ref[i]}`,
          );
        }
      });
    });
  }
}
