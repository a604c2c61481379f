// Bad input (API.md): TypeError for a wrong type or dtype mix, RangeError for a
// bad length, dimension, axis, temperature, out length, or a result too large
// for wasm memory. For every case: the error class, that the message names the
// argument and contains the bad value, that `out` was not written (it is
// filled with a sentinel first), and that the instance still works afterwards.
// Then: 2000 failing calls do not grow sm.memoryBytes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builds, asRef, assertClose, R, tolerance } from './helpers.mjs';

const BUILDS = await builds();
const SENTINEL = 12345.5;
const FORWARD = ['softmax', 'logSoftmax', 'logSumExp'];
const BACKWARD = ['softmaxBackward', 'logSoftmaxBackward'];
const JACOBIANS = ['softmaxJacobian', 'logSoftmaxJacobian'];
const KINDS = {
  float32: { make: (n) => Float32Array.from({ length: n }, (_, i) => i / 7), Out: Float32Array },
  float64: { make: (n) => Float64Array.from({ length: n }, (_, i) => i / 7), Out: Float64Array },
  array: { make: (n) => Array.from({ length: n }, (_, i) => i / 7), Out: Float64Array },
};

const wordRe = (name) => new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`);

/**
 * One bad call. `call(sm, out)` makes it; `out` (when outLength is given) is a
 * correctly typed array filled with the sentinel, passed along so we can see
 * it was left alone. classes: accepted error classes; names: one of them must
 * appear as a word in the message; values: one of them must appear in it.
 */
function expectError(sm, { call, classes, names, values, outType, outLength, label }) {
  const out = outType ? new outType(outLength).fill(SENTINEL) : undefined;
  let caught = null;
  try {
    call(sm, out);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `${label}: did not throw`);
  assert.ok(classes.some((C) => caught.constructor === C),
    `${label}: threw ${caught?.constructor?.name} (${caught?.message}), want ${classes.map((C) => C.name).join(' or ')}`);
  const message = String(caught.message);
  assert.ok(names.some((n) => wordRe(n).test(message)), `${label}: message "${message}" does not name ${names.join(' or ')}`);
  assert.ok(values.some((v) => message.includes(v)), `${label}: message "${message}" does not contain the bad value (${values.join(' or ')})`);
  if (out) assert.ok(out.every((v) => v === SENTINEL), `${label}: out was written before the throw`);
}

/** The instance still computes a correct softmax after an error. */
function stillWorks(sm, label) {
  const x = Float32Array.from([0.5, -1, 2, 3, 0, 1.25, -7]);
  assertClose('softmax', sm.softmax(x), R.softmax(asRef(x)), { tol: tolerance('softmax', 'float32'), what: `softmax after ${label}` });
  const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assertClose('log', sm.logSumExp(y, { shape: [2, 3], axis: 0 }), R.logSumExp(y, { shape: [2, 3], axis: 0 }), { tol: tolerance('logSumExp', 'float64'), what: `logSumExp after ${label}` });
}

/** Calls op with x (forward) or with dy = y = x (backward), options opts and out. */
function invoke(sm, op, x, opts, out) {
  const o = out ? { ...opts, out } : opts;
  return BACKWARD.includes(op) ? sm[op](x, x, o) : sm[op](x, o);
}

/** The error cases of one op (forward or backward). */
function casesFor(op) {
  const isLse = op === 'logSumExp';
  const hasT = !isLse;
  const cases = [];
  const add = (c) => cases.push({ ...c, label: `${op}: ${c.label}` });
  // out that is always valid for this call (not for logSumExp whose out length depends on shape)
  const validOut = (kind, n) => (isLse ? {} : { outType: KINDS[kind].Out, outLength: n });

  // --- wrong types (TypeError)
  const arg1 = BACKWARD.includes(op) ? 'dy' : 'x';
  add({ label: 'x is a string', classes: [TypeError], names: [arg1], values: ['abc', 'string', 'String'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op]('abc', new Float32Array(3)) : sm[op]('abc')) });
  add({ label: 'x is an Int32Array', classes: [TypeError], names: [arg1], values: ['Int32Array'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op](new Int32Array(3), new Float32Array(3)) : sm[op](new Int32Array(3))) });
  add({ label: 'x is undefined', classes: [TypeError], names: [arg1], values: ['undefined'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op](undefined, new Float32Array(3)) : sm[op](undefined)) });
  for (const [kind, Wrong] of [['float32', Float64Array], ['float64', Float32Array], ['array', Float32Array]]) {
    const n = 6;
    const outLength = isLse ? 1 : n;
    add({ label: `out is a ${Wrong.name} for ${kind} input`, classes: [TypeError], names: ['out'], values: [Wrong.name],
      outType: Wrong, outLength, call: (sm, out) => invoke(sm, op, KINDS[kind].make(n), {}, out) });
  }
  if (BACKWARD.includes(op)) {
    for (const [a, b, badName] of [
      [Float32Array, Float64Array, null], [Float64Array, Float32Array, null], [Float32Array, Array, null], [Array, Float32Array, null],
    ]) {
      const make = (C) => (C === Array ? [0.1, 0.2, 0.7] : C.from([0.1, 0.2, 0.7]));
      add({ label: `dy ${a.name} with y ${b.name}`, classes: [TypeError], names: ['dy', 'y'],
        values: [a.name, b.name, 'float32', 'float64', 'Float32', 'Float64'],
        call: (sm) => sm[op](make(a), make(b)) });
      void badName;
    }
    add({ label: 'y is a string', classes: [TypeError], names: ['y'], values: ['abc', 'string', 'String'],
      call: (sm) => sm[op](new Float32Array(3), 'abc') });
    add({ label: 'y is an Int32Array', classes: [TypeError], names: ['y'], values: ['Int32Array'],
      call: (sm) => sm[op](new Float64Array(3), new Int32Array(3)) });
    for (const kind of Object.keys(KINDS)) {
      add({ label: `dy length 5, y length 6 (${kind})`, classes: [RangeError], names: ['dy', 'y'], values: ['5'],
        outType: KINDS[kind].Out, outLength: 6,
        call: (sm, out) => sm[op](KINDS[kind].make(5), KINDS[kind].make(6), { out }) });
    }
  }

  // --- bad sizes, dimensions, axes, temperatures, out lengths (RangeError)
  for (const kind of Object.keys(KINDS)) {
    const x6 = () => KINDS[kind].make(6);
    const shapeNames = ['shape', 'x', 'y', 'dy'];
    add({ label: `length 6 with shape [2, 4] (${kind})`, classes: [RangeError], names: shapeNames, values: ['6'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 4] }, out) });
    add({ label: `length 6 with shape [] (${kind})`, classes: [RangeError], names: shapeNames, values: ['6'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [] }, out) });
    add({ label: `negative dimension in shape [-2, -3] (${kind})`, classes: [RangeError], names: ['shape'], values: ['-2', '-3'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [-2, -3] }, out) });
    add({ label: `non-integer dimension in shape [2.5, 2] (length 5) (${kind})`, classes: [RangeError], names: ['shape'], values: ['2.5'],
      ...validOut(kind, 5), call: (sm, out) => invoke(sm, op, KINDS[kind].make(5), { shape: [2.5, 2] }, out) });
    add({ label: `NaN dimension (${kind})`, classes: [RangeError], names: ['shape'], values: ['NaN'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [NaN, 6] }, out) });
    add({ label: `shape is a string (${kind})`, classes: [TypeError, RangeError], names: ['shape'], values: ['2,3', 'string', 'String'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: '2,3' }, out) });
    for (const axis of [2, -3, 7]) {
      add({ label: `axis ${axis} for shape [2, 3] (${kind})`, classes: [RangeError], names: ['axis'], values: [String(axis)],
        ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], axis }, out) });
    }
    for (const axis of [0.5, NaN, Infinity]) {
      add({ label: `axis ${axis} (${kind})`, classes: [RangeError], names: ['axis'], values: [String(axis)],
        ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], axis }, out) });
    }
    add({ label: `axis 1 for a 1-D input (${kind})`, classes: [RangeError], names: ['axis'], values: ['1'],
      ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { axis: 1 }, out) });
    if (hasT) {
      for (const temperature of [0, -1, -0.5, NaN, Infinity, -Infinity]) {
        add({ label: `temperature ${temperature} (${kind})`, classes: [RangeError], names: ['temperature'], values: [String(temperature)],
          ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], temperature }, out) });
      }
      add({ label: `temperature is the string "2" (${kind})`, classes: [TypeError, RangeError], names: ['temperature'], values: ['2', 'string'],
        ...validOut(kind, 6), call: (sm, out) => invoke(sm, op, x6(), { temperature: '2' }, out) });
    }
    const goodLength = isLse ? 2 : 6;
    for (const badLength of [goodLength - 1, goodLength + 1, 0]) {
      add({ label: `out of length ${badLength} (${kind})`, classes: [RangeError], names: ['out'], values: [String(badLength)],
        outType: KINDS[kind].Out, outLength: badLength, call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3] }, out) });
    }
  }
  return cases;
}

function jacobianCases(op) {
  const cases = [];
  const add = (c) => cases.push({ ...c, label: `${op}: ${c.label}` });
  add({ label: 'x is a string', classes: [TypeError], names: ['x'], values: ['abc', 'string', 'String'], call: (sm) => sm[op]('abc') });
  add({ label: 'x is an Int32Array', classes: [TypeError], names: ['x'], values: ['Int32Array'], call: (sm) => sm[op](new Int32Array(4)) });
  for (const temperature of [0, -2, NaN, Infinity]) {
    add({ label: `temperature ${temperature}`, classes: [RangeError], names: ['temperature'], values: [String(temperature)],
      call: (sm) => sm[op](Float32Array.from([1, 2, 3]), { temperature }) });
  }
  for (const [name, make] of [['Float32Array', (n) => new Float32Array(n)], ['Float64Array', (n) => new Float64Array(n)]]) {
    add({ label: `the Jacobian of a 200,000-vector (${name}) cannot fit`, classes: [RangeError], names: ['x'],
      values: ['200000', '200,000', '4e10', '40000000000', '40,000,000,000'], call: (sm) => sm[op](make(200000)) });
  }
  return cases;
}

/** Every case throws as expected and leaves the instance usable; all failures are reported together. */
function assertAllThrow(sm, cases) {
  const problems = [];
  for (const c of cases) {
    try {
      expectError(sm, c);
      stillWorks(sm, c.label);
    } catch (error) {
      problems.push(error.message);
    }
  }
  assert.equal(problems.length, 0, `${problems.length} error cases failed:\n  ${problems.join('\n  ')}`);
}

for (const { name: build, sm } of BUILDS) {
  describe(`errors [${build}]`, () => {
    for (const op of [...FORWARD, ...BACKWARD]) {
      test(`${op} ${build}: every bad input throws the right error, writes nothing, leaves the instance usable`, () =>
        assertAllThrow(sm, casesFor(op)));
    }
    for (const op of JACOBIANS) {
      test(`${op} ${build}: bad input and a result too large for wasm memory`, () =>
        assertAllThrow(sm, jacobianCases(op)));
    }

    test(`memory ${build}: 2000 failing calls followed by normal calls do not grow memoryBytes`, () => {
      assert.equal(typeof sm.memoryBytes, 'number');
      assert.ok(sm.memoryBytes > 0, `memoryBytes ${sm.memoryBytes}`);
      const big32 = Float32Array.from({ length: 1 << 20 }, (_, i) => (i % 97) / 13);
      const big64 = Float64Array.from(big32);
      const bigOut32 = new Float32Array(1 << 20);
      const huge = new Float64Array(200000);
      const normalCalls = () => {
        sm.softmax(big32, { shape: [1024, 1024], axis: 0 });
        sm.logSoftmax(big64, { shape: [1024, 1024] });
        sm.logSumExp(big32, { shape: [1024, 1024], axis: 0 });
        sm.softmaxBackward(big32, big32, { shape: [1024, 1024] });
        sm.logSoftmaxBackward(big64, big64, { shape: [1 << 20] });
        sm.softmaxJacobian(big32.subarray(0, 500));
        sm.logSoftmaxJacobian(big64.subarray(0, 500));
      };
      normalCalls();
      normalCalls();
      const before = sm.memoryBytes;
      const failing = [
        () => sm.softmax(big32, { shape: [1024, 1024], axis: 2 }),
        () => sm.logSoftmax(big64, { temperature: 0 }),
        () => sm.softmax(big32, { out: new Float32Array(3) }),
        () => sm.softmax(big32, { out: big64 }),
        () => sm.softmaxBackward(big32, big64),
        () => sm.logSoftmaxBackward(big64, big64, { shape: [1023, 1024] }),
        () => sm.logSumExp(big32, { shape: [1024, 1024], axis: 0, out: bigOut32 }),
        () => sm.softmaxJacobian(huge),
        () => sm.logSoftmaxJacobian(huge, { temperature: 1 }),
        () => sm.logSoftmax('not an array'),
      ];
      for (let i = 0; i < 2000; i++) {
        assert.throws(failing[i % failing.length]);
      }
      normalCalls();
      assert.equal(sm.memoryBytes, before, `memoryBytes grew from ${before} to ${sm.memoryBytes} after 2000 failing calls`);
      stillWorks(sm, '2000 failing calls');
    });
  });
}
