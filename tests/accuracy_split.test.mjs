// The float32 softmax contract's split at 1e-12 (cpp/accuracy.json, issue #12):
// relative error <= 2e-6 for outputs >= 1e-12 and <= 5e-6 in [1e-30, 1e-12),
// checked on each side separately, on wide logits (3 x normal plus a few large
// entries, range 60-100) where the fast exp (x - max rounded to float32) runs
// and many outputs fall below 1e-12. Rows (axis -1) and strided columns (axis
// 0), T = 1 and temperatures where exp.h keeps the exact argument
// (shift_rounding: 27.64 T or 69.08 T just above a power of two). Each side
// must hold enough outputs for the check to mean something.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builds, asRef, makeRng, R, toleranceLines, BASE_SEED } from './helpers.mjs';

const BUILDS = await builds();
const LINES = toleranceLines('softmax', 'float32'); // ascending: [1e-30, 5e-6], [1e-12, 2e-6]
const SPLIT = LINES[LINES.length - 1].from;
const FLOOR = LINES[0].from;

/**
 * `fibres` fibres of n wide logits: 3 x normal, plus 5% of the entries uniform
 * in [spread - 35, spread] (the max sits about `spread` above the bulk), laid
 * out as rows ([fibres, n], axis -1) or columns ([n, fibres], axis 0).
 */
function wideLogits(rng, fibres, n, spread, columns) {
  const x = new Float32Array(fibres * n);
  for (let f = 0; f < fibres; f++) {
    for (let k = 0; k < n; k++) {
      const v = rng.bool(0.05) ? spread - 35 * rng.next() : 3 * rng.normal();
      x[columns ? k * fibres + f : f * n + k] = v;
    }
  }
  return x;
}

/** Max relative error above and below SPLIT (outputs >= FLOOR), and how many outputs each side holds. */
function splitErrors(got, ref) {
  const side = { high: { max: 0, n: 0 }, low: { max: 0, n: 0 } };
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    if (!(r >= FLOOR)) continue;
    const s = r >= SPLIT ? side.high : side.low;
    s.n++;
    s.max = Math.max(s.max, Math.abs(got[i] - r) / r);
  }
  return side;
}

const CASES = [
  { temperature: 1, spread: 26 }, // bulk x - max in [-35, -17]: rounded differences above 1e-12
  { temperature: 1, spread: 45 },
  { temperature: 1, spread: 65 },
  { temperature: 16 / 27.6, spread: 30 }, // 27.64 T just above 16: exact argument kept
  { temperature: 64 / 69, spread: 50 }, // 69.08 T just above 64: exact argument kept
  { temperature: 2, spread: 120 },
];

for (const { name: build, sm } of BUILDS) {
  for (const { temperature, spread } of CASES) {
    test(`${build}: float32 softmax within 2e-6 above 1e-12 and 5e-6 in [1e-30, 1e-12) (T ${temperature.toPrecision(4)}, spread ${spread})`, (t) => {
      const rng = makeRng(BASE_SEED ^ (spread * 7919 + Math.round(temperature * 1e4)));
      const rows = 64;
      const n = 1000;
      const T = Math.fround(temperature);
      const total = { high: { max: 0, n: 0 }, low: { max: 0, n: 0 } };
      for (const axis of [-1, 0]) {
        const shape = axis === -1 ? [rows, n] : [n, rows];
        const x = wideLogits(rng, rows, n, spread, axis === 0);
        const got = sm.softmax(x, { shape, axis, temperature: T });
        const ref = R.softmax(asRef(x), { shape, axis, temperature: T });
        const e = splitErrors(got, ref);
        for (const k of ['high', 'low']) {
          total[k].n += e[k].n;
          total[k].max = Math.max(total[k].max, e[k].max);
        }
      }
      assert.ok(
        total.high.n >= 1000 && total.low.n >= 1000,
        `too few outputs on a side: ${total.high.n} >= 1e-12, ${total.low.n} in [1e-30, 1e-12)`,
      );
      assert.ok(total.high.max <= LINES[1].tol, `max relative error above 1e-12: ${total.high.max} > ${LINES[1].tol}`);
      assert.ok(
        total.low.max <= LINES[0].tol,
        `max relative error in [1e-30, 1e-12): ${total.low.max} > ${LINES[0].tol}`,
      );
      t.diagnostic(
        `max relative error ${total.high.max.toExponential(2)} over ${total.high.n} outputs >= 1e-12, ` +
          `${total.low.max.toExponential(2)} over ${total.low.n} in [1e-30, 1e-12)`,
      );
    });
  }
}
