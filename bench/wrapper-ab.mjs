#!/usr/bin/env node
// wrapper-ab.mjs — two copies of the JS wrapper (bindings/) side by side in one process, on the same
// .wasm: does the new one give the same bytes, and what does a call cost through each? For changes
// to the per-call path (validation, snapshot, copies, result allocation) that must change nothing else.
//
//   node bench/wrapper-ab.mjs BEFORE_DIR [--rounds=15] [--sample-ms=20] [--shapes=1x8,1024x1000]
//                             [--ops=softmax,logSoftmax,softmaxBackward] [--paths=inout,out,zero]
//
// BEFORE_DIR is a checkout-like folder holding bindings/ and dist/ (e.g. a copy of bindings/ from
// an older commit next to a symlink to this dist/); the new side is this checkout's bindings/.
// Each side runs in a child process of its own (two wrappers in one process would share the
// Embind glue's compiled code and so its call-site feedback, which slows both), loading the SIMD
// build with threads: 1. Each path is a public call as a user writes it:
//   inout  sm.op(float32Array, { shape, axis }) returning a new array
//   out    the same with a preallocated `out` Float32Array
//   zero   WasmArrays in and out (sm.alloc)
// Rounds alternate the two sides (and the order within a round); each sample is the child's CPU
// time (process.cpuUsage, so page faults and V8's helper threads count) over enough calls for
// --sample-ms. Prints per op, shape and path the median µs per call of each side, and the median
// over rounds of the per-round ratio after / before.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { makeLogits } from './lib/data.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const ROUNDS = Number(opt('rounds', 15));
const SAMPLE_MS = Number(opt('sample-ms', 20));
const SHAPES = opt('shapes', '1x8,1024x1000').split(',');
const OPS = opt('ops', 'softmax,logSoftmax').split(',');
const PATHS = opt('paths', 'inout,out,zero').split(',');
const HERE = fileURLToPath(import.meta.url);

function prepare(sm, op, shape, pathName) {
  const [rows, cols] = shape.split('x').map(Number);
  const n = rows * cols;
  const x = makeLogits(n, 'realistic');
  const options = { shape: [rows, cols], axis: 1 };
  // The backward ops take (dy, y): x serves as both.
  const two = op.endsWith('Backward');
  const call = two ? (a, o) => sm[op](a, a, o) : (a, o) => sm[op](a, o);
  if (pathName === 'inout') return { run: () => call(x, options) };
  if (pathName === 'out') {
    const o = { ...options, out: new Float32Array(n) };
    return { run: () => call(x, o) };
  }
  const wx = sm.alloc(n);
  wx.array.set(x);
  const o = { ...options, out: sm.alloc(n) };
  return { run: () => call(wx, o) };
}

function sampler(run) {
  const loop = new Function('run', 'n', 'for (let i = 0; i < n; i++) run();');
  return (iterations) => {
    const c0 = process.cpuUsage();
    loop(run, iterations);
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) * 1000) / iterations;
  };
}

// ---- a child: one wrapper, answering { key, iterations } with ns per call ----------------
const side = opt('side', undefined);
if (side !== undefined) {
  const { load } = await import(pathToFileURL(path.join(side, 'bindings/index.js')).href);
  const sm = await load({ simd: true, threads: 1 });
  const cases = new Map();
  process.on('message', (m) => {
    if (m.prepare) {
      const { op, shape, path: p } = m.prepare;
      const c = prepare(sm, op, shape, p);
      c.time = sampler(c.run);
      cases.set(m.key, c);
      const r = c.run();
      process.send({ key: m.key, bytes: Array.from(new Uint32Array(Float32Array.from(r.array ?? r).buffer)) });
    } else if (m.iterations) {
      process.send({ key: m.key, ns: cases.get(m.key).time(m.iterations) });
    } else if (m.exit) process.exit(0);
  });
  process.send({ ready: true });
} else {
  const dirs = args.filter((a) => !a.startsWith('--'));
  if (dirs.length !== 1) {
    console.error('usage: node bench/wrapper-ab.mjs BEFORE_DIR [--rounds=N] [--sample-ms=N] [--shapes=..] [--ops=..]');
    process.exit(2);
  }
  const spawnSide = (dir) =>
    new Promise((resolve) => {
      const child = fork(HERE, [`--side=${dir}`]);
      const waiting = [];
      child.on('message', (m) => (m.ready ? resolve(ask) : waiting.shift()(m)));
      const ask = (m) =>
        new Promise((r) => {
          waiting.push(r);
          child.send(m);
        });
      ask.child = child;
    });
  const sides = [
    await spawnSide(path.resolve(dirs[0])),
    await spawnSide(fileURLToPath(new URL('..', import.meta.url))),
  ];
  const median = (v) => {
    const s = [...v].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  console.log('| op | shape | path | before µs | after µs | after ÷ before (per-round median) |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  for (const op of OPS) {
    for (const shape of SHAPES) {
      for (const p of PATHS) {
        const key = `${op} ${shape} ${p}`;
        const outs = await Promise.all(sides.map((ask) => ask({ key, prepare: { op, shape, path: p } })));
        if (outs[0].bytes.join() !== outs[1].bytes.join())
          throw new Error(`${key}: the two wrappers give different bytes`);
        // Warm up (JIT) and calibrate on the slower side.
        for (let k = 0; k < 30; k++) for (const ask of sides) await ask({ key, iterations: 64 });
        let est = 0;
        for (const ask of sides) est = Math.max(est, (await ask({ key, iterations: 512 })).ns);
        const iterations = Math.max(1, Math.round((SAMPLE_MS * 1e6) / est));
        const times = [[], []];
        for (let r = 0; r < ROUNDS; r++) {
          for (const k of r % 2 ? [1, 0] : [0, 1]) times[k].push((await sides[k]({ key, iterations })).ns);
        }
        const ratio = median(times[1].map((t, r) => t / times[0][r]));
        const us = (v) => (median(v) / 1000).toPrecision(3);
        console.log(`| ${op} | ${shape} | ${p} | ${us(times[0])} | ${us(times[1])} | ${ratio.toFixed(3)} |`);
      }
    }
  }
  for (const ask of sides) ask.child.send({ exit: true });
}
