// load(): the compiled module is cached per build, wasmBinary takes any BufferSource and nothing
// else, locateFile errors name the path, and where new Function is refused the CSP-safe glue runs.
// (The package as consumers install it: tests/consumers/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ENTRY, loadModule } from './helpers.mjs';

// Count compilations: wrap before anything is loaded (each test file is its own process).
let compiles = 0;
const realCompile = WebAssembly.compile;
WebAssembly.compile = function (...args) {
  compiles++;
  return realCompile.apply(this, args);
};
const { load, simdSupported, SoftmaxWasm } = await loadModule(); // the package, as a consumer imports it

const run = promisify(execFile);
const entry = ENTRY;
const SIMD = readFileSync(new URL('../dist/softmax-simd.wasm', import.meta.url));
const SCALAR = readFileSync(new URL('../dist/softmax-scalar.wasm', import.meta.url));
const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 1e-12);
const P123 = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];

test('a second load() of a build compiles nothing; the instances are separate', async (t) => {
  const t0 = performance.now();
  const a = await load();
  const t1 = performance.now();
  const b = await load();
  const t2 = performance.now();
  // A threaded instance (Node's default 'auto' on more than one core) also loads the
  // single-thread SIMD build, for the calls it does not share.
  const builds = a.threads > 1 ? 2 : 1;
  assert.equal(compiles, builds, 'the first load compiles each .wasm once');
  assert.notEqual(a, b);
  assert.ok(a instanceof SoftmaxWasm && b instanceof SoftmaxWasm);
  const x = a.alloc(3, 'float64');
  x.array.set([1, 2, 3]);
  assert.ok(near(Array.from(b.softmax([1, 2, 3])), P123), 'b works while a holds memory');
  x.free();
  await load({ simd: false });
  assert.equal(compiles, builds + 1, 'the scalar build is compiled once too');
  await load({ simd: false });
  await load({ threads: 1 });
  assert.equal(compiles, builds + (builds === 2 ? 1 : 2), 'nor the SIMD build a threaded instance loaded');
  t.diagnostic(`first load ${(t1 - t0).toFixed(1)} ms, second ${(t2 - t1).toFixed(1)} ms`);
});

test('wasmBinary: any ArrayBuffer, SharedArrayBuffer, typed array or DataView of the .wasm', async () => {
  const padded = new Uint8Array(SIMD.length + 16);
  padded.set(SIMD, 7);
  const shared = new SharedArrayBuffer(SIMD.length);
  new Uint8Array(shared).set(SIMD);
  const forms = {
    ArrayBuffer: SIMD.buffer.slice(SIMD.byteOffset, SIMD.byteOffset + SIMD.length),
    Uint8Array: new Uint8Array(SIMD),
    'Uint8Array at an offset': padded.subarray(7, 7 + SIMD.length),
    DataView: new DataView(padded.buffer, 7, SIMD.length),
    'Node Buffer': SIMD,
    SharedArrayBuffer: shared,
  };
  for (const [name, wasmBinary] of Object.entries(forms)) {
    const sm = await load({ simd: true, wasmBinary });
    assert.equal(sm.backend, 'wasm-simd128', name);
    assert.ok(near(Array.from(sm.softmax([1, 2, 3])), P123), name);
  }
});

test("wasmBinary is copied at the call: changing the caller's bytes afterwards changes nothing", async () => {
  const bytes = new Uint8Array(SCALAR);
  const pending = load({ simd: false, wasmBinary: bytes });
  bytes.fill(0);
  assert.equal((await pending).backend, 'wasm-scalar');
});

test('wasmBinary of the wrong kind is a TypeError naming it; wrong bytes are a RangeError saying why', async () => {
  const typeErrors = ['wasm', 42, [0, 97, 115, 109], { byteLength: 8 }, new Proxy(new Uint8Array(SIMD), {}), null];
  for (const [i, wasmBinary] of typeErrors.entries()) {
    await assert.rejects(
      load({ wasmBinary }),
      (e) => e instanceof TypeError && /wasmBinary must be an ArrayBuffer, a typed array or a DataView/.test(e.message),
      `case ${i}`,
    );
  }
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  await assert.rejects(
    load({ wasmBinary: detached }),
    (e) => e instanceof RangeError && /empty \(or its buffer was detached\)/.test(e.message),
  );
  await assert.rejects(load({ wasmBinary: new Uint8Array(0) }), RangeError);
  await assert.rejects(
    load({ wasmBinary: new TextEncoder().encode('<!doctype html>') }),
    (e) =>
      e instanceof RangeError && /wasmBinary is not a WebAssembly module .*starts with 3c 21 64 6f/.test(e.message),
  );
  // A real module, but not this package's: the probe of simdSupported(), a module with no imports.
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 11]);
  await assert.rejects(
    load({ wasmBinary: probe }),
    (e) => e instanceof RangeError && /does not fit the glue/.test(e.message),
  );
  // The other build's bytes.
  await assert.rejects(
    load({ simd: true, wasmBinary: SCALAR }),
    (e) => e instanceof RangeError && /not the simd build/.test(e.message),
  );
  // And the loader still works.
  assert.equal((await load()).backend, 'wasm-simd128');
});

test('options: own properties only, unknown keys and wrong types are TypeErrors', async () => {
  assert.equal((await load(Object.create({ simd: false }))).backend, 'wasm-simd128', 'an inherited simd is ignored');
  await assert.rejects(load({ simd: 1 }), TypeError);
  await assert.rejects(load({ smid: true }), /unknown option "smid"/);
  await assert.rejects(load({ locateFile: 'dist/' }), /locateFile must be a function/);
  await assert.rejects(
    load({ locateFile: () => 42 }),
    (e) => e instanceof TypeError && /must return a URL or a path, got 42/.test(e.message),
  );
  await assert.rejects(load({ locateFile: (f) => f, wasmBinary: SIMD }), /not both/);
  await assert.rejects(load('simd'), TypeError);
  assert.equal(typeof simdSupported(), 'boolean');
});

test('locateFile in Node: a path, a file: URL string or a URL object; a missing file names its path', async () => {
  const dir = fileURLToPath(new URL('../dist/', import.meta.url));
  const seen = [];
  assert.equal(
    (
      await load({
        locateFile: (f, d) => {
          seen.push(f, d);
          return d + f;
        },
      })
    ).backend,
    'wasm-simd128',
  );
  // 'auto' threads: the threaded build wherever Node reports more than one core, and beside it
  // the single-thread SIMD build for the calls it does not share.
  assert.deepEqual(
    seen,
    (await load()).threads > 1 ? ['softmax-threads.wasm', dir, 'softmax-simd.wasm', dir] : ['softmax-simd.wasm', dir],
  );
  assert.equal(
    (await load({ simd: false, locateFile: (f) => new URL(`../dist/${f}`, import.meta.url).href })).backend,
    'wasm-scalar',
  );
  assert.equal((await load({ locateFile: (f) => new URL(`../dist/${f}`, import.meta.url) })).backend, 'wasm-simd128');
  await assert.rejects(load({ threads: 1, locateFile: (f) => `/nowhere/${f}` }), (e) =>
    /locateFile\("softmax-simd.wasm"\) returned "\/nowhere\/softmax-simd.wasm": cannot read \/nowhere\/softmax-simd.wasm \(ENOENT\)/.test(
      e.message,
    ),
  );
});

test('a threaded load() whose locateFile has no single-thread build still works, on the threaded build alone', async () => {
  const sm = await load({
    threads: 2,
    locateFile: (f, d) => (f === 'softmax-threads.wasm' ? d + f : `/nowhere/${f}`),
  });
  assert.equal(sm.threads, 2);
  const x = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i));
  const want = (await load({ threads: 1 })).softmax(x, { shape: [30, 100] });
  assert.deepEqual(sm.softmax(x, { shape: [30, 100] }), want);
  sm.dispose();
});

test('where new Function is refused (node --disallow-code-generation-from-strings), load() uses the CSP-safe glue', async () => {
  const script = `
    let refused = false;
    try { new Function('return 1'); } catch { refused = true; }
    const { load } = await import(${JSON.stringify(entry)});
    const out = [];
    for (const simd of [true, false]) {
      const sm = await load({ simd });
      out.push(sm.backend, Array.from(sm.softmax([1, 2, 3])));
    }
    console.log(JSON.stringify({ refused, out }));`;
  const { stdout } = await run(process.execPath, [
    '--disallow-code-generation-from-strings',
    '--input-type=module',
    '-e',
    script,
  ]);
  const { refused, out } = JSON.parse(stdout);
  assert.equal(refused, true, 'the flag refuses new Function');
  assert.equal(out[0], 'wasm-simd128');
  assert.ok(near(out[1], P123));
  assert.equal(out[2], 'wasm-scalar');
  assert.ok(near(out[3], P123));
});

test('the CommonJS entry (dist/index.cjs) exports what the ES module does', async () => {
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)('../dist/index.cjs');
  assert.deepEqual(Object.keys(cjs).sort(), ['SoftmaxWasm', 'load', 'simdSupported']);
  const sm = await cjs.load({ simd: false });
  assert.ok(sm instanceof cjs.SoftmaxWasm);
  assert.ok(near(Array.from(sm.softmax([1, 2, 3])), P123));
});

test('Node never fetches: load() and locateFile read files with fs', async () => {
  const fetch = globalThis.fetch;
  globalThis.fetch = () => {
    throw new Error('fetch was called');
  };
  try {
    const dir = fileURLToPath(new URL('../dist/', import.meta.url));
    // A path not seen before, so nothing comes from the cache.
    const sm = await load({ simd: false, locateFile: (f) => `${dir}./${f}` });
    assert.equal(sm.backend, 'wasm-scalar');
  } finally {
    globalThis.fetch = fetch;
  }
});

test('softmax-wasm/embedded: the .wasm from the JS, only the chosen build decoded, compiled once, no fetch', async () => {
  const embedded = await import(import.meta.resolve('softmax-wasm/embedded'));
  for (const [file, wasm] of [
    ['softmax-simd', SIMD],
    ['softmax-scalar', SCALAR],
  ]) {
    const { default: base64 } = await import(`../dist/${file}-embedded.mjs`);
    assert.ok(Buffer.from(base64, 'base64').equals(wasm), `dist/${file}-embedded.mjs holds dist/${file}.wasm`);
  }
  const realAtob = globalThis.atob;
  const realFetch = globalThis.fetch;
  const decoded = [];
  globalThis.atob = (s) => {
    decoded.push(s.length);
    return realAtob(s);
  };
  globalThis.fetch = () => {
    throw new Error('fetch was called');
  };
  try {
    const before = compiles;
    const a = await embedded.load();
    const b = await embedded.load();
    assert.equal(a.backend, 'wasm-simd128');
    assert.ok(b instanceof embedded.SoftmaxWasm && b instanceof SoftmaxWasm, 'the same class as the main entry');
    assert.ok(near(Array.from(b.softmax([1, 2, 3])), P123));
    assert.deepEqual(
      decoded,
      [Math.ceil(SIMD.length / 3) * 4],
      'the SIMD build decoded once, the scalar one not at all',
    );
    assert.equal(compiles, before + 1, 'compiled once');
    const s = await embedded.load({ simd: false });
    assert.equal(s.backend, 'wasm-scalar');
    assert.ok(near(Array.from(s.softmax([1, 2, 3])), P123));
    assert.equal(decoded.length, 2);
    assert.equal((await embedded.load({ wasmBinary: SCALAR, simd: false })).backend, 'wasm-scalar');
  } finally {
    globalThis.atob = realAtob;
    globalThis.fetch = realFetch;
  }
  await assert.rejects(
    embedded.load({ locateFile: (f) => f }),
    (e) => e instanceof TypeError && /locateFile has no use in softmax-wasm\/embedded/.test(e.message),
  );
  await assert.rejects(embedded.load({ smid: true }), /unknown option "smid"/);
  await assert.rejects(embedded.load({ simd: 'yes' }), TypeError);
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)('softmax-wasm/embedded');
  assert.deepEqual(Object.keys(cjs).sort(), ['SoftmaxWasm', 'load', 'simdSupported']);
  assert.ok(near(Array.from((await cjs.load({ simd: false })).softmax([1, 2, 3])), P123));
});
