// The consumer suite: softmax-wasm as users get it. `npm pack` makes the tarball, which is installed
// once into a throwaway project; each setup below is a folder of that project, built with the tool
// a user would use (esbuild, webpack, Vite, Rollup, tsc: pinned devDependencies of this package,
// run through their APIs with no configuration beyond entry and output) and run in Node or in
// Debian's Chromium, where it runs the README quick start and must print what the README says.
// Node 18 is not installable on this machine (Node 20 only), so only Node 20 is checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BROWSER_APP,
  QUICK_START,
  QUICK_START_FUNCTION,
  ROOT,
  THREADED,
  WORKER_APP,
  WORKER_PAGE_APP,
  assertNoNodeCode,
  checkQuickStart,
  cleanup,
  launchBrowser,
  listFiles,
  listTarball,
  makeProject,
  pack,
  page,
  run,
  runPage,
  serve,
  splitNodeOutput,
  write,
} from './harness.mjs';

const T = { timeout: 120_000 };
let packDir;
let tarball;
let packedFiles;
let project; // the consumer project: node_modules/softmax-wasm from the tarball
let browser;
let server; // serves the consumer project
let cspServer; // the same, every response with a strict CSP
let isoServer; // the same, cross-origin isolated (COOP/COEP): threads
let credServer; // the same, isolated with COEP credentialless instead of require-corp
let isoCspServer; // the same, isolated and with the strict CSP (no worker-src blob:)

const CSP = "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'";
const WASMS = ['softmax-simd.wasm', 'softmax-scalar.wasm', 'softmax-threads.wasm'];
// A page served with these is cross-origin isolated: load() runs threads there.
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const dist = (file) => path.join(project, 'node_modules/softmax-wasm/dist', file);
const copyWasm = (to) => {
  mkdirSync(to, { recursive: true });
  for (const f of WASMS) copyFileSync(dist(f), path.join(to, f));
};

before(
  async () => {
    packDir = mkdtempSync(path.join(tmpdir(), 'smw-pack-'));
    // SMW_TARBALL=file.tgz checks that tarball instead of packing this tree (a release candidate,
    // or one broken on purpose to see the checks fail).
    ({ tarball, files: packedFiles } = process.env.SMW_TARBALL
      ? await listTarball(path.resolve(process.env.SMW_TARBALL))
      : await pack(packDir));
    project = await makeProject(tarball);
    write(project, { 'quickstart.js': QUICK_START_FUNCTION });
    browser = await launchBrowser();
    server = await serve(project);
    cspServer = await serve(project, () => ({ 'content-security-policy': CSP }));
    isoServer = await serve(project, () => ISOLATION);
    credServer = await serve(project, () => ({ ...ISOLATION, 'cross-origin-embedder-policy': 'credentialless' }));
    isoCspServer = await serve(project, () => ({ ...ISOLATION, 'content-security-policy': CSP }));
  },
  { timeout: 300_000 },
);

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  await cspServer?.close();
  await isoServer?.close();
  await credServer?.close();
  await isoCspServer?.close();
  cleanup(project);
  cleanup(packDir);
});

/** The browser app over softmax-wasm/embedded. */
const EMBEDDED_APP = BROWSER_APP.replace("from 'softmax-wasm'", "from 'softmax-wasm/embedded'");

const quickstartIn = (dir) => write(project, { [`${dir}/quickstart.js`]: QUICK_START_FUNCTION });

// ----------------------------------------------------------------------------- the tarball ----

describe('the tarball', () => {
  test('ships each .wasm once, the glues, both entries and their declarations; no sources', (t) => {
    const names = packedFiles.map((f) => f.path).sort();
    for (const need of [
      'package.json',
      'README.md',
      'bindings/index.js',
      'bindings/browser.js',
      'bindings/node-bundled.js',
      'bindings/index.d.ts',
      'dist/index.cjs',
      'dist/index.d.cts',
      'bindings/embedded.js',
      'bindings/embedded.d.ts',
      'dist/embedded.cjs',
      'dist/embedded.d.cts',
      'dist/softmax-simd-embedded.mjs',
      'dist/softmax-scalar-embedded.mjs',
      'dist/wasm-urls.mjs',
      'dist/softmax-simd.mjs',
      'dist/softmax-simd-csp.mjs',
      'dist/softmax-scalar.mjs',
      'dist/softmax-scalar-csp.mjs',
      'dist/softmax-threads.mjs',
      'dist/softmax-threads-csp.mjs',
      'bindings/threads.js',
      ...WASMS.map((f) => `dist/${f}`),
    ]) {
      assert.ok(names.includes(need), `${need} is in the tarball`);
    }
    assert.deepEqual(
      names.filter((n) => n.endsWith('.wasm')),
      WASMS.map((f) => `dist/${f}`).sort(),
    );
    assert.deepEqual(
      names.filter((n) => /\.(cc|h|in|cmake|sh)$|^tests\/|^web\//.test(n)),
      [],
    );
    // One copy of each build's base64 and of each glue: the CommonJS entries import() the ES
    // modules' files instead of inlining them; softmax-wasm/embedded starts no workers, so it
    // carries no threaded build.
    assert.deepEqual(
      names.filter((n) => n.endsWith('-embedded.mjs')),
      ['dist/softmax-scalar-embedded.mjs', 'dist/softmax-simd-embedded.mjs'],
    );
    const text = Object.fromEntries(
      names
        .filter((n) => /\.(c|m)?js$/.test(n))
        .map((n) => [n, readFileSync(path.join(project, 'node_modules/softmax-wasm', n), 'latin1')]),
    );
    for (const f of WASMS) {
      const probe = readFileSync(dist(f))
        .subarray(3 * 1365, 3 * 2365) // 3-byte aligned: the same characters as in the whole base64
        .toString('base64');
      const holders = Object.keys(text).filter((n) => text[n].includes(probe));
      assert.deepEqual(holders, f === 'softmax-threads.wasm' ? [] : [`dist/${f.replace('.wasm', '-embedded.mjs')}`]);
    }
    for (const glue of ['softmax-simd.mjs', 'softmax-simd-csp.mjs', 'softmax-threads.mjs', 'softmax-scalar.mjs']) {
      // A line of the glue that names its own .wasm file is in that glue only.
      const line = text[`dist/${glue}`].split('\n').find((l) => l.length > 200);
      const holders = Object.keys(text).filter((n) => text[n].includes(line));
      assert.deepEqual(holders, [`dist/${glue}`], `a long line of dist/${glue} is in ${holders}`);
    }
    // Sizes for the report: raw and gzip -9 of each file.
    let raw = 0;
    let gz = 0;
    for (const n of names) {
      const bytes = readFileSync(path.join(project, 'node_modules/softmax-wasm', n));
      const z = gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gz += z;
      t.diagnostic(`${n}: ${bytes.length} B, gzip ${z} B`);
    }
    t.diagnostic(`tarball ${statSync(tarball).size} B; files ${raw} B, gzip ${gz} B`);
  });

  test('arethetypeswrong finds no problem in any resolution mode', T, async () => {
    // The .wasm subpaths are assets for bundlers and locateFile, not modules: no types to find.
    const attw = path.join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const { stdout } = await run(
      process.execPath,
      [
        attw,
        tarball,
        '--format',
        'json',
        '--exclude-entrypoints',
        './softmax-simd.wasm',
        './softmax-scalar.wasm',
        './softmax-threads.wasm',
      ],
      { maxBuffer: 1 << 26 },
    ).catch((e) => ({ stdout: e.stdout, failed: e }));
    const report = JSON.parse(stdout);
    assert.deepEqual(report.analysis.problems, [], JSON.stringify(report.analysis.problems, null, 1));
    for (const entry of ['.', './embedded']) {
      const modes = Object.values(report.analysis.entrypoints[entry].resolutions);
      assert.equal(modes.length, 4, `${entry}: node10, node16 CJS, node16 ESM and bundler were all checked`);
    }
  });
});

// ------------------------------------------------------------------------------------ Node ----

describe('Node', () => {
  test('ES module: the README quick start, verbatim', T, async () => {
    write(project, { 'node-esm/app.mjs': QUICK_START });
    const { stdout } = await run(process.execPath, ['node-esm/app.mjs'], { cwd: project });
    checkQuickStart(splitNodeOutput(stdout));
  });

  test('CommonJS: require() gives load, simdSupported and SoftmaxWasm, as the ES module does', T, async () => {
    write(project, {
      'node-cjs/app.cjs': `const sw = require('softmax-wasm');
const format = (...a) => a.map((v) => (ArrayBuffer.isView(v) ? Array.from(v).join(', ') : String(v))).join(' ');
(async () => {
  const esm = await import('softmax-wasm');
  const keys = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort().join();
  if (keys(sw) !== keys(esm)) throw new Error('require: ' + keys(sw) + ' vs import: ' + keys(esm));
  if (typeof sw.simdSupported() !== 'boolean') throw new Error('simdSupported');
  const sm = await sw.load();
  if (!(sm instanceof sw.SoftmaxWasm)) throw new Error('load() did not return a SoftmaxWasm');
  await require('../quickstart.cjs').quickStart(sw.load, { log: (...a) => console.log(format(...a)) });
})().catch((e) => { console.error(e); process.exitCode = 1; });
`,
      'quickstart.cjs': QUICK_START_FUNCTION.replace(
        'export async function quickStart',
        'exports.quickStart = async function quickStart',
      ),
    });
    const { stdout } = await run(process.execPath, ['node-cjs/app.cjs'], { cwd: project });
    checkQuickStart(stdout.trim().split('\n'));
  });

  test(
    "CommonJS: require('softmax-wasm/embedded') needs no .wasm file, nor does an esbuild bundle of it",
    T,
    async () => {
      // A copy of the installed package without its .wasm files: the main entry must fail there
      // (ENOENT, so the files really are gone), softmax-wasm/embedded must not notice.
      const pkg = path.join(project, 'node-cjs-embedded/node_modules/softmax-wasm');
      cpSync(path.join(project, 'node_modules/softmax-wasm'), pkg, {
        recursive: true,
        filter: (from) => !from.endsWith('.wasm'),
      });
      write(project, {
        'node-cjs-embedded/app.cjs': `const { load, simdSupported, SoftmaxWasm } = require('softmax-wasm/embedded');
const format = (...a) => a.map((v) => (ArrayBuffer.isView(v) ? Array.from(v).join(', ') : String(v))).join(' ');
(async () => {
  if (typeof simdSupported() !== 'boolean' || typeof SoftmaxWasm !== 'function') throw new Error('exports');
  await require('./quickstart.cjs').quickStart(load, { log: (...a) => console.log(format(...a)) });
  const scalar = await load({ simd: false });
  let main = 'loaded';
  await Promise.resolve().then(() => require('softmax-wasm').load()).catch((e) => { main = e.message; });
  console.log(JSON.stringify({ scalar: scalar.backend, p: Array.from(scalar.softmax([1, 2, 3])), main }));
})().catch((e) => { console.error(e); process.exitCode = 1; });
`,
        'node-cjs-embedded/quickstart.cjs': QUICK_START_FUNCTION.replace(
          'export async function quickStart',
          'exports.quickStart = async function quickStart',
        ),
      });
      const check = (stdout) => {
        const lines = stdout.trim().split('\n');
        const last = JSON.parse(lines.pop());
        checkQuickStart(lines);
        return last;
      };
      const r = check(
        (await run(process.execPath, ['app.cjs'], { cwd: path.join(project, 'node-cjs-embedded') })).stdout,
      );
      assert.equal(r.scalar, 'wasm-scalar');
      assert.ok(Math.abs(r.p[2] - 0.6652409557748219) < 1e-12);
      assert.match(r.main, /softmax-(simd|threads)\.wasm not found/, 'the main entry finds no .wasm in that copy');
      // The same program bundled by esbuild for Node as CommonJS (require() picks the package's
      // require condition, dist/embedded.cjs, whose import()s of the base64 modules esbuild follows):
      // one file that runs anywhere.
      const { build } = await import('esbuild');
      const out = path.join(project, 'node-cjs-embedded/out/app.cjs');
      const result = await build({
        entryPoints: [path.join(project, 'node-cjs-embedded/app.cjs')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: out,
        logLevel: 'silent',
        absWorkingDir: project,
        // The main entry stays a require() the bundle cannot satisfy: the control above, kept.
        plugins: [
          {
            name: 'main-entry-external',
            setup: (b) => b.onResolve({ filter: /^softmax-wasm$/ }, (a) => ({ path: a.path, external: true })),
          },
        ],
      });
      assert.deepEqual(
        result.warnings.map((w) => w.text),
        [],
      );
      const away = mkdtempSync(path.join(tmpdir(), 'smw-away-'));
      try {
        copyFileSync(out, path.join(away, 'app.cjs'));
        const b = check((await run(process.execPath, ['app.cjs'], { cwd: away })).stdout);
        assert.equal(b.scalar, 'wasm-scalar');
        assert.match(b.main, /Cannot find module 'softmax-wasm'/);
      } finally {
        cleanup(away);
      }
    },
  );

  test(
    'threads from the installed package: bit-identical to one thread, and the process exits on its own',
    T,
    async () => {
      write(project, {
        'node-threads/app.mjs': `import { load } from 'softmax-wasm';
const sm = await load();
const one = await load({ threads: 1 });
const x = new Float32Array(400 * 1000).map((_, i) => Math.sin(i) * 5);
const want = one.softmax(x, { shape: [400, 1000] });
sm.softmax(x, { shape: [400, 1000] });
await new Promise((r) => setTimeout(r, 300));
const got = sm.softmax(x, { shape: [400, 1000] });
console.log(JSON.stringify({ threads: sm.threads, same: got.every((v, i) => Object.is(v, want[i])) }));
`,
      });
      const { stdout } = await run(process.execPath, ['node-threads/app.mjs'], { cwd: project, timeout: 30_000 });
      const r = JSON.parse(stdout);
      assert.equal(r.threads, Math.min(8, (await import('node:os')).availableParallelism()));
      assert.equal(r.same, true);
    },
  );

  // The package's internals, for the checks that workers did take tasks: the same module instance
  // as the entry's (the same file), so poolOf(sm) sees its pool.
  const INTERNALS = "import { poolOf } from 'softmax-wasm-internals';";
  // An instance whose workers are running, never disposed: the program must end all the same.
  const LEAVE_RUNNING = `async function leaveRunning(load) {
  const sm = await load({ threads: 2 });
  const x = new Float32Array(400 * 1000);
  sm.softmax(x, { shape: [400, 1000] });
  await new Promise((r) => setTimeout(r, 100));
  sm.softmax(x, { shape: [400, 1000] });
  globalThis.leftRunning = sm;
}`;
  const internals = (from) =>
    INTERNALS.replace('softmax-wasm-internals', `${from}node_modules/softmax-wasm/bindings/threads.js`);

  test(
    'worker_threads: the quick start and load({ threads: 2 }) in a Worker (nested workers), which exits on its own',
    T,
    async () => {
      write(project, {
        'node-worker/main.mjs': `import { Worker } from 'node:worker_threads';
const w = new Worker(new URL('./worker.mjs', import.meta.url));
w.on('message', (m) => console.log(JSON.stringify(m)));
w.on('error', (e) => { console.error(e); process.exitCode = 1; });
w.on('exit', (code) => console.log(JSON.stringify({ exit: code })));
`,
        // Not terminated by main.mjs, and an instance left running in it: the worker's event loop
        // ends, then the process's.
        'node-worker/worker.mjs': WORKER_APP('softmax-wasm')
          .replace("from './quickstart.js'", "from '../quickstart.js'")
          .replace(/postMessage\(/g, 'parentPort.postMessage(')
          .replace(
            'threaded(load)',
            'threaded((o) => load(o ?? { threads: 2 }), poolOf).then((r) => leaveRunning(load).then(() => r))',
          )
          .replace(/$/, `\n${LEAVE_RUNNING}\n`)
          .replace(/^/, `import { parentPort } from 'node:worker_threads';\n${internals('../')}\n`),
      });
      const { stdout } = await run(process.execPath, ['node-worker/main.mjs'], { cwd: project, timeout: 30_000 });
      const [m, exit] = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(m.error, undefined, m.error);
      checkQuickStart(m.lines);
      assert.equal(m.threads, 2);
      assert.equal(m.one, 1);
      assert.ok(m.workerTasks > 0, 'a nested worker took tasks');
      assert.equal(m.same, true, 'bit-identical to one thread');
      assert.match(m.afterDispose, /softmax: this softmax-wasm instance was disposed/);
      assert.deepEqual(exit, { exit: 0 });
    },
  );

  test(
    "CommonJS require('softmax-wasm'): threads 2 and 'auto', bit-identical, the process exits on its own",
    T,
    async () => {
      // dist/index.cjs bundles its own copy of the pool, out of reach of poolOf: the workers are
      // watched through worker_threads' Worker instead (the entry reads it when load() runs), for
      // the message each posts once it has entered the pool's loop.
      write(project, {
        'node-cjs-threads/app.cjs': `const wt = require('node:worker_threads');
const seen = { spawned: 0, ready: 0 };
wt.Worker = class extends wt.Worker {
  constructor(...args) {
    super(...args);
    seen.spawned++;
    this.on('message', (m) => { if (m && m.ready !== undefined) seen.ready++; });
  }
};
const { load } = require('softmax-wasm');
${THREADED}
${LEAVE_RUNNING}
(async () => {
  const r = await threaded((o) => load(o ?? { threads: 2 }));
  await leaveRunning(load);
  const auto = await load();
  console.log(JSON.stringify({ ...r, auto: auto.threads, ...seen }));
})().catch((e) => { console.error(e); process.exitCode = 1; });
`,
      });
      const { stdout } = await run(process.execPath, ['node-cjs-threads/app.cjs'], { cwd: project, timeout: 30_000 });
      const r = JSON.parse(stdout);
      assert.equal(r.threads, 2);
      assert.equal(r.one, 1);
      assert.equal(r.auto, Math.min(8, (await import('node:os')).availableParallelism()));
      // One worker for each threads: 2 instance (the checked one and the one left running); none
      // for threads: 1, none yet for the auto instance (no big call).
      assert.equal(r.spawned, 2);
      assert.equal(r.ready, 2, 'both entered their pool');
      assert.equal(r.same, true, 'bit-identical to one thread');
      assert.match(r.afterDispose, /softmax: this softmax-wasm instance was disposed/);
    },
  );

  test('a synchronous loop of big calls (no await after load) gets work done by a worker within 5 s', T, async () => {
    // A script or a CLI that never yields to the event loop between calls: the workers must
    // start and take tasks all the same (the loop stops at the first task a worker took).
    write(project, {
      'node-sync/app.mjs': `import { load } from 'softmax-wasm';
${internals('../')}
const sm = await load({ threads: 2 });
const one = await load({ threads: 1 });
const pool = poolOf(sm);
const shape = [400, 1000];
const x = new Float32Array(400 * 1000).map((_, i) => Math.sin(i) * 5);
const want = one.softmax(x, { shape });
const t0 = performance.now();
let calls = 0;
let same = true;
while (pool.workerTasks === 0 && performance.now() - t0 < 5000) {
  const got = sm.softmax(x, { shape });
  same &&= got.every((v, i) => Object.is(v, want[i]));
  calls++;
}
console.log(JSON.stringify({ calls, ms: Math.round(performance.now() - t0), workerTasks: pool.workerTasks, same }));
`,
    });
    const { stdout } = await run(process.execPath, ['node-sync/app.mjs'], { cwd: project, timeout: 30_000 });
    const r = JSON.parse(stdout);
    assert.equal(r.same, true, 'bit-identical to one thread');
    assert.ok(r.workerTasks > 0, `no worker took a task in ${r.calls} calls (${r.ms} ms)`);
  });

  test('load({ locateFile }): a path, a file: URL or a URL object; a wrong one names the path', T, async () => {
    copyWasm(path.join(project, 'node-locate/assets'));
    write(project, {
      'node-locate/app.mjs': `import { load } from 'softmax-wasm';
import { fileURLToPath } from 'node:url';
const seen = [];
const at = (f, dir) => { seen.push([f, dir]); return fileURLToPath(new URL('./assets/' + f, import.meta.url)); };
const a = await load({ locateFile: at });
const b = await load({ simd: false, locateFile: (f) => new URL('./assets/' + f, import.meta.url).href });
const c = await load({ locateFile: (f) => new URL('./assets/' + f, import.meta.url) });
let error = null;
try { await load({ locateFile: (f) => '/no/such/dir/' + f }); } catch (e) { error = e.message; }
console.log(JSON.stringify({ backends: [a.backend, b.backend, c.backend], seen, error, p: Array.from(a.softmax([1, 2, 3])) }));
`,
    });
    const { stdout } = await run(process.execPath, ['node-locate/app.mjs'], { cwd: project });
    const r = JSON.parse(stdout);
    assert.deepEqual(r.backends, ['wasm-simd128', 'wasm-scalar', 'wasm-simd128']);
    // threads 'auto': the threaded build wherever Node reports more than one core.
    const first = (await import('node:os')).availableParallelism() > 1 ? 'softmax-threads' : 'softmax-simd';
    assert.equal(r.seen[0][0], `${first}.wasm`);
    assert.equal(
      r.seen[0][1],
      path.join(project, 'node_modules/softmax-wasm/dist') + path.sep,
      'the second argument is where the package keeps it',
    );
    assert.match(r.error, new RegExp(`/no/such/dir/${first}\\.wasm.*ENOENT`));
    assert.ok(Math.abs(r.p[2] - 0.6652409557748219) < 1e-12);
  });

  for (const format of ['esm', 'cjs']) {
    test(
      `esbuild bundle for Node (--platform=node --format=${format}): no warnings, runs away from the package`,
      T,
      async () => {
        const { build } = await import('esbuild');
        const dir = `esbuild-node-${format}`;
        write(project, {
          [`${dir}/app.js`]: `import { load, simdSupported } from 'softmax-wasm';
import { quickStart } from '../quickstart.js';
const format = (...a) => a.map((v) => (ArrayBuffer.isView(v) ? Array.from(v).join(', ') : String(v))).join(' ');
if (!simdSupported()) throw new Error('no SIMD?');
quickStart(load, { log: (...a) => console.log(format(...a)) }).catch((e) => { console.error(e); process.exitCode = 1; });
`,
        });
        const out = path.join(project, dir, 'out', format === 'esm' ? 'app.mjs' : 'app.cjs');
        const result = await build({
          entryPoints: [path.join(project, dir, 'app.js')],
          bundle: true,
          platform: 'node',
          format,
          outfile: out,
          logLevel: 'silent',
          absWorkingDir: project,
        });
        assert.deepEqual(
          result.warnings.map((w) => w.text),
          [],
        );
        // Run it from another folder: the .wasm is not next to the bundle, the package is found from it.
        const { stdout } = await run(process.execPath, [out], { cwd: tmpdir() });
        checkQuickStart(stdout.trim().split('\n'));
      },
    );
  }
});

// ------------------------------------------------------------------------- TypeScript ----

// The tsc runs are independent and mostly waiting on one process each: run them three at a time.
describe('TypeScript (strict, skipLibCheck off)', { concurrency: 3 }, () => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const USAGE = `import { load, simdSupported, SoftmaxWasm } from 'softmax-wasm';
import type { LoadOptions } from 'softmax-wasm';

export async function main(log: (line: string) => void): Promise<void> {
  const options: LoadOptions = { simd: simdSupported() };
  const sm: SoftmaxWasm = await load(options);
  log(sm.backend);
  const p: Float32Array = sm.softmax(new Float32Array([3.2, 2.5, 2.0, 1.3, 0.9, 0.2]));
  log(p[0].toFixed(3));
  const q: Float64Array = sm.softmax([1000, 1001, 1002]);
  log(Array.from(q).join(', '));
  const logits = new Float32Array([1, 2, 3, 1, 5, 0]);
  const { loss, grad } = sm.crossEntropy(logits, [2, 1], { shape: [2, 3], grad: true });
  log(loss.toFixed(4) + ' ' + (grad ? grad.length : -1));
}
`;
  const CASES = [
    { name: 'ESM, module node16', type: 'module', compilerOptions: { module: 'node16' } },
    { name: 'ESM, module nodenext', type: 'module', compilerOptions: { module: 'nodenext' } },
    {
      name: 'ESM, moduleResolution bundler',
      type: 'module',
      compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    },
    { name: 'CommonJS, module node16', type: 'commonjs', compilerOptions: { module: 'node16' } },
    { name: 'CommonJS, module nodenext', type: 'commonjs', compilerOptions: { module: 'nodenext' } },
  ];
  // Until index.d.ts declares [Symbol.dispose] without the esnext libs (issue 9's registry work),
  // tsc fails on that alone: such a run is reported as TODO with the reason, any other error fails.
  async function typeCheck(t, dir) {
    try {
      await run(process.execPath, [tsc, '-p', path.join(project, dir)]);
      return true;
    } catch (e) {
      const errors = `${e.stdout}`.split('\n').filter((l) => /error TS/.test(l));
      if (
        errors.length > 0 &&
        errors.every((l) => /TS2550: Property 'dispose' does not exist on type 'SymbolConstructor'/.test(l))
      ) {
        t.todo(`index.d.ts needs esnext libs for Symbol.dispose: ${errors[0]}`);
        return false;
      }
      assert.fail(`tsc:\n${e.stdout}${e.stderr}`);
    }
  }

  for (const c of CASES) {
    test(`${c.name}: compiles, runs in Node, prints the quick start's values`, T, async (t) => {
      const dir = `ts-${c.name.replace(/\W+/g, '-').toLowerCase()}`;
      write(project, {
        [`${dir}/package.json`]: JSON.stringify({ type: c.type }),
        [`${dir}/tsconfig.json`]: JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            strict: true,
            skipLibCheck: false,
            outDir: 'out',
            rootDir: 'src',
            types: [],
            ...c.compilerOptions,
          },
          include: ['src'],
        }),
        [`${dir}/src/usage.ts`]: USAGE,
        [`${dir}/src/main.ts`]: `import { main } from './usage${c.compilerOptions.moduleResolution === 'bundler' || c.type === 'module' ? '.js' : ''}';
main((line) => console.log(line)).catch((e) => { console.error(e); throw e; });
`,
      });
      await typeCheck(t, dir); // tsc emits even on a type error: the program still runs below
      const { stdout } = await run(process.execPath, [path.join(project, dir, 'out/main.js')], { cwd: project });
      checkQuickStart(stdout.trim().split('\n'));
    });
  }

  test('a browser project (lib ES2022 + DOM, no @types/node, moduleResolution bundler) type-checks', T, async (t) => {
    const dir = 'ts-browser';
    write(project, {
      [`${dir}/tsconfig.json`]: JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          lib: ['es2022', 'dom'],
          module: 'esnext',
          moduleResolution: 'bundler',
          strict: true,
          skipLibCheck: false,
          types: [],
          noEmit: true,
        },
        include: ['src'],
      }),
      [`${dir}/src/usage.ts`]: USAGE,
    });
    await typeCheck(t, dir);
  });
});

// ---------------------------------------------------------------------------- browsers ----

async function checkPage(
  url,
  { backend = 'wasm-simd128', allow = [], csp = false, isolated = false, inWorker = false, threads } = {},
) {
  const r = await runPage(browser, url);
  assert.equal(r.error, undefined, r.error);
  if (r.lines !== undefined) checkQuickStart(r.lines, backend);
  if (r.threads !== undefined) {
    // Threads where the page is isolated (and workers started), one thread elsewhere; same results.
    assert.equal(r.isolated, isolated, 'crossOriginIsolated');
    assert.equal(r.threads, threads ?? (isolated ? Math.min(8, r.cores) : 1), 'sm.threads');
    assert.equal(r.one, 1, 'load({ threads: 1 }).threads');
    // The page's own worker (inWorker) and the threads' workers, nested in it or not.
    const started = r.threads - 1 + (inWorker ? 1 : 0);
    if (isolated && r.cores > 1) assert.ok(r.workers >= started, `${r.workers} workers started, ${started} expected`);
    if (r.workerTasks !== undefined) {
      if (r.threads > 1) assert.ok(r.workerTasks > 0, 'the workers took tasks within 5 s');
      else assert.equal(r.workerTasks, 0, 'no worker took a task');
    }
    assert.equal(r.same, true, 'threaded results bit-identical to one thread');
    assert.match(r.afterDispose, /softmax: this softmax-wasm instance was disposed/);
  }
  assert.deepEqual(
    r.problems.filter((p) => !allow.some((re) => re.test(p))),
    [],
  );
  if (!csp) assert.deepEqual(r.violations, []);
  return r;
}

async function checkServed(dir, { isolated = false, ...options } = {}) {
  const own = await serve(dir, () => (isolated ? ISOLATION : {}));
  try {
    return { ...(await checkPage(own.url, { isolated, ...options })), requests: own.requests };
  } finally {
    await own.close();
  }
}

describe('browsers, no bundler (Chromium)', () => {
  test('a plain module page with an import map', T, async () => {
    write(project, {
      'plain/index.html': `<!doctype html><meta charset="utf-8"><title>plain</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "softmax-wasm": "/node_modules/softmax-wasm/bindings/browser.js" } }</script>
<script type="module" src="./app.js"></script>
`,
      'plain/app.js': BROWSER_APP,
    });
    quickstartIn('plain');
    const before = server.requests.length;
    await checkPage(`${server.url}plain/`);
    const fetched = server.requests.slice(before);
    assert.ok(
      fetched.includes('/node_modules/softmax-wasm/dist/softmax-simd.mjs'),
      'the fast glue where eval is allowed',
    );
    assert.ok(
      !fetched.some((r) => /softmax-scalar|csp|softmax-threads/.test(r)),
      `only what is used is fetched: ${fetched}`,
    );
  });

  test('the plain page, cross-origin isolated (COOP/COEP): threads, workers from a Blob URL', T, async () => {
    const before = isoServer.requests.length;
    await checkPage(`${isoServer.url}plain/`, { isolated: true });
    const fetched = isoServer.requests.slice(before);
    assert.ok(
      fetched.includes('/node_modules/softmax-wasm/dist/softmax-threads.wasm'),
      `the threaded build: ${fetched}`,
    );
  });

  test('a module Web Worker', T, async () => {
    write(project, {
      'plain-worker/index.html': page('./main.js'),
      'plain-worker/main.js': WORKER_PAGE_APP(
        "new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })",
      ),
      // Unbundled, so the worker can reach the package's internals: poolOf(sm).workerTasks.
      'plain-worker/worker.js': WORKER_APP('/node_modules/softmax-wasm/bindings/browser.js')
        .replace('threaded(load)', 'threaded(load, poolOf)')
        .replace(/^/, "import { poolOf } from '/node_modules/softmax-wasm/bindings/threads.js';\n"),
    });
    quickstartIn('plain-worker');
    await checkPage(`${server.url}plain-worker/`);
  });

  test(
    'load() inside a module Web Worker of an isolated page: nested workers from a Blob URL take tasks',
    T,
    async () => {
      const r = await checkPage(`${isoServer.url}plain-worker/`, { isolated: true, inWorker: true });
      assert.ok(r.workerTasks > 0);
    },
  );

  test('COEP credentialless instead of require-corp: isolated, threads on the page and in a worker', T, async () => {
    await checkPage(`${credServer.url}plain/`, { isolated: true });
    const r = await checkPage(`${credServer.url}plain-worker/`, { isolated: true, inWorker: true });
    assert.ok(r.workerTasks > 0);
  });

  test(`a page with a strict CSP (${CSP}) uses the CSP-safe glue`, T, async () => {
    write(project, {
      'csp/index.html': page('./app.js'),
      'csp/app.js': BROWSER_APP.replace("from 'softmax-wasm'", "from '/node_modules/softmax-wasm/bindings/browser.js'"),
    });
    quickstartIn('csp');
    const before = cspServer.requests.length;
    const r = await checkPage(`${cspServer.url}csp/`, { csp: true });
    // The one-time new Function probe is refused: one violation report, nothing else.
    assert.deepEqual(r.violations, ['script-src eval']);
    const fetched = cspServer.requests.slice(before);
    assert.ok(
      fetched.includes('/node_modules/softmax-wasm/dist/softmax-simd-csp.mjs'),
      `the CSP-safe glue: ${fetched}`,
    );
    assert.ok(!fetched.includes('/node_modules/softmax-wasm/dist/softmax-simd.mjs'), 'not the eval one');
  });
  test(
    'an isolated page whose CSP forbids blob: workers: one thread, the same results, one console.warn',
    T,
    async () => {
      // The csp/ page of the test above, now with COOP/COEP: the threaded build (its CSP-safe glue)
      // is loaded, the Blob-URL worker is refused on the first big call, the instance goes on alone.
      const before = isoCspServer.requests.length;
      const r = await checkPage(`${isoCspServer.url}csp/`, {
        csp: true,
        isolated: true,
        threads: 1,
        allow: [/Creating a worker from 'blob:.*violates the following Content Security Policy directive/],
      });
      const fetched = isoCspServer.requests.slice(before);
      assert.ok(fetched.includes('/node_modules/softmax-wasm/dist/softmax-threads-csp.mjs'), `${fetched}`);
      assert.deepEqual(r.violations.map((v) => v.split(' ')[0]).sort(), ['script-src', 'worker-src']);
      const warned = r.warnings.filter((w) => /softmax-wasm/.test(w));
      assert.equal(warned.length, 1, warned.join('\n'));
      assert.match(warned[0], /cannot start a worker thread.*worker-src blob:.*sm\.threads === 1/);
    },
  );
  // The module worker of plain-worker/ with the strict CSP on its page and its script (a worker's
  // own response sets its policy): the nested Blob-URL worker is refused.
  let workerCsp;
  test(
    'a module worker whose CSP forbids blob: workers: one thread, the same results, one console.warn',
    T,
    async () => {
      workerCsp = await checkPage(`${isoCspServer.url}plain-worker/`, {
        csp: true,
        isolated: true,
        inWorker: true,
        threads: 1,
      });
      assert.equal(workerCsp.workerTasks, 0);
      const warned = workerCsp.warnings.filter((w) => /softmax-wasm/.test(w));
      assert.equal(warned.length, 1, warned.join('\n'));
      assert.match(warned[0], /cannot start a worker thread.*sm\.threads === 1/);
    },
  );

  test("that worker's console.warn says what to allow (worker-src blob:), as the page's does", () => {
    assert.ok(workerCsp, 'the test above ran');
    const warned = workerCsp.warnings.filter((w) => /softmax-wasm/.test(w));
    assert.match(warned[0] ?? '', /worker-src blob:/);
  });
});

describe('bundlers for the browser (Chromium)', () => {
  // gzip -9 of the esbuild ESM bundles, for the size of embedding (reported by the embedded case).
  const esmBundleGzip = {};
  const gzipOf = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

  test('esbuild --bundle --format=esm, the .wasm files copied next to the bundle', T, async () => {
    const { build } = await import('esbuild');
    write(project, { 'esbuild-esm/app.js': BROWSER_APP, 'esbuild-esm/out/index.html': page('./app.js') });
    quickstartIn('esbuild-esm');
    const out = path.join(project, 'esbuild-esm/out');
    const result = await build({
      entryPoints: [path.join(project, 'esbuild-esm/app.js')],
      bundle: true,
      format: 'esm',
      outdir: out,
      logLevel: 'silent',
      absWorkingDir: project,
    });
    assert.deepEqual(
      result.warnings.map((w) => w.text),
      [],
    );
    assertNoNodeCode(out);
    esmBundleGzip.copied = gzipOf(path.join(out, 'app.js'));
    copyWasm(out);
    await checkPage(`${server.url}esbuild-esm/out/`);
    await checkPage(`${isoServer.url}esbuild-esm/out/`, { isolated: true });
  });

  test('esbuild --bundle --format=esm, softmax-wasm/embedded: nothing copied, no .wasm fetched', T, async (t) => {
    const { build } = await import('esbuild');
    write(project, { 'esbuild-embedded/app.js': EMBEDDED_APP, 'esbuild-embedded/out/index.html': page('./app.js') });
    quickstartIn('esbuild-embedded');
    const out = path.join(project, 'esbuild-embedded/out');
    const result = await build({
      entryPoints: [path.join(project, 'esbuild-embedded/app.js')],
      bundle: true,
      format: 'esm',
      outdir: out,
      logLevel: 'silent',
      absWorkingDir: project,
    });
    assert.deepEqual(
      result.warnings.map((w) => w.text),
      [],
    );
    assertNoNodeCode(out);
    assert.deepEqual(listFiles(out), ['app.js', 'index.html'], 'one bundle, no asset');
    const before = server.requests.length;
    await checkPage(`${server.url}esbuild-embedded/out/`);
    assert.deepEqual(server.requests.slice(before), ['/esbuild-embedded/out/', '/esbuild-embedded/out/app.js']);
    // The price of embedding, in gzip -9 bytes: this bundle against the copied-.wasm bundle plus
    // the .wasm files (both builds: SIMD support is only known at run time, so both are embedded).
    const embedded = gzipOf(path.join(out, 'app.js'));
    const wasm = ['softmax-simd.wasm', 'softmax-scalar.wasm'].map((f) => gzipOf(dist(f)));
    if (esmBundleGzip.copied) {
      const more = embedded - esmBundleGzip.copied;
      t.diagnostic(
        `gzip: embedded bundle ${embedded} B, copied-.wasm bundle ${esmBundleGzip.copied} B (+${more} B = ` +
          `${(more / 1024).toFixed(0)} KiB); the .wasm files ${wasm.join(' B + ')} B = ${wasm[0] + wasm[1]} B; ` +
          `a SIMD engine downloads ${embedded - esmBundleGzip.copied - wasm[0]} B more than bundle + SIMD .wasm`,
      );
    }
  });

  test(
    'esbuild --bundle (default IIFE format), softmax-wasm/embedded: a classic script, nothing copied',
    T,
    async () => {
      const { build } = await import('esbuild');
      write(project, {
        'esbuild-iife/app.js': EMBEDDED_APP,
        'esbuild-iife/out/index.html': page('./app.js', { module: false }),
      });
      quickstartIn('esbuild-iife');
      const out = path.join(project, 'esbuild-iife/out');
      const result = await build({
        entryPoints: [path.join(project, 'esbuild-iife/app.js')],
        bundle: true,
        outdir: out,
        logLevel: 'silent',
        absWorkingDir: project,
      });
      // esbuild says import.meta is empty in an IIFE: the one warning, and why the entry falls back
      // to the script's URL there.
      assert.deepEqual(
        [...new Set(result.warnings.map((w) => w.id))].filter((id) => id !== 'empty-import-meta'),
        [],
      );
      assertNoNodeCode(out);
      assert.deepEqual(listFiles(out), ['app.js', 'index.html'], 'one bundle, no asset');
      await checkPage(`${server.url}esbuild-iife/out/`);
    },
  );

  test(
    "esbuild --bundle, require('softmax-wasm/embedded') (its require condition) in a classic script",
    T,
    async () => {
      const { build } = await import('esbuild');
      write(project, {
        'esbuild-require/app.js': `const { load } = require('softmax-wasm/embedded');
const { quickStart } = require('./quickstart.cjs');
${EMBEDDED_APP.split('\n')
  .filter((l) => !/^import /.test(l))
  .join('\n')}`,
        'esbuild-require/quickstart.cjs': QUICK_START_FUNCTION.replace(
          'export async function quickStart',
          'exports.quickStart = async function quickStart',
        ),
        'esbuild-require/out/index.html': page('./app.js', { module: false }),
      });
      const out = path.join(project, 'esbuild-require/out');
      const result = await build({
        entryPoints: [path.join(project, 'esbuild-require/app.js')],
        bundle: true,
        outdir: out,
        logLevel: 'silent',
        absWorkingDir: project,
        metafile: true,
      });
      assert.deepEqual(
        result.warnings.map((w) => w.text),
        [],
      );
      const inputs = Object.keys(result.metafile.inputs);
      assert.ok(
        inputs.some((i) => i.endsWith('softmax-wasm/dist/embedded.cjs')),
        `the require condition was used: ${inputs}`,
      );
      assertNoNodeCode(out);
      assert.deepEqual(listFiles(out), ['app.js', 'index.html'], 'one bundle, no asset');
      const before = server.requests.length;
      await checkPage(`${server.url}esbuild-require/out/`);
      assert.deepEqual(server.requests.slice(before), ['/esbuild-require/out/', '/esbuild-require/out/app.js']);
    },
  );

  test('esbuild without the .wasm copied: the error names the URL it tried', T, async () => {
    const { build } = await import('esbuild');
    write(project, { 'esbuild-missing/app.js': BROWSER_APP, 'esbuild-missing/out/index.html': page('./app.js') });
    quickstartIn('esbuild-missing');
    const out = path.join(project, 'esbuild-missing/out');
    await build({
      entryPoints: [path.join(project, 'esbuild-missing/app.js')],
      bundle: true,
      format: 'esm',
      outdir: out,
      logLevel: 'silent',
      absWorkingDir: project,
    });
    const r = await runPage(browser, `${server.url}esbuild-missing/out/`);
    assert.match(r.error ?? '', new RegExp(`${server.url}esbuild-missing/out/softmax-simd\\.wasm: HTTP 404`));
  });

  /**
   * What `npx webpack` in project/dir does: entry ./src/index.js, output ./dist (made explicit, as
   * webpack's default output path is relative to the process's working directory). No errors, and
   * no warnings but webpack's generic size hints (its default limit is 244 KiB; the .wasm files
   * are above it). Returns the output folder.
   */
  async function webpackBuild(dir) {
    const { default: webpack } = await import('webpack');
    const out = path.join(project, dir, 'dist');
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode: 'production', context: path.join(project, dir), output: { path: out } }, (err, s) =>
        err ? reject(err) : resolve(s),
      ),
    );
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    assert.deepEqual(
      info.errors.map((e) => e.message),
      [],
    );
    assert.deepEqual(
      info.warnings.map((w) => w.message).filter((m) => !/size limit|performance/i.test(m)),
      [],
    );
    return out;
  }

  test('webpack 5 (production, no config): the .wasm emitted once, no Node code', T, async (t) => {
    write(project, { 'webpack/src/index.js': BROWSER_APP, 'webpack/src/quickstart.js': QUICK_START_FUNCTION });
    const out = await webpackBuild('webpack');
    assert.equal(listFiles(out).filter((f) => f.endsWith('.wasm')).length, 3, listFiles(out).join());
    assertNoNodeCode(out);
    const sizes = listFiles(out)
      .filter((f) => /\.(wasm|js)$/.test(f))
      .map((f) => `${f} ${statSync(path.join(out, f)).size} B (gzip ${gzipOf(path.join(out, f))} B)`);
    t.diagnostic(`webpack output: ${sizes.join('; ')}`);
    write(project, { 'webpack/dist/index.html': page('./main.js', { module: false }) });
    // The default import stays small: without isolation the threaded build (webpack names it by
    // a hash: the emitted file with its bytes) is not fetched.
    const threadsWasm = readFileSync(dist('softmax-threads.wasm'));
    const emitted = listFiles(out).find(
      (f) => f.endsWith('.wasm') && readFileSync(path.join(out, f)).equals(threadsWasm),
    );
    assert.ok(emitted, 'webpack emitted softmax-threads.wasm');
    const before = server.requests.length;
    await checkPage(`${server.url}webpack/dist/`);
    const plain = server.requests.slice(before);
    assert.ok(!plain.includes(`/webpack/dist/${emitted}`), `not isolated, no threaded .wasm fetched: ${plain}`);
    const isoBefore = isoServer.requests.length;
    await checkPage(`${isoServer.url}webpack/dist/`, { isolated: true });
    const iso = isoServer.requests.slice(isoBefore);
    assert.ok(iso.includes(`/webpack/dist/${emitted}`), `isolated, the threaded build: ${iso}`);
  });

  test('webpack 5: a module worker (new Worker(new URL(...))) running threads, plain and isolated', T, async () => {
    write(project, {
      'webpack-worker/src/index.js': WORKER_PAGE_APP(
        "new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })",
      ),
      'webpack-worker/src/worker.js': WORKER_APP('softmax-wasm'),
      'webpack-worker/src/quickstart.js': QUICK_START_FUNCTION,
    });
    const out = await webpackBuild('webpack-worker');
    assertNoNodeCode(out);
    write(project, { 'webpack-worker/dist/index.html': page('./main.js', { module: false }) });
    await checkPage(`${server.url}webpack-worker/dist/`);
    await checkPage(`${isoServer.url}webpack-worker/dist/`, { isolated: true, inWorker: true });
  });

  test(
    'Rollup + @rollup/plugin-node-resolve, softmax-wasm/embedded: nothing copied, the scalar bytes not fetched',
    T,
    async (t) => {
      const { rollup } = await import('rollup');
      const { nodeResolve } = await import('@rollup/plugin-node-resolve');
      write(project, {
        'rollup/app.js': EMBEDDED_APP,
        'rollup/quickstart.js': QUICK_START_FUNCTION,
        'rollup/out/index.html': page('./app.js'),
      });
      const warnings = [];
      const bundle = await rollup({
        input: path.join(project, 'rollup/app.js'),
        plugins: [nodeResolve({ browser: true })],
        onwarn: (w) => warnings.push(w),
      });
      const out = path.join(project, 'rollup/out');
      await bundle.write({ dir: out, format: 'es' });
      await bundle.close();
      // Tolerated only while it exists: the import cycle validate.js <-> wasm-array.js (issue 9
      // removes it). Any other warning, another cycle included, fails.
      const knownCycle = (w) =>
        w.code === 'CIRCULAR_DEPENDENCY' && w.ids?.every((id) => /bindings\/(validate|wasm-array)\.js$/.test(id));
      assert.deepEqual(
        warnings.filter((w) => !knownCycle(w)).map((w) => w.message),
        [],
      );
      assertNoNodeCode(out);
      const files = listFiles(out);
      assert.deepEqual(
        files.filter((f) => !f.endsWith('.js') && f !== 'index.html'),
        [],
        'no asset',
      );
      // Rollup splits each build's bytes into a chunk of its own, imported only when chosen.
      const chunk = (name) => files.filter((f) => f.startsWith(`softmax-${name}-embedded`));
      assert.equal(chunk('simd').length, 1, files.join());
      assert.equal(chunk('scalar').length, 1, files.join());
      const before = server.requests.length;
      await checkPage(`${server.url}rollup/out/`);
      const fetched = server.requests.slice(before);
      assert.ok(fetched.includes(`/rollup/out/${chunk('simd')[0]}`), fetched.join());
      assert.ok(!fetched.includes(`/rollup/out/${chunk('scalar')[0]}`), fetched.join());
      const simdChunk = gzipOf(path.join(out, chunk('simd')[0]));
      const simdWasm = gzipOf(dist('softmax-simd.wasm'));
      t.diagnostic(
        `gzip: Rollup's SIMD chunk ${simdChunk} B, the SIMD .wasm ${simdWasm} B (+${simdChunk - simdWasm} B); ` +
          `app.js ${gzipOf(path.join(out, 'app.js'))} B`,
      );
    },
  );

  describe('Vite', () => {
    const viteLogger = (messages) => ({
      info() {},
      clearScreen() {},
      hasErrorLogged: () => false,
      hasWarned: false,
      warn(m) {
        messages.push(m);
      },
      warnOnce(m) {
        messages.push(m);
      },
      error(m) {
        messages.push(`error: ${m}`);
      },
    });
    const APP = {
      'vite-app/index.html': `<!doctype html><meta charset="utf-8"><title>vite</title><link rel="icon" href="data:,"><script type="module" src="/src/app.js"></script>\n`,
      'vite-app/src/app.js': BROWSER_APP,
      'vite-app/src/quickstart.js': QUICK_START_FUNCTION,
    };

    test('vite build: no warnings, the .wasm emitted as an asset, no Node code', T, async () => {
      const { build } = await import('vite');
      write(project, APP);
      const messages = [];
      await build({
        root: path.join(project, 'vite-app'),
        logLevel: 'warn',
        customLogger: viteLogger(messages),
        configFile: false,
      });
      assert.deepEqual(messages, []);
      const out = path.join(project, 'vite-app/dist');
      assert.equal(listFiles(out).filter((f) => f.endsWith('.wasm')).length, 3, listFiles(out).join());
      assertNoNodeCode(out);
      // Served at the root, as Vite's default base '/' expects. The default import stays small:
      // without isolation the threaded build (its .wasm, its glue's chunk) is not fetched.
      const plain = (await checkServed(out)).requests;
      assert.ok(!plain.some((r) => /threads/.test(r)), `not isolated, nothing threaded fetched: ${plain}`);
      const iso = (await checkServed(out, { isolated: true })).requests;
      assert.ok(
        iso.some((r) => /softmax-threads.*\.wasm$/.test(r)),
        `isolated, the threaded build: ${iso}`,
      );
    });

    async function checkDev(root, { isolated = false, ...options } = {}) {
      const { createServer } = await import('vite');
      const messages = [];
      const dev = await createServer({
        root,
        logLevel: 'warn',
        customLogger: viteLogger(messages),
        configFile: false,
        server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, headers: isolated ? ISOLATION : {} },
        cacheDir: path.join(root, '.vite'),
      });
      try {
        await dev.listen();
        const { port } = dev.httpServer.address();
        await checkPage(`http://127.0.0.1:${port}/`, { isolated, ...options });
        assert.deepEqual(messages, []);
      } finally {
        await dev.close();
      }
    }

    test('vite dev server', T, async () => {
      write(project, APP);
      await checkDev(path.join(project, 'vite-app'));
    });

    test('a worker in vite build (default worker format: IIFE)', T, async () => {
      const { build } = await import('vite');
      write(project, {
        'vite-worker/index.html': `<!doctype html><meta charset="utf-8"><title>vite worker</title><link rel="icon" href="data:,"><script type="module" src="/src/main.js"></script>\n`,
        'vite-worker/src/main.js': WORKER_PAGE_APP(
          "new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })",
        ),
        'vite-worker/src/worker.js': WORKER_APP('softmax-wasm'),
        'vite-worker/src/quickstart.js': QUICK_START_FUNCTION,
      });
      const messages = [];
      await build({
        root: path.join(project, 'vite-worker'),
        logLevel: 'warn',
        customLogger: viteLogger(messages),
        configFile: false,
      });
      assert.deepEqual(messages, []);
      assertNoNodeCode(path.join(project, 'vite-worker/dist'));
      await checkServed(path.join(project, 'vite-worker/dist'));
      // Isolated: load() in the built worker starts its threads' workers, nested, from a Blob URL.
      await checkServed(path.join(project, 'vite-worker/dist'), { isolated: true, inWorker: true });
    });

    test('the same worker under the vite dev server', T, async () => {
      await checkDev(path.join(project, 'vite-worker')); // written by the test above
      await checkDev(path.join(project, 'vite-worker'), { isolated: true, inWorker: true });
    });
  });
});
