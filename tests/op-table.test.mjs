// The op table (bindings/ops.js) is what the class runs: every entry is a
// method of both builds, bound to Embind functions the .wasm exports, with
// exactly its listed options; and a module missing a binding fails to load
// with an Error naming it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPS, OP_NAMES, opNamed } from '../bindings/ops.js';
import { SoftmaxWasm } from '../bindings/softmax-wasm.js';
import { builds } from './helpers.mjs';

const BUILDS = await builds();
const KINDS = ['alongAxis', 'reduction', 'jacobian', 'loss', 'sample', 'filter', 'topK', 'argmax'];

test('every entry is well formed and named once', () => {
  assert.deepEqual(
    OP_NAMES,
    OPS.map((e) => e.name),
  );
  assert.equal(new Set(OP_NAMES).size, OPS.length);
  for (const e of OPS) {
    assert.ok(Object.isFrozen(e) && Object.isFrozen(e.options) && Object.isFrozen(e.args), `${e.name} is frozen`);
    assert.ok(KINDS.includes(e.kind), `${e.name}: kind ${e.kind}`);
    assert.ok(e.args.length >= 1 && e.args.length <= 2, `${e.name}: args`);
    assert.deepEqual(Object.keys(e.bindings).sort(), ['float32', 'float64'], `${e.name}: bindings`);
    for (const check of Object.values(e.options)) assert.equal(typeof check, 'function', `${e.name}: option checks`);
    assert.equal(opNamed(e.name), e);
  }
  assert.equal(opNamed('toString'), undefined);
});

for (const { name: build, sm } of BUILDS) {
  test(`${build}: every op of the table is a method, and nothing else is`, () => {
    const methods = Object.getOwnPropertyNames(SoftmaxWasm.prototype).filter(
      (k) =>
        k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(SoftmaxWasm.prototype, k).value === 'function',
    );
    // alloc and random make objects (a WasmArray, a generator), dispose ends the instance: not ops.
    assert.deepEqual(
      methods.filter((k) => k !== 'alloc' && k !== 'random' && k !== 'dispose').sort(),
      [...OP_NAMES].sort(),
    );
    for (const e of OPS) assert.equal(sm[e.name].name, e.name);
  });

  test(`${build}: each op takes exactly its table's options`, () => {
    const args = {
      alongAxis: (e) => (e.args.length === 1 ? [new Float64Array(4)] : [new Float64Array(4), new Float64Array(4)]),
      reduction: () => [new Float64Array(4)],
      jacobian: () => [new Float64Array(4)],
      loss: () => [new Float64Array(4), [1]],
      sample: () => [new Float64Array(4)],
      filter: () => [new Float64Array(4)],
      topK: () => [new Float64Array(4), 2],
      argmax: () => [new Float64Array(4)],
    };
    const everyOption = new Set(OPS.flatMap((e) => Object.keys(e.options)));
    for (const e of OPS) {
      for (const key of everyOption) {
        if (Object.hasOwn(e.options, key)) continue;
        assert.throws(
          () => sm[e.name](...args[e.kind](e), { [key]: undefined }),
          (err) => err instanceof TypeError && err.message.includes(`unknown option "${key}"`),
          `${e.name} rejects ${key}`,
        );
      }
      sm[e.name](...args[e.kind](e), Object.fromEntries(Object.keys(e.options).map((k) => [k, undefined])));
    }
  });
}

test('a wasm module without one of the bindings fails to load with an Error naming it', () => {
  const fake = {
    kernelVariant: () => 'fake',
    samplingVariant: () => 'fake',
    HEAPF32: new Float32Array(4),
    HEAPF64: new Float64Array(4),
    HEAP32: new Int32Array(4),
  };
  for (const e of OPS) for (const name of Object.values(e.bindings)) fake[name] = () => 0;
  assert.doesNotThrow(() => new SoftmaxWasm(fake, 'wasm-scalar'));
  for (const e of OPS) {
    for (const name of Object.values(e.bindings)) {
      const missing = { ...fake };
      delete missing[name];
      // A binding may serve two ops (sample and filterLogits share sample_f32/f64): the error names one of them.
      const users = OPS.filter((o) => Object.values(o.bindings).includes(name)).map((o) => o.name);
      assert.throws(
        () => new SoftmaxWasm(missing, 'wasm-scalar'),
        (err) =>
          err.constructor === Error &&
          err.message.includes(name) &&
          users.some((u) => err.message.includes(`op ${u} `)),
      );
    }
  }
  // An inherited function is not a binding.
  const inherited = Object.create({ ...fake });
  Object.assign(inherited, { kernelVariant: fake.kernelVariant });
  assert.throws(() => new SoftmaxWasm(inherited, 'wasm-scalar'), /needs the Embind function/);
});
