// Bad input (README, "API"): TypeError for a wrong type or dtype mix, RangeError for a
// bad length, dimension, axis, temperature, out length, or a result too large
// for wasm memory. For every case: the error class, that the message names the
// argument and contains the bad value, that `out` was not written (it is
// filled with a sentinel first), and that the instance still works afterwards.
// Then: 2000 failing calls do not grow sm.memoryBytes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builds, asRef, assertClose, R, tolerance, toleranceLines } from './helpers.mjs';

const BUILDS = await builds();
const SENTINEL = 12345.5;
const FORWARD = ['softmax', 'logSoftmax', 'logSumExp'];
const BACKWARD = ['softmaxBackward', 'logSoftmaxBackward'];
const JACOBIANS = ['softmaxJacobian', 'logSoftmaxJacobian'];
const LOSSES = ['crossEntropy', 'nllLoss'];
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
  assert.ok(
    classes.some((C) => caught.constructor === C),
    `${label}: threw ${caught?.constructor?.name} (${caught?.message}), want ${classes.map((C) => C.name).join(' or ')}`,
  );
  const message = String(caught.message);
  assert.ok(
    names.some((n) => wordRe(n).test(message)),
    `${label}: message "${message}" does not name ${names.join(' or ')}`,
  );
  assert.ok(
    values.some((v) => message.includes(v)),
    `${label}: message "${message}" does not contain the bad value (${values.join(' or ')})`,
  );
  if (out)
    assert.ok(
      out.every((v) => v === SENTINEL),
      `${label}: out was written before the throw`,
    );
}

/** The instance still computes a correct softmax, logSumExp and cross-entropy after an error. */
function stillWorks(sm, label) {
  const logits = Float64Array.from([0.5, -1, 2, 3, 0, 1.25]);
  const ce = sm.crossEntropy(logits, [2, 0], { shape: [2, 3], grad: true, weight: [1, 2, 0.5] });
  const ref = R.crossEntropy(logits, [2, 0], { shape: [2, 3], weight: [1, 2, 0.5] });
  assert.ok(
    Math.abs(ce.loss - ref.loss) <= 1e-12 * Math.abs(ref.loss),
    `crossEntropy after ${label}: loss ${ce.loss} vs ${ref.loss}`,
  );
  assertClose('log', ce.grad, ref.grad, { tol: 1e-12, what: `crossEntropy gradient after ${label}` });
  const x = Float32Array.from([0.5, -1, 2, 3, 0, 1.25, -7]);
  assertClose('softmax', sm.softmax(x), R.softmax(asRef(x)), {
    tol: tolerance('softmax', 'float32'),
    lines: toleranceLines('softmax', 'float32'),
    what: `softmax after ${label}`,
  });
  const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assertClose('log', sm.logSumExp(y, { shape: [2, 3], axis: 0 }), R.logSumExp(y, { shape: [2, 3], axis: 0 }), {
    tol: tolerance('logSumExp', 'float64'),
    what: `logSumExp after ${label}`,
  });
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
  add({
    label: 'x is a string',
    classes: [TypeError],
    names: [arg1],
    values: ['abc', 'string', 'String'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op]('abc', new Float32Array(3)) : sm[op]('abc')),
  });
  add({
    label: 'x is an Int32Array',
    classes: [TypeError],
    names: [arg1],
    values: ['Int32Array'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op](new Int32Array(3), new Float32Array(3)) : sm[op](new Int32Array(3))),
  });
  add({
    label: 'x is undefined',
    classes: [TypeError],
    names: [arg1],
    values: ['undefined'],
    call: (sm) => (BACKWARD.includes(op) ? sm[op](undefined, new Float32Array(3)) : sm[op](undefined)),
  });
  for (const [kind, Wrong] of [
    ['float32', Float64Array],
    ['float64', Float32Array],
    ['array', Float32Array],
  ]) {
    const n = 6;
    const outLength = isLse ? 1 : n;
    add({
      label: `out is a ${Wrong.name} for ${kind} input`,
      classes: [TypeError],
      names: ['out'],
      values: [Wrong.name],
      outType: Wrong,
      outLength,
      call: (sm, out) => invoke(sm, op, KINDS[kind].make(n), {}, out),
    });
  }
  if (BACKWARD.includes(op)) {
    for (const [a, b] of [
      [Float32Array, Float64Array],
      [Float64Array, Float32Array],
      [Float32Array, Array],
      [Array, Float32Array],
    ]) {
      const make = (C) => (C === Array ? [0.1, 0.2, 0.7] : C.from([0.1, 0.2, 0.7]));
      add({
        label: `dy ${a.name} with y ${b.name}`,
        classes: [TypeError],
        names: ['dy', 'y'],
        values: [a.name, b.name, 'float32', 'float64', 'Float32', 'Float64'],
        call: (sm) => sm[op](make(a), make(b)),
      });
    }
    add({
      label: 'y is a string',
      classes: [TypeError],
      names: ['y'],
      values: ['abc', 'string', 'String'],
      call: (sm) => sm[op](new Float32Array(3), 'abc'),
    });
    add({
      label: 'y is an Int32Array',
      classes: [TypeError],
      names: ['y'],
      values: ['Int32Array'],
      call: (sm) => sm[op](new Float64Array(3), new Int32Array(3)),
    });
    for (const kind of Object.keys(KINDS)) {
      add({
        label: `dy length 5, y length 6 (${kind})`,
        classes: [RangeError],
        names: ['dy', 'y'],
        values: ['5'],
        outType: KINDS[kind].Out,
        outLength: 6,
        call: (sm, out) => sm[op](KINDS[kind].make(5), KINDS[kind].make(6), { out }),
      });
    }
  }

  // --- bad sizes, dimensions, axes, temperatures, out lengths (RangeError)
  for (const kind of Object.keys(KINDS)) {
    const x6 = () => KINDS[kind].make(6);
    const shapeNames = ['shape', 'x', 'y', 'dy'];
    add({
      label: `length 6 with shape [2, 4] (${kind})`,
      classes: [RangeError],
      names: shapeNames,
      values: ['6'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 4] }, out),
    });
    add({
      label: `length 6 with shape [] (${kind})`,
      classes: [RangeError],
      names: shapeNames,
      values: ['6'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { shape: [] }, out),
    });
    add({
      label: `negative dimension in shape [-2, -3] (${kind})`,
      classes: [RangeError],
      names: ['shape'],
      values: ['-2', '-3'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { shape: [-2, -3] }, out),
    });
    add({
      label: `non-integer dimension in shape [2.5, 2] (length 5) (${kind})`,
      classes: [RangeError],
      names: ['shape'],
      values: ['2.5'],
      ...validOut(kind, 5),
      call: (sm, out) => invoke(sm, op, KINDS[kind].make(5), { shape: [2.5, 2] }, out),
    });
    add({
      label: `NaN dimension (${kind})`,
      classes: [RangeError],
      names: ['shape'],
      values: ['NaN'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { shape: [NaN, 6] }, out),
    });
    add({
      label: `shape is a string (${kind})`,
      classes: [TypeError, RangeError],
      names: ['shape'],
      values: ['2,3', 'string', 'String'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { shape: '2,3' }, out),
    });
    for (const axis of [2, -3, 7]) {
      add({
        label: `axis ${axis} for shape [2, 3] (${kind})`,
        classes: [RangeError],
        names: ['axis'],
        values: [String(axis)],
        ...validOut(kind, 6),
        call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], axis }, out),
      });
    }
    for (const axis of [0.5, NaN, Infinity]) {
      add({
        label: `axis ${axis} (${kind})`,
        classes: [RangeError],
        names: ['axis'],
        values: [String(axis)],
        ...validOut(kind, 6),
        call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], axis }, out),
      });
    }
    add({
      label: `axis 1 for a 1-D input (${kind})`,
      classes: [RangeError],
      names: ['axis'],
      values: ['1'],
      ...validOut(kind, 6),
      call: (sm, out) => invoke(sm, op, x6(), { axis: 1 }, out),
    });
    if (hasT) {
      for (const temperature of [0, -1, -0.5, NaN, Infinity, -Infinity]) {
        add({
          label: `temperature ${temperature} (${kind})`,
          classes: [RangeError],
          names: ['temperature'],
          values: [String(temperature)],
          ...validOut(kind, 6),
          call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3], temperature }, out),
        });
      }
      add({
        label: `temperature is the string "2" (${kind})`,
        classes: [TypeError, RangeError],
        names: ['temperature'],
        values: ['2', 'string'],
        ...validOut(kind, 6),
        call: (sm, out) => invoke(sm, op, x6(), { temperature: '2' }, out),
      });
    }
    const goodLength = isLse ? 2 : 6;
    for (const badLength of [goodLength - 1, goodLength + 1, 0]) {
      add({
        label: `out of length ${badLength} (${kind})`,
        classes: [RangeError],
        names: ['out'],
        values: [String(badLength)],
        outType: KINDS[kind].Out,
        outLength: badLength,
        call: (sm, out) => invoke(sm, op, x6(), { shape: [2, 3] }, out),
      });
    }
  }
  return cases;
}

function jacobianCases(op) {
  const cases = [];
  const add = (c) => cases.push({ ...c, label: `${op}: ${c.label}` });
  add({
    label: 'x is a string',
    classes: [TypeError],
    names: ['x'],
    values: ['abc', 'string', 'String'],
    call: (sm) => sm[op]('abc'),
  });
  add({
    label: 'x is an Int32Array',
    classes: [TypeError],
    names: ['x'],
    values: ['Int32Array'],
    call: (sm) => sm[op](new Int32Array(4)),
  });
  for (const temperature of [0, -2, NaN, Infinity]) {
    add({
      label: `temperature ${temperature}`,
      classes: [RangeError],
      names: ['temperature'],
      values: [String(temperature)],
      call: (sm) => sm[op](Float32Array.from([1, 2, 3]), { temperature }),
    });
  }
  for (const [name, make] of [
    ['Float32Array', (n) => new Float32Array(n)],
    ['Float64Array', (n) => new Float64Array(n)],
  ]) {
    add({
      label: `the Jacobian of a 200,000-vector (${name}) cannot fit`,
      classes: [RangeError],
      names: ['x'],
      values: ['200000', '200,000', '4e10', '40000000000', '40,000,000,000'],
      call: (sm) => sm[op](make(200000)),
    });
  }
  return cases;
}

/**
 * The error cases of a loss (crossEntropy on logits, nllLoss on
 * log-probabilities): every option, the targets and the data argument. Each
 * call passes grad: true and a sentinel-filled `out` where it can, so a write
 * before the throw is seen.
 */
function lossCases(op) {
  const ce = op === 'crossEntropy';
  const input = ce ? 'logits' : 'logProbs';
  const cases = [];
  const add = (c) => cases.push({ ...c, label: `${op}: ${c.label}` });
  for (const [kind, k] of Object.entries(KINDS)) {
    const x6 = () => k.make(6);
    const shape = [2, 3];
    const t = [0, 2];
    // A call with grad: true writing into the sentinel out (when given).
    const withOut = (extra, target = t, x = x6) => ({
      outType: k.Out,
      outLength: 6,
      call: (sm, out) => sm[op](x(), target, { shape, grad: true, out, ...extra }),
    });
    const sfx = ` (${kind})`;
    // --- the data argument and the options object
    add({
      label: `${input} is a string${sfx}`,
      classes: [TypeError],
      names: [input],
      values: ['abc'],
      call: (sm) => sm[op]('abc', t),
    });
    add({
      label: `${input} is an Int32Array${sfx}`,
      classes: [TypeError],
      names: [input],
      values: ['Int32Array'],
      call: (sm) => sm[op](new Int32Array(6), t, { shape }),
    });
    add({
      label: `options is a string${sfx}`,
      classes: [TypeError],
      names: ['options'],
      values: ['"mean"'],
      call: (sm) => sm[op](x6(), t, 'mean'),
    });
    add({
      label: `unknown option "reduce"${sfx}`,
      classes: [TypeError],
      names: ['reduce'],
      values: ['reduce'],
      ...withOut({ reduce: 'sum' }),
    });
    add({
      label: `length 6 with shape [2, 4]${sfx}`,
      classes: [RangeError],
      names: ['shape', input],
      values: ['6', '8'],
      ...withOut({ shape: [2, 4] }),
    });
    add({
      label: `axis 2 for shape [2, 3]${sfx}`,
      classes: [RangeError],
      names: ['axis'],
      values: ['2'],
      ...withOut({ axis: 2 }),
    });
    // --- classes < 1
    add({
      label: `a class axis of length 0 (shape [3, 0])${sfx}`,
      classes: [RangeError],
      names: ['axis', 'class'],
      values: ['[3, 0]'],
      outType: k.Out,
      outLength: 0,
      call: (sm, out) => sm[op](k.make(0), [0, 0, 0], { shape: [3, 0], grad: true, out }),
    });
    // --- reduction
    add({
      label: `reduction "avg"${sfx}`,
      classes: [RangeError],
      names: ['reduction'],
      values: ['"avg"'],
      ...withOut({ reduction: 'avg' }),
    });
    add({
      label: `reduction 3${sfx}`,
      classes: [TypeError],
      names: ['reduction'],
      values: ['3'],
      ...withOut({ reduction: 3 }),
    });
    // --- weight
    add({
      label: `weight of length 2 for 3 classes${sfx}`,
      classes: [RangeError],
      names: ['weight'],
      values: ['2'],
      ...withOut({ weight: [1, 2] }),
    });
    add({
      label: `weight [1, -2, 1]${sfx}`,
      classes: [RangeError],
      names: ['weight'],
      values: ['-2'],
      ...withOut({ weight: [1, -2, 1] }),
    });
    add({
      label: `weight [1, NaN, 1]${sfx}`,
      classes: [RangeError],
      names: ['weight'],
      values: ['NaN'],
      ...withOut({ weight: [1, NaN, 1] }),
    });
    add({
      label: `weight [1, "a", 1]${sfx}`,
      classes: [TypeError],
      names: ['weight'],
      values: ['"a"'],
      ...withOut({ weight: [1, 'a', 1] }),
    });
    add({
      label: `weight is a string${sfx}`,
      classes: [TypeError],
      names: ['weight'],
      values: ['"abc"'],
      ...withOut({ weight: 'abc' }),
    });
    if (kind !== 'array') {
      const Other = kind === 'float32' ? Float64Array : Float32Array;
      add({
        label: `weight is a ${Other.name} for ${kind} input`,
        classes: [TypeError],
        names: ['weight'],
        values: [Other.name],
        ...withOut({ weight: new Other(3).fill(1) }),
      });
    }
    // --- ignoreIndex
    add({
      label: `ignoreIndex 1.5${sfx}`,
      classes: [RangeError],
      names: ['ignoreIndex'],
      values: ['1.5'],
      ...withOut({ ignoreIndex: 1.5 }),
    });
    add({
      label: `ignoreIndex 2^31${sfx}`,
      classes: [RangeError],
      names: ['ignoreIndex'],
      values: ['2147483648'],
      ...withOut({ ignoreIndex: 2 ** 31 }),
    });
    add({
      label: `ignoreIndex "1"${sfx}`,
      classes: [TypeError],
      names: ['ignoreIndex'],
      values: ['"1"'],
      ...withOut({ ignoreIndex: '1' }),
    });
    // --- labelSmoothing (crossEntropy only; nllLoss has no such option)
    if (ce) {
      for (const v of [-0.1, 1.5, NaN]) {
        add({
          label: `labelSmoothing ${v}${sfx}`,
          classes: [RangeError],
          names: ['labelSmoothing'],
          values: [String(v)],
          ...withOut({ labelSmoothing: v }),
        });
      }
      add({
        label: `labelSmoothing "0.1"${sfx}`,
        classes: [TypeError],
        names: ['labelSmoothing'],
        values: ['"0.1"'],
        ...withOut({ labelSmoothing: '0.1' }),
      });
    } else {
      add({
        label: `labelSmoothing is unknown to nllLoss${sfx}`,
        classes: [TypeError],
        names: ['labelSmoothing'],
        values: ['labelSmoothing'],
        ...withOut({ labelSmoothing: 0.1 }),
      });
    }
    // --- grad and out
    add({
      label: `grad "yes"${sfx}`,
      classes: [TypeError],
      names: ['grad'],
      values: ['"yes"'],
      ...withOut({ grad: 'yes' }),
    });
    add({ label: `grad 1${sfx}`, classes: [TypeError], names: ['grad'], values: ['1'], ...withOut({ grad: 1 }) });
    add({
      label: `out without grad: true${sfx}`,
      classes: [TypeError],
      names: ['out'],
      values: ['grad'],
      ...withOut({ grad: false }),
    });
    add({
      label: `out of the other dtype${sfx}`,
      classes: [TypeError],
      names: ['out'],
      values: [kind === 'float32' ? 'Float64Array' : 'Float32Array'],
      outType: kind === 'float32' ? Float64Array : Float32Array,
      outLength: 6,
      call: (sm, out) => sm[op](x6(), t, { shape, grad: true, out }),
    });
    for (const badLength of [5, 7, 0]) {
      add({
        label: `out of length ${badLength}${sfx}`,
        classes: [RangeError],
        names: ['out'],
        values: [String(badLength)],
        outType: k.Out,
        outLength: badLength,
        call: (sm, out) => sm[op](x6(), t, { shape, grad: true, out }),
      });
    }
    // --- targets
    add({
      label: `target is a string${sfx}`,
      classes: [TypeError],
      names: ['target'],
      values: ['"abc"'],
      ...withOut({}, 'abc'),
    });
    add({
      label: `target holds 3 indices for 2 samples${sfx}`,
      classes: [RangeError],
      names: ['target'],
      values: ['3'],
      ...withOut({}, [0, 1, 2]),
    });
    add({
      label: `target [0, 3] with 3 classes${sfx}`,
      classes: [RangeError],
      names: ['target'],
      values: ['3'],
      ...withOut({}, [0, 3]),
    });
    add({
      label: `target [0, -1]${sfx}`,
      classes: [RangeError],
      names: ['target'],
      values: ['-1'],
      ...withOut({}, Int32Array.from([0, -1])),
    });
    add({
      label: `target [0, 1.5]${sfx}`,
      classes: [TypeError],
      names: ['target'],
      values: ['1.5'],
      ...withOut({}, [0, 1.5]),
    });
    add({
      label: `target [7, 9] with ignoreIndex 7${sfx}`,
      classes: [RangeError],
      names: ['target'],
      values: ['9'],
      ...withOut({ ignoreIndex: 7 }, [7, 9]),
    });
    if (kind !== 'array') {
      if (ce) {
        const Other = kind === 'float32' ? Float64Array : Float32Array;
        const otherDtype = kind === 'float32' ? 'float64' : 'float32';
        add({
          label: `probability target of the other dtype${sfx}`,
          classes: [TypeError],
          names: ['target'],
          values: [Other.name, otherDtype],
          ...withOut({}, new Other(6)),
        });
        add({
          label: `probability target of length 5${sfx}`,
          classes: [RangeError],
          names: ['target'],
          values: ['5'],
          ...withOut({}, new k.Out(5)),
        });
      } else {
        add({
          label: `a probability target${sfx}`,
          classes: [TypeError],
          names: ['target'],
          values: [k.Out.name],
          ...withOut({}, new k.Out(6)),
        });
      }
    }
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
    for (const op of LOSSES) {
      test(`${op} ${build}: every option, target and input error throws the right error, writes nothing, leaves the instance usable`, () =>
        assertAllThrow(sm, lossCases(op)));
      // An option naming a choice is looked up as an own property: 'toString' is no reduction.
      test(`${op} ${build}: reduction "toString" is a RangeError naming reduction`, () =>
        assertAllThrow(sm, [
          {
            label: `${op}: reduction "toString"`,
            classes: [RangeError],
            names: ['reduction'],
            values: ['"toString"'],
            outType: Float32Array,
            outLength: 6,
            call: (s, out) =>
              s[op](new Float32Array(6), [0, 2], { shape: [2, 3], reduction: 'toString', grad: true, out }),
          },
        ]));
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
      assert.equal(
        sm.memoryBytes,
        before,
        `memoryBytes grew from ${before} to ${sm.memoryBytes} after 2000 failing calls`,
      );
      stillWorks(sm, '2000 failing calls');
    });
  });
}
