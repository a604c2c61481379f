// The accuracy contract, cpp/accuracy.json: well formed, and the README's table
// and the kernels' comment blocks are what scripts/accuracy.mjs writes from it
// (fails when either is stale: run `node scripts/accuracy.mjs`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { TABLE, targets, updated } from '../scripts/accuracy.mjs';

const root = new URL('..', import.meta.url);

test('cpp/accuracy.json: every op has a bound per dtype, in a known unit, not below what was measured', () => {
  for (const op of Object.keys(TABLE.ops)) {
    for (const dtype of ['float32', 'float64']) {
      assert.ok(
        TABLE.bounds.some((b) => b.op === op && b.dtype === dtype),
        `${op} ${dtype}: no bound`,
      );
    }
  }
  for (const b of TABLE.bounds) {
    const what = `${b.op} ${b.quantity} ${b.dtype}`;
    assert.ok(b.op in TABLE.ops, `${what}: op not in "ops"`);
    assert.ok(b.unit in TABLE.units, `${what}: unknown unit ${b.unit}`);
    assert.ok(b.bound > 0 && b.bound < 1, `${what}: bound ${b.bound}`);
    assert.ok(
      b.measured === undefined || b.measured <= b.bound,
      `${what}: measured ${b.measured} above the bound ${b.bound}`,
    );
    assert.ok(b.from === undefined || b.unit === 'relative', `${what}: "from" only splits relative bounds`);
  }
  assert.ok(TABLE.referenceError.value > 0 && TABLE.referenceError.value < 1e-12);
});

for (const t of targets()) {
  test(`${t.file}: its accuracy block is generated from cpp/accuracy.json`, () => {
    const text = readFileSync(new URL(t.file, root), 'utf8');
    const next = updated(text, t);
    assert.notEqual(next, null, `${t.file}: markers ${t.begin} ... ${t.end} missing`);
    assert.ok(next === text, `${t.file}: the accuracy block is stale; run node scripts/accuracy.mjs`);
  });
}
