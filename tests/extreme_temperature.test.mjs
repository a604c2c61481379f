// Temperatures at the ends of (0, DBL_MAX]: the float constants of the fast
// path would overflow there, so the kernels take a double path. The results
// must match a float64 computation (and be finite where the answer is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../bindings/index.js';
import { tolerance } from './helpers.mjs';

const builds = [await load({ simd: true }), await load({ simd: false })];

function softmaxRef(x, t) {
  const m = Math.max(...x);
  const z = x.map((v) => (t < 1 ? (v - m) / t : v / t - m / t));
  const e = z.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return { y: e.map((v) => v / s), logy: z.map((v) => v - Math.log(s)) };
}

function close(got, want, tol, what) {
  for (let i = 0; i < want.length; i++) {
    const ok = got[i] === want[i] || Math.abs(got[i] - want[i]) <= tol * Math.max(Math.abs(want[i]), 1e-300);
    assert.ok(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

for (const sm of builds) {
  for (const [T, name] of [[Float32Array, 'float32'], [Float64Array, 'float64']]) {
    const tol = Math.max(tolerance('softmax', name), tolerance('logSoftmax', name));
    const temperatures = name === 'float32' ? [1e-39, 1e-31, 1e31, 3e38, 1e300] : [1e-309, 1e-291, 1e291, 1.7e308];
    test(`${sm.backend} ${name}: softmax and logSoftmax at extreme temperatures`, () => {
      const x = T.from([1.5, -2, 0.25, 1.5, -1000, 7, 6.5, -0.125]);
      for (const t of temperatures) {
        const ref = softmaxRef(Array.from(x), t);
        close(sm.softmax(x, { temperature: t }), ref.y, tol, `softmax T=${t}`);
        const ly = sm.logSoftmax(x, { temperature: t });
        for (let i = 0; i < x.length; i++) {
          // The dtype's own rounding of the exact value (-Infinity where it overflows the dtype).
          const want = name === 'float32' ? Math.fround(ref.logy[i]) : ref.logy[i];
          if (!Number.isFinite(want)) {
            assert.equal(ly[i], want, `logSoftmax T=${t} [${i}]`);
            continue;
          }
          assert.ok(Math.abs(ly[i] - want) <= tol * Math.max(1, Math.abs(want)), `logSoftmax T=${t} [${i}]: ${ly[i]} vs ${want}`);
        }
      }
    });

    test(`${sm.backend} ${name}: backward ops where 1/T overflows`, () => {
      const t = name === 'float32' ? 1e-39 : 1e-309;
      const y = T.from([1e-30, 1]);
      const dx = sm.softmaxBackward(T.from([1, 0]), y, { temperature: t });
      // dx = y * (dy - <dy, y>) / T with <dy, y> = y[0].
      const want = [(1 - y[0]) * y[0] / t, (0 - y[0]) * y[1] / t].map((v) => (name === 'float32' ? Math.fround(v) : v));
      close(dx, want, 1e-6, 'softmaxBackward');
      const lx = sm.logSoftmaxBackward(T.from([0, 0]), T.from([-1, -2]), { temperature: t });
      assert.deepEqual(Array.from(lx), [0, 0]);
    });
  }
}
