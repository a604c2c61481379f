// The hand-written TypeScript declarations (bindings/index.d.ts) compile
// under `strict` and type the README's usage (tests/types/usage.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

test('bindings/index.d.ts type-checks the documented usage with tsc --strict', async () => {
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  try {
    await run(process.execPath, [tsc, '-p', `${root}tests/types/tsconfig.json`]);
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});
