// The README's runnable examples (```js blocks that import the package) run as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRY } from './helpers.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = await readFile(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^import /m.test(b));

test('the README has runnable examples', () => {
  assert.ok(blocks.length >= 2, `found ${blocks.length}`);
});

for (const [i, code] of blocks.entries()) {
  test(`README example ${i + 1} runs and prints what its comments say`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smw-readme-'));
    try {
      // Written outside the package, the example imports the module under test by its URL.
      const file = join(dir, 'example.mjs');
      await writeFile(file, code.replaceAll("'softmax-wasm'", JSON.stringify(ENTRY)));
      const { stdout } = await run(process.execPath, [file]);
      // Every "// value" comment after a console.log of a plain value must match the output.
      for (const m of code.matchAll(/console\.log\((.*)\); \/\/ ([\d. ]+)$/gm)) {
        assert.ok(stdout.includes(m[2].trim()), `expected output ${m[2].trim()} for ${m[1]}; got:\n${stdout}`);
      }
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the example's own template literal, searched as text
      if (code.includes('step ${step}')) {
        const losses = [...stdout.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
        assert.ok(losses.length >= 3 && losses.at(-1) < losses[0] / 5, `training loss must fall: ${losses}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
