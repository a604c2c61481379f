// The hand-written TypeScript declarations (bindings/index.d.ts) compile
// under `strict` and type the README's usage (tests/types/usage.ts): with the
// Disposable lib (`using` a WasmArray, tests/types/dispose.ts), and with plain
// ES2022 + DOM libs and no @types/node (skipLibCheck off in both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

for (const config of ['tsconfig.json', 'tsconfig.es2022.json']) {
  test(`bindings/index.d.ts type-checks the documented usage with tsc --strict (tests/types/${config})`, async () => {
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    try {
      await run(process.execPath, [tsc, '-p', `${root}tests/types/${config}`]);
    } catch (e) {
      assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
    }
  });
}
