// tests/cpp/sampling_fixture.inc (the JS reference's tokens that the native
// GoogleTest replays) must be what scripts/sampling-fixture.mjs writes now:
// a change to the reference or the fixture recipe cannot leave it stale.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { FIXTURE_PATH, fixtureText } from '../scripts/sampling-fixture.mjs';

test('tests/cpp/sampling_fixture.inc is current (node scripts/sampling-fixture.mjs rewrites it)', async () => {
  assert.equal(await readFile(FIXTURE_PATH, 'utf8'), fixtureText());
});
