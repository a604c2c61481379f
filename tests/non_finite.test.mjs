// Non-finite inputs, PyTorch semantics (as the README states), fibre by fibre:
//   softmax/logSoftmax: a fibre that is all -Infinity, or holds a NaN or a
//   +Infinity, becomes all NaN; other fibres are untouched; -Infinity entries
//   give exactly 0 (softmax) and -Infinity (logSoftmax).
//   logSumExp: NaN if any NaN, else +Infinity if any +Infinity, else -Infinity
//   if all -Infinity (or empty).
// Special values are put at every position of short fibres (SIMD bodies and
// tails) and into chosen fibres along a middle axis.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { builds, DTYPES, Failures, randomLogits, seededTest, asRef, assertClose, R } from './helpers.mjs';

const BUILDS = await builds();
const SPECIALS = [NaN, Infinity, -Infinity];
const FIBRE_KINDS = [
  'finite',
  'oneNegInf',
  'mostlyNegInf',
  'allNegInf',
  'nan',
  'posInf',
  'posAndNegInf',
  'nanAndPosInf',
];

function fill(kind, values, rng) {
  const n = values.length;
  const at = () => rng.int(0, n - 1);
  switch (kind) {
    case 'finite':
      break;
    case 'oneNegInf':
      values[at()] = -Infinity;
      break;
    case 'mostlyNegInf': {
      const keep = at();
      for (let k = 0; k < n; k++) if (k !== keep) values[k] = -Infinity;
      break;
    }
    case 'allNegInf':
      values.fill(-Infinity);
      break;
    case 'nan':
      values[at()] = NaN;
      break;
    case 'posInf':
      values[at()] = Infinity;
      break;
    case 'posAndNegInf':
      values[at()] = -Infinity;
      values[at()] = Infinity;
      break;
    case 'nanAndPosInf':
      values[at()] = Infinity;
      values[at()] = NaN;
      break;
    default:
      throw new Error(kind);
  }
}

/** Checks all three forward ops on one input against the reference and the exact rules. */
function checkAll(sm, dtype, x, opts, ctx) {
  const xr = asRef(x);
  const temperature = opts.temperature;
  const s = sm.softmax(x, opts);
  assertClose('softmax', s, R.softmax(xr, opts), {
    tol: dtype.tol,
    lines: dtype.lines,
    what: 'softmax',
    ctx,
    shape: opts.shape,
  });
  const ls = sm.logSoftmax(x, opts);
  assertClose('log', ls, R.logSoftmax(xr, opts), { tol: dtype.tol, what: 'logSoftmax', ctx, shape: opts.shape });
  const { temperature: _unused, ...lseOpts } = opts;
  const lse = sm.logSumExp(x, lseOpts);
  assertClose('log', lse, R.logSumExp(xr, lseOpts), { tol: dtype.tol, what: 'logSumExp', ctx });
  // exactness of the -Infinity entries of usable fibres
  const view = R.layout(xr.length, opts);
  R.forEachFibre(view, (indices) => {
    const values = indices.map((j) => xr[j]);
    if (R.isPoisonedFibre(values)) return;
    for (const j of indices) {
      if (xr[j] === -Infinity) {
        assert.ok(
          s[j] === 0,
          `softmax of -Infinity at ${j} is ${s[j]}, not 0 (${JSON.stringify(ctx)}, T ${temperature})`,
        );
        assert.equal(ls[j], -Infinity, `logSoftmax of -Infinity at ${j} is ${ls[j]}`);
      }
    }
  });
}

for (const { name: build, sm } of BUILDS) {
  for (const dtype of DTYPES) {
    describe(`non-finite inputs [${build}, ${dtype.name}]`, () => {
      seededTest(
        `non-finite ${build} ${dtype.name}: one NaN / +Infinity / -Infinity at every position of 1-D fibres`,
        (rng) => {
          const f = new Failures();
          for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33]) {
            for (let p = 0; p < n; p++) {
              for (const v of SPECIALS) {
                f.check(() => {
                  const values = randomLogits(rng, n, 'normal3');
                  values[p] = v;
                  const temperature = dtype.num(rng.pick([0.5, 1, 2]));
                  checkAll(sm, dtype, dtype.make(values), { temperature }, { n, p, v: String(v) });
                });
              }
            }
          }
          f.assertNone();
        },
      );

      seededTest(
        `non-finite ${build} ${dtype.name}: one finite entry among -Infinity gives one-hot (zeros exact)`,
        (rng) => {
          for (const n of [1, 2, 4, 5, 16, 17, 100]) {
            const keep = rng.int(0, n - 1);
            const x = dtype.make(Array.from({ length: n }, (_, k) => (k === keep ? rng.normal() * 5 : -Infinity)));
            const s = sm.softmax(x, { temperature: dtype.num(0.7) });
            const ls = sm.logSoftmax(x);
            for (let k = 0; k < n; k++) {
              if (k === keep) {
                assert.ok(Math.abs(s[k] - 1) <= dtype.tol, `n ${n}: softmax[${k}] = ${s[k]}, want 1`);
                assert.ok(Math.abs(ls[k]) <= dtype.tol, `n ${n}: logSoftmax[${k}] = ${ls[k]}, want 0`);
              } else {
                assert.ok(s[k] === 0, `n ${n}: softmax[${k}] = ${s[k]}, want 0`);
                assert.equal(ls[k], -Infinity, `n ${n}: logSoftmax[${k}]`);
              }
            }
            const lse = sm.logSumExp(x)[0];
            assert.ok(
              Math.abs(lse - x[keep]) <= dtype.tol * Math.max(1, Math.abs(x[keep])),
              `n ${n}: logSumExp ${lse}, want ${x[keep]}`,
            );
          }
        },
      );

      seededTest(`non-finite ${build} ${dtype.name}: fibre by fibre along a middle, first and last axis`, (rng) => {
        const f = new Failures();
        for (const [shape, axis] of [
          [[4, 5, 6], 1],
          [[3, 9, 2, 2], -3],
          [[8, 5], 0],
          [[5, 8], -1],
          [[2, 17, 8], 1],
          [[16, 3], 1],
          // column chunks of a large inner size (softmax.cc), with single-lane leftovers
          [[2, 21, 67], 1],
          [[1, 3, 1103], 1],
          [[2, 40, 300], -2],
          [[9, 530], 0],
        ]) {
          f.check(() => {
            const size = shape.reduce((p, d) => p * d, 1);
            const x = randomLogits(rng, size, 'uniform10');
            const view = R.layout(size, { shape, axis });
            let count = 0;
            const kinds = [];
            R.forEachFibre(view, (indices) => {
              const kind = FIBRE_KINDS[count++ % FIBRE_KINDS.length];
              kinds.push(kind);
              const values = indices.map((j) => x[j]);
              fill(kind, values, rng);
              indices.forEach((j, k) => {
                x[j] = values[k];
              });
            });
            const temperature = dtype.num(rng.pick([0.25, 1, 4]));
            checkAll(
              sm,
              dtype,
              dtype.make(x),
              { shape, axis, temperature },
              { shape, axis, fibreKinds: kinds.slice(0, 8) },
            );
          });
        }
        f.assertNone();
      });

      seededTest(
        `non-finite ${build} ${dtype.name}: the largest finite logits stay finite (no overflow in x - max or x / T)`,
        () => {
          const big = dtype.name === 'float32' ? 3.4e38 : 1.7e308;
          for (const temperature of [1, 0.5]) {
            const x = dtype.make([big, big / 2, -big, 0]);
            const xr = asRef(x);
            const T = dtype.num(temperature);
            assertClose('softmax', sm.softmax(x, { temperature: T }), R.softmax(xr, { temperature: T }), {
              tol: dtype.tol,
              lines: dtype.lines,
              what: 'softmax',
              ctx: { big, temperature },
            });
            assertClose('log', sm.logSumExp(x), R.logSumExp(xr), { tol: dtype.tol, what: 'logSumExp', ctx: { big } });
          }
        },
      );
    });
  }
}
