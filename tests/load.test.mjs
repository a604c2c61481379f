// load(): both builds come up with the documented backend names, name their
// kernel variant, report their memory, and are independent instances.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builds, loadModule } from './helpers.mjs';

const BUILDS = await builds();

test('load({ simd: true }) is wasm-simd128 and load({ simd: false }) is wasm-scalar', () => {
  assert.deepEqual(
    BUILDS.map((b) => b.sm.backend),
    ['wasm-simd128', 'wasm-scalar'],
  );
});

test('load() with no options picks SIMD on Node 20 (which always has it)', async () => {
  const { load } = await loadModule();
  const sm = await load();
  assert.equal(sm.backend, 'wasm-simd128');
});

for (const { name, sm } of BUILDS) {
  test(`${name}: kernels names the kernel variant; memoryBytes is a positive multiple of 64 KiB`, () => {
    assert.equal(typeof sm.kernels, 'string');
    assert.ok(sm.kernels.length > 0, 'kernels is empty');
    assert.equal(typeof sm.memoryBytes, 'number');
    assert.ok(sm.memoryBytes > 0 && sm.memoryBytes % 65536 === 0, `memoryBytes ${sm.memoryBytes}`);
  });
}

test('the two builds are separate instances that give the same float64 results within the contract', () => {
  const [simd, scalar] = BUILDS.map((b) => b.sm);
  assert.notEqual(simd, scalar);
  const x = Float64Array.from({ length: 301 }, (_, i) => Math.sin(i * 1.3) * 4);
  const a = simd.softmax(x);
  const b = scalar.softmax(x);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 2e-13 * a[i], `index ${i}: ${a[i]} vs ${b[i]}`);
});
