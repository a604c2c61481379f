// scripts/build.sh must fail when the compiler fails: a C++ syntax error may never leave the
// previous dist/ in place and exit 0 (npm pack and CI would ship and test a stale build).
// Builds a throwaway tree with CMakeLists.txt's SOFTMAX_BROKEN_SOURCE (tests/broken/syntax_error.cc,
// compiled first) into a temporary build and dist folder; the real dist/ is not touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

test('scripts/build.sh exits non-zero and shows the compiler error when a source does not compile', {
  timeout: 120_000,
}, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'smw-broken-'));
  try {
    const r = spawnSync('bash', [path.join(root, 'scripts/build.sh')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        SOFTMAX_BUILD_DIR: path.join(tmp, 'build'),
        SOFTMAX_CMAKE_ARGS: `-DSOFTMAX_BROKEN_SOURCE=ON -DSOFTMAX_DIST_DIR=${path.join(tmp, 'dist')}`,
      },
    });
    const output = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, `build.sh exited 0 despite a syntax error:\n${output}`);
    assert.match(output, /syntax_error\.cc:\d+:\d+: error/, 'the compiler message is shown');
    // Nothing was linked: the failing build wrote no .wasm or glue.
    assert.deepEqual(
      readdirSync(path.join(tmp, 'dist')).filter((f) => !f.startsWith('wasm-urls')),
      [],
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
