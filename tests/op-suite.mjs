// The long randomized cases every op along an axis shares (softmax,
// logSoftmax, logSumExp and the two backward ops), registered once per build
// and dtype by tests/ops.test.mjs for each such op of the op table: sizes
// around SIMD widths, random 1-D..4-D shapes along every axis (positive and
// negative), temperatures 0.1..10, with and without `out`, long rows, default
// options, scalars and zero-sized dimensions. Each case is compared with the
// float64 reference under the README's accuracy contract (helpers.mjs compare).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  DTYPES,
  Failures,
  SIMD_SIZES,
  TEMPERATURES,
  allAxes,
  asRef,
  assertClose,
  randomLogits,
  randomShape,
  runOpCase,
  seededTest,
  R,
} from './helpers.mjs';

const RANDOM_SHAPES = 14;
const TWO_INPUTS = new Set(['softmaxBackward', 'logSoftmaxBackward']);

export function defineOpSuite(op, builds) {
  const hasT = op !== 'logSumExp';
  const randomT = (rng) => (hasT && rng.bool(0.8) ? rng.pick(TEMPERATURES) : undefined);

  for (const { name: build, sm } of builds) {
    for (const dtype of DTYPES) {
      describe(`${op} [${build}, ${dtype.name}]`, () => {
        seededTest(
          `${op} ${build} ${dtype.name}: lengths around SIMD widths, as 1-D, last, first and middle axis`,
          (rng) => {
            const f = new Failures();
            for (const n of SIMD_SIZES) {
              f.check(() =>
                runOpCase(sm, dtype, op, { length: n, temperature: randomT(rng), useOut: rng.bool() }, rng, '1-D'),
              );
              f.check(() =>
                runOpCase(sm, dtype, op, { shape: [3, n], axis: -1, temperature: randomT(rng) }, rng, 'rows'),
              );
              f.check(() =>
                runOpCase(sm, dtype, op, { shape: [n, 3], axis: 0, temperature: randomT(rng) }, rng, 'columns'),
              );
              f.check(() =>
                runOpCase(
                  sm,
                  dtype,
                  op,
                  { shape: [2, n, 3], axis: 1, temperature: randomT(rng), useOut: true },
                  rng,
                  'middle',
                ),
              );
            }
            f.assertNone();
          },
        );

        // softmax/logSoftmax run a strided axis with inner >= 16 in column
        // chunks of 2 kB (512 float32 / 256 float64 fibres, 4 rows per sweep):
        // inner sizes below, at and above a chunk, not multiples of 4 (the last
        // 1-3 fibres take the single-lane path), n around the 4-row sweeps.
        seededTest(`${op} ${build} ${dtype.name}: strided axis with a large inner size (column chunks)`, (rng) => {
          const f = new Failures();
          for (const inner of [16, 19, 64, 67, 300, 1100]) {
            for (const n of inner >= 300 ? [1, 21] : [1, 3, 21, 40]) {
              f.check(() =>
                runOpCase(
                  sm,
                  dtype,
                  op,
                  { shape: [2, n, inner], axis: 1, temperature: randomT(rng), useOut: rng.bool() },
                  rng,
                  'large inner',
                ),
              );
            }
          }
          f.check(() =>
            runOpCase(
              sm,
              dtype,
              op,
              { shape: [40, 1100], axis: 0, temperature: randomT(rng), mode: 'wide' },
              rng,
              'large inner, first axis',
            ),
          );
          f.assertNone();
        });

        seededTest(`${op} ${build} ${dtype.name}: many short rows (run a SIMD width of rows at a time)`, (rng) => {
          const f = new Failures();
          for (let n = 1; n <= 17; n++) {
            for (const rows of [4, 8, 9, 14]) {
              f.check(() =>
                runOpCase(
                  sm,
                  dtype,
                  op,
                  { shape: [rows, n], axis: -1, temperature: randomT(rng), useOut: rng.bool() },
                  rng,
                  'short rows',
                ),
              );
            }
          }
          f.assertNone();
        });

        seededTest(`${op} ${build} ${dtype.name}: random 1-D..4-D shapes, every axis positive and negative`, (rng) => {
          const f = new Failures();
          for (let s = 0; s < RANDOM_SHAPES; s++) {
            const shape = randomShape(rng, { maxElements: 12000 });
            for (const axis of allAxes(shape)) {
              f.check(() =>
                runOpCase(
                  sm,
                  dtype,
                  op,
                  { shape, axis, temperature: randomT(rng), useOut: rng.bool() },
                  rng,
                  'random shape',
                ),
              );
            }
          }
          f.assertNone();
        });

        if (hasT) {
          seededTest(`${op} ${build} ${dtype.name}: temperatures 0.1 .. 10 on every logit mode`, (rng) => {
            const f = new Failures();
            for (const temperature of TEMPERATURES) {
              for (const mode of ['uniform10', 'normal3', 'small', 'offset1000', 'ties', 'wide']) {
                const shape = randomShape(rng, { maxRank: 3, maxElements: 2000 });
                const axis = rng.int(-shape.length, shape.length - 1);
                f.check(() => runOpCase(sm, dtype, op, { shape, axis, temperature, mode }, rng, 'temperature'));
              }
            }
            f.assertNone();
          });
        }

        seededTest(`${op} ${build} ${dtype.name}: the same values with and without out`, (rng) => {
          const f = new Failures();
          for (let s = 0; s < 6; s++) {
            const shape = randomShape(rng, { maxElements: 3000 });
            const axis = rng.int(-shape.length, shape.length - 1);
            const temperature = randomT(rng);
            for (const useOut of [false, true]) {
              f.check(() => runOpCase(sm, dtype, op, { shape, axis, temperature, useOut }, rng, `out ${useOut}`));
            }
          }
          f.assertNone();
        });

        seededTest(`${op} ${build} ${dtype.name}: long rows (vocabulary 50257)`, (rng) => {
          const f = new Failures();
          f.check(() => runOpCase(sm, dtype, op, { length: 50257, mode: 'normal3' }, rng, 'vocab 1-D'));
          f.check(() =>
            runOpCase(
              sm,
              dtype,
              op,
              { shape: [2, 50257], axis: -1, temperature: randomT(rng), mode: 'uniform10', useOut: true },
              rng,
              'vocab rows',
            ),
          );
          f.check(() =>
            runOpCase(sm, dtype, op, { shape: [4099], temperature: randomT(rng), mode: 'wide' }, rng, 'prime length'),
          );
          if (TWO_INPUTS.has(op)) {
            // all-equal dy: the sum / dot product over the row is where a plain running sum loses digits
            f.check(() =>
              runOpCase(
                sm,
                dtype,
                op,
                { length: 50257, mode: 'normal3', constantGradient: 0.3 },
                rng,
                'vocab, constant dy',
              ),
            );
          }
          f.assertNone();
        });

        if (TWO_INPUTS.has(op)) {
          // rows of at most 16 run 4 (float32) or 2 (float64) at a time in the SIMD build
          seededTest(`${op} ${build} ${dtype.name}: many short rows, row counts around the SIMD width`, (rng) => {
            const f = new Failures();
            for (let n = 1; n <= 17; n++) {
              for (const rows of [4, 8, 9, 14, 64]) {
                const temperature = rng.pick([1, 1, 0.5, 3]);
                f.check(() =>
                  runOpCase(
                    sm,
                    dtype,
                    op,
                    { shape: [rows, n], axis: -1, temperature, useOut: rng.bool() },
                    rng,
                    'short rows',
                  ),
                );
              }
            }
            f.assertNone();
          });
        }

        seededTest(`${op} ${build} ${dtype.name}: default options (no options object)`, (rng) => {
          const x = randomLogits(rng, 37, 'normal3');
          if (TWO_INPUTS.has(op)) {
            const forward = op === 'softmaxBackward' ? 'softmax' : 'logSoftmax';
            const y = dtype.make(R[forward](x));
            const dy = dtype.make(randomLogits(rng, 37, 'normal3'));
            const got = sm[op](dy, y);
            assert.ok(got instanceof dtype.Result);
            const scale = (op === 'softmaxBackward' ? R.softmaxBackwardScale : R.logSoftmaxBackwardScale)(
              asRef(dy),
              asRef(y),
            );
            assertClose('backward', got, R[op](asRef(dy), asRef(y)), {
              tol: dtype.tol,
              scale,
              minNormal: dtype.minNormal,
              what: op,
            });
          } else {
            const input = dtype.make(x);
            const got = sm[op](input);
            assert.ok(got instanceof dtype.Result);
            assertClose(op === 'softmax' ? 'softmax' : 'log', got, R[op](asRef(input)), {
              tol: dtype.tol,
              lines: dtype.lines,
              what: op,
            });
          }
        });

        seededTest(`${op} ${build} ${dtype.name}: scalar shape [] and zero-sized dimensions`, (rng) => {
          const f = new Failures();
          f.check(() => runOpCase(sm, dtype, op, { shape: [], temperature: randomT(rng) }, rng, 'scalar'));
          for (const [shape, axis] of [
            [[0], undefined],
            [[0], 0],
            [[3, 0], -1],
            [[3, 0], 0],
            [[0, 3], -1],
            [[0, 3], 0],
            [[2, 0, 3], 1],
            [[2, 3, 0], 1],
          ]) {
            f.check(() =>
              runOpCase(sm, dtype, op, { shape, axis, temperature: randomT(rng), useOut: rng.bool() }, rng, 'empty'),
            );
          }
          f.assertNone();
        });
      });
    }
  }
}
