#!/usr/bin/env node
// typed-micro.mjs — the pieces of a typed-array call, timed separately (issue 12's typed in/out target).
//
//   node bench/typed-micro.mjs [--shapes=32x50257,1024x1000,3072x256,65536x10,1x8] [--rounds=11] [--sample-ms=20]
//
// Each variant is timed on the same wasm heap (the raw SIMD module) in interleaved rounds, as
// bench/lib/timing.mjs does: CPU time of the process (user + system, so page faults and V8's
// helper threads count) and wall time, ns per call, median of the rounds. Ratios within one run
// are what matter on this shared machine. The variants:
//   fresh result array (N float32 out of the heap):
//     slice        HEAPF32.slice(s, s + n)                        (TypedArray.prototype.slice)
//     new+set      new Float32Array(n).set(HEAPF32.subarray(...))
//     ctor         new Float32Array(HEAPF32.subarray(...))        (the constructor's copy)
//     ab.slice     new Float32Array(buffer.slice(b, b + 4n))      (ArrayBuffer.prototype.slice)
//     u8.slice     new Float32Array(HEAPU8.slice(b, b + 4n).buffer) (tfjs-backend-wasm's readSync)
//   copy in (a caller's Float32Array into the heap):
//     view.set     new Float32Array(buffer, p, n).set(x)          (the wrapper before this round)
//     heap.set     HEAPF32.set(x, p / 4)
//     u8.set       HEAPU8.set(new Uint8Array(x.buffer, ...), p)
//     loop         for (i < n) heap[q + i] = x[i]
//   copy out into a caller's existing array:  out.set(HEAPF32.subarray(...))
//   heap views:  M.HEAPF32 read per call (a property of the glue's module object)
//   calls:       the Embind softmax_f32 on pointers, against the plain wasm export it wraps
import { readFile } from 'node:fs/promises';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const SHAPES = (args.shapes ?? '32x50257,1024x1000,3072x256,65536x10,1x8')
  .split(',')
  .map((t) => t.split('x').map(Number));
const ROUNDS = Number(args.rounds ?? 11);
const SAMPLE_MS = Number(args['sample-ms'] ?? 20);

const { default: factory } = await import('../dist/softmax-simd.mjs');
const wasmBinary = await readFile(new URL('../dist/softmax-simd.wasm', import.meta.url));
const M = await factory({ wasmBinary });

function timeOne(run, iterations) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  const wall = Number(process.hrtime.bigint() - t0) / iterations;
  const c = process.cpuUsage(c0);
  return { wall, cpu: ((c.user + c.system) * 1000) / iterations };
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function bench(name, variants) {
  const plan = Object.entries(variants).map(([id, run]) => {
    // A fresh function per variant so that each loop's call site sees one callee.
    const loop = new Function('run', 'n', `for (let i = 0; i < n; i++) run(); // ${name} ${id}`);
    const timed = (iterations) => {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      loop(run, iterations);
      const wall = Number(process.hrtime.bigint() - t0) / iterations;
      const c = process.cpuUsage(c0);
      return { wall, cpu: ((c.user + c.system) * 1000) / iterations };
    };
    let iterations = 1;
    for (let k = 0; k < 5; k++) timed(1);
    for (;;) {
      const t = timed(iterations);
      if (t.wall * iterations >= 2e6 || iterations >= 1 << 22) break;
      iterations *= 2;
    }
    const est = timed(iterations).cpu;
    return { id, timed, iterations: Math.max(1, Math.round((SAMPLE_MS * 1e6) / Math.max(est, 1))), cpu: [], wall: [] };
  });
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < plan.length; k++) {
      const e = plan[(k + r) % plan.length];
      const t = e.timed(e.iterations);
      e.cpu.push(t.cpu);
      e.wall.push(t.wall);
    }
  }
  const base = median(plan[0].cpu);
  console.log(`\n${name}`);
  console.log('| variant | cpu µs (median) | wall µs | ÷ first (cpu, per-round ratio median) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const e of plan) {
    const ratio = median(e.cpu.map((c, r) => c / plan[0].cpu[r]));
    console.log(
      `| ${e.id} | ${(median(e.cpu) / 1000).toPrecision(4)} | ${(median(e.wall) / 1000).toPrecision(4)} | ${ratio.toFixed(2)} |`,
    );
  }
  return base;
}

void timeOne;
for (const [rows, cols] of SHAPES) {
  const n = rows * cols;
  const bytes = n * 4;
  const p = M._malloc(bytes) >>> 0;
  const q = M._malloc(bytes) >>> 0;
  const s = p / 4;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i);
  const out = new Float32Array(n);
  M.HEAPF32.set(x, s);
  const H = M.HEAPF32;
  const U = M.HEAPU8;
  const buf = H.buffer;
  let sink = 0;
  bench(`fresh result array, n = ${n}`, {
    slice: () => {
      sink += H.slice(s, s + n).length;
    },
    'new+set': () => {
      const r = new Float32Array(n);
      r.set(H.subarray(s, s + n));
      sink += r.length;
    },
    ctor: () => {
      sink += new Float32Array(H.subarray(s, s + n)).length;
    },
    'ab.slice': () => {
      sink += new Float32Array(buf.slice(p, p + bytes)).length;
    },
    'u8.slice': () => {
      sink += new Float32Array(U.slice(p, p + bytes).buffer).length;
    },
  });
  bench(`copy in, n = ${n}`, {
    'view.set': () => new Float32Array(buf, q, n).set(x),
    'heap.set': () => H.set(x, q / 4),
    'u8.set': () => U.set(new Uint8Array(x.buffer, x.byteOffset, bytes), q),
    loop: () => {
      const o = q / 4;
      for (let i = 0; i < n; i++) H[o + i] = x[i];
    },
  });
  bench(`copy out into an existing array, and the kernel, n = ${n}`, {
    'out.set(subarray)': () => out.set(H.subarray(s, s + n)),
    'kernel (softmax_f32, in place)': () => M.softmax_f32(q, q, rows, cols, 1, 1),
  });
  if (sink < 0) console.log(sink);
  M._free(p);
  M._free(q);
}
