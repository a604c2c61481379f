// bench/loader.mjs — what loading and packaging cost (node --expose-gc bench/loader.mjs; needs npm run build):
//   1. load() times: the first load (read + compile + instantiate), a second load of the same build
//      (compiled module cached), and a load that compiles again (wasmBinary: no cache), interleaved.
//   2. The price of the CSP-safe glue: one small bound call (softmax of 1x8 float32 into `out`)
//      with the default glue, and in a process where new Function is refused
//      (--disallow-code-generation-from-strings), which makes load() pick the CSP-safe glue.
//   3. The shipped files, raw and gzip -9, next to the peers' .wasm and .js (from node_modules).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../bindings/index.js', import.meta.url).href;

if (process.argv[2] === '--calls') {
  // Child: the fastest of 25 rounds of 20,000 sm.softmax(x, { out }) on 8 float32 values, ns per call
  // (the minimum: the machine is shared, and noise only ever adds time).
  const { load } = await import(entry);
  const sm = await load();
  const x = new Float32Array([3.2, 2.5, 2.0, 1.3, 0.9, 0.2, -1, 0.5]);
  const out = new Float32Array(8);
  const rounds = [];
  for (let r = 0; r < 25; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) sm.softmax(x, { out });
    rounds.push(Number(process.hrtime.bigint() - t0) / 20_000);
  }
  rounds.sort((a, b) => a - b);
  console.log(rounds[0].toFixed(0));
  process.exit(0);
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

// 1. load() times.
{
  const { load } = await import(entry);
  const bytes = readFileSync(`${root}dist/softmax-simd.wasm`);
  let t = performance.now();
  await load();
  const first = performance.now() - t;
  const cached = [];
  const compiling = [];
  // Each load makes a new instance with its own memory; collect the old ones first (run with
  // --expose-gc) so a garbage collection does not land in whichever load comes next. Alternate
  // the order too.
  const gc = globalThis.gc ?? (() => {});
  for (let i = 0; i < 31; i++) {
    for (const kind of i % 2 ? ['cached', 'compiling'] : ['compiling', 'cached']) {
      gc();
      t = performance.now();
      await (kind === 'cached' ? load() : load({ wasmBinary: bytes }));
      (kind === 'cached' ? cached : compiling).push(performance.now() - t);
    }
  }
  const f = (v) => `median ${median(v).toFixed(2)} / min ${Math.min(...v).toFixed(2)} ms`;
  console.log(
    `load(), SIMD build: first ${first.toFixed(1)} ms; again with the cached module ${f(cached)}; ` +
      `again compiling the bytes (wasmBinary, as every load did before the cache) ${f(compiling)}`,
  );
}

// 2. Per-call cost of each glue, interleaved processes.
{
  const fast = [];
  const csp = [];
  for (let i = 0; i < 5; i++) {
    fast.push(
      Number(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--calls'], { encoding: 'utf8' })),
    );
    csp.push(
      Number(
        execFileSync(
          process.execPath,
          ['--disallow-code-generation-from-strings', fileURLToPath(import.meta.url), '--calls'],
          { encoding: 'utf8' },
        ),
      ),
    );
  }
  console.log(
    `softmax 1x8 float32 into out, ns per call (median over processes of each one's fastest round): default glue ${median(fast)}, ` +
      `CSP-safe glue ${median(csp)} (+${median(csp) - median(fast)} ns); runs ${fast.join('/')} vs ${csp.join('/')}`,
  );
}

// 3. Sizes.
{
  const size = (file) => {
    const bytes = readFileSync(file);
    return `${(bytes.length / 1024).toFixed(1)} kB raw, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} kB gzip`;
  };
  const ours = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  )[0];
  console.log(
    `softmax-wasm ${ours.version}: tarball ${(ours.size / 1024).toFixed(1)} kB, unpacked ${(ours.unpackedSize / 1024).toFixed(1)} kB`,
  );
  for (const f of ours.files.map((x) => x.path).sort()) console.log(`  ${f}: ${size(`${root}${f}`)}`);
  const peers = {
    '@tensorflow/tfjs-backend-wasm': [
      'dist/tfjs-backend-wasm-simd.wasm',
      'dist/tfjs-backend-wasm.wasm',
      'dist/tf-backend-wasm.min.js',
      'dist/tf-backend-wasm.node.js',
    ],
    'onnxruntime-web': [
      'dist/ort-wasm-simd-threaded.wasm',
      'dist/ort-wasm-simd-threaded.mjs',
      'dist/ort.wasm.min.mjs',
      'dist/ort.min.mjs',
    ],
  };
  for (const [name, files] of Object.entries(peers)) {
    const dir = `${root}node_modules/${name}/`;
    const { version } = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
    console.log(`${name} ${version}:`);
    for (const f of files) {
      try {
        statSync(`${dir}${f}`);
        console.log(`  ${f}: ${size(`${dir}${f}`)}`);
      } catch {
        console.log(`  ${f}: not in this version`);
      }
    }
  }
}
