#!/usr/bin/env node
// run.mjs — `npm run bench`: softmax-wasm against its peers (a benchmark, not a test).
//
//   node bench/run.mjs                 the full run (every op on the realistic and uniform logits; 5 min on
//                                      2 cores per data set for the first four ops, about twice that for
//                                      all nine): writes bench/results/latest.json, bench/RESULTS.md and
//                                      bench/chart.svg (ns per element of the first data set, drawn by
//                                      lib/chart.mjs)
//   node bench/run.mjs --quick         two shapes (the Jacobians one), three rounds, short samples
//   node bench/run.mjs --ops=softmax,logSoftmax --shapes=1x8,1024x1000
//                                      (without --ops, every op of the op table; the Jacobians only on
//                                      1xN shapes with N <= 4096, default bench/lib/data.mjs)
//   --data=realistic,uniform (default): the logit data sets timed, in order (bench/lib/data.mjs
//            DATA_SETS: realistic, gpt2, uniform); the first one's cases are the ones the targets
//            judge. The softmax error table covers every data set (checked, not timed, where not listed).
//   options: --rounds=N (every case), --sample-ms=N, --clock=cpu|wall (default
//            cpu: see lib/timing.mjs), --no-native, --impls=id,id of ours-zero-copy,
//            ours-out, ours-kernel, memcpy, result-alloc, tfjs-wasm-kernel, tfjs-wasm-e2e,
//            tfjs-cpu-e2e, ort, naive-js, native-simde128, native-march
//   A quick or filtered run writes bench/results/partial.{json,md,svg} instead.
//   --from=bench/results/latest.json   times nothing: re-evaluates the targets and rewrites
//            RESULTS.md and chart.svg from that run's results (after a change to lib/report.mjs)
//   Needs the wasm build in dist/ (npm run build); builds bench/native itself.
//
// One Node process. For each op and shape: every implementation's output is
// checked against ours (a peer that disagrees is reported and not timed),
// then all of them are timed round by round, interleaved, and the medians
// are reported (lib/timing.mjs). The native C++ rows run as a child process
// per sample (lib/impls.mjs), inside the same rounds.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import {
  BENCH,
  DATA_NAMES,
  DATA_SETS,
  OPS,
  agrees,
  makeInputs,
  maxRelError,
  parseShape,
  reference,
  shapeNote,
  shapesFor,
} from './lib/data.mjs';
import { checksumAgrees, loadImplementations } from './lib/impls.mjs';
import {
  RATIO_BASE,
  breakdownTable,
  checkNotes,
  errorTable,
  evaluateTargets,
  opTable,
  stridedTable,
  targetsMarkdown,
} from './lib/report.mjs';
import { chartSvg } from './lib/chart.mjs';
import { timeInterleaved } from './lib/timing.mjs';
import { samplingSectionOf, withSection } from './sampling.mjs';
import { threadsSectionOf, withThreadsSection } from './threads-section.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));

function parseArgs(argv) {
  const o = { quick: false, native: true };
  for (const a of argv) {
    const [k, v] = a.split('=');
    if (k === '--quick') o.quick = true;
    else if (k === '--no-native') o.native = false;
    else if (k === '--ops') o.ops = v.split(',');
    else if (k === '--shapes') o.shapes = v.split(',');
    else if (k === '--impls') o.impls = v.split(',');
    else if (k === '--data') o.data = v.split(',');
    else if (k === '--from') o.from = v;
    else if (k === '--rounds') o.rounds = Number(v);
    else if (k === '--sample-ms') o.sampleMs = Number(v);
    else if (k === '--clock') {
      if (v !== 'cpu' && v !== 'wall') throw new Error(`--clock must be cpu or wall, got ${v}`);
      o.clock = v;
    } else if (k === '--help' || k === '-h') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      const end = lines.findIndex((l) => l.startsWith('// One Node process'));
      console.log(
        lines
          .slice(1, end - 1)
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n'),
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const op of o.ops ?? []) if (!OPS.includes(op)) throw new Error(`unknown op ${op}; ops: ${OPS.join(', ')}`);
  for (const op of OPS)
    if (!BENCH[op]) throw new Error(`op ${op} of the op table has no entry in bench/lib/data.mjs BENCH`);
  for (const s of o.shapes ?? []) parseShape(s); // any ROWSxCLASSES[xINNER][@AXIS] is accepted
  for (const d of o.data ?? [])
    if (!DATA_NAMES.includes(d)) throw new Error(`unknown data set ${d}; data sets: ${DATA_NAMES.join(', ')}`);
  o.partial = o.quick || !!(o.ops || o.shapes || o.impls || o.rounds || o.sampleMs || o.clock || o.data || !o.native);
  o.data ??= ['realistic', 'uniform'];
  o.clock ??= 'cpu';
  o.ops ??= OPS;
  // The shapes of each op (the Jacobians have their own; given --shapes, the ones that apply).
  o.shapesOf = (op) => {
    if (o.shapes) return shapesFor(op, o.shapes);
    if (o.quick) return BENCH[op].jacobian ? ['1x100'] : ['1024x1000', '1x8'];
    return shapesFor(op);
  };
  o.sampleMs ??= 10;
  // Rounds per case: fewer when one sample is long (big shapes with slow peers).
  o.roundsFor = o.rounds
    ? () => o.rounds
    : o.quick
      ? () => 3
      : (slowestMs) => (slowestMs <= 30 ? 21 : slowestMs <= 100 ? 15 : slowestMs <= 300 ? 9 : 5);
  return o;
}

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

async function runCase(op, shapeName, impls, sm, opts, data, { timeIt = true } = {}) {
  const shape = parseShape(shapeName);
  const inputs = makeInputs(shape, data);
  inputs.y = sm.softmax(inputs.x, { shape: shape.dims, axis: shape.axis });
  inputs.ly = sm.logSoftmax(inputs.x, { shape: shape.dims, axis: shape.axis });
  const rows = {};
  const prepared = [];
  const errors = {};
  // The float64 reference (tests/reference.mjs) that ours must match before anything is timed.
  const ref = reference(op, shape, inputs);
  let ours;
  for (const impl of impls) {
    let p;
    try {
      p = await impl.prepare(op, shape, inputs);
    } catch (e) {
      rows[impl.id] = { status: 'error', reason: `setup failed: ${e.message}` };
      continue;
    }
    if (p.skip) {
      rows[impl.id] = { status: p.inapplicable ? 'omitted' : 'skipped', reason: p.skip };
      continue;
    }
    if (!p.result) {
      // A bound (memcpy, result allocation), not an implementation of the op: nothing to check.
      rows[impl.id] = { status: 'timed' };
      prepared.push({ id: impl.id, prepared: p });
      continue;
    }
    try {
      const res = await p.result();
      if (impl.id === RATIO_BASE) {
        const check = agrees(res, ref);
        if (!check.ok)
          throw new Error(
            `${op} ${shapeName}: ours (${RATIO_BASE}) disagrees with the float64 reference: ${check.reason}`,
          );
        ours = res;
      } else {
        if (!ours) throw new Error(`${RATIO_BASE} must come first`);
        const check = res.checksum ? checksumAgrees(res, ours) : agrees(res, ours);
        rows[impl.id] = { check };
        if (!check.ok) {
          rows[impl.id] = { status: 'disagrees', reason: check.reason, check };
          p.dispose?.();
          continue;
        }
      }
      if (op === 'softmax' && res.out) errors[impl.id] = maxRelError(res.out, ref.out);
    } catch (e) {
      rows[impl.id] = { status: 'error', reason: e.message };
      p.dispose?.();
      continue;
    }
    rows[impl.id] = { ...rows[impl.id], status: 'timed' };
    prepared.push({ id: impl.id, prepared: p });
  }
  if (!ours) throw new Error(`${op} ${shapeName}: ours (${RATIO_BASE}) produced no result`);
  if (!timeIt) {
    for (const { prepared: p } of prepared) p.dispose?.();
    return { errors };
  }
  const timings = await timeInterleaved(prepared, {
    clock: opts.clock,
    sampleMs: opts.sampleMs,
    rounds: opts.roundsFor,
    // tfjs needs ~200 ms of calls before its 1x8 softmax settles at its
    // steady speed (55 µs per call at first, 3 µs after); every row gets the same.
    warmMs: opts.quick ? 100 : 300,
    log: (r, n) => process.stderr.write(`\r  ${op} ${shapeName} (${data}): round ${r}/${n}   `),
  });
  process.stderr.write('\n');
  for (const { id, prepared: p } of prepared) {
    p.dispose?.();
    const t = timings[id];
    rows[id].timing = t;
    rows[id].nsPerElement = t.median / shape.size;
    rows[id].usPerCall = t.median / 1000;
  }
  const base = rows[RATIO_BASE].timing.median;
  for (const row of Object.values(rows)) if (row.timing) row.ratioToOurs = row.timing.median / base;
  return { case: { op, shape: shapeName, data, size: shape.size, note: shapeNote(shapeName), rows }, errors };
}

function describeRows(facts) {
  return [
    `- **zero-copy**: inputs and output allocated in wasm memory with \`sm.alloc\`, so a call copies nothing${facts.ours.alloc ? '' : ' — not measured yet: this build has no `sm.alloc`'}.`,
    '- **typed array in, new array out**: the public API as in the README, `sm.softmax(x, { shape, axis })`; the wrapper copies x into wasm memory and the result out.',
    '- **`out` given**: the same with a preallocated `out` array (for crossEntropy and nllLoss, `grad: true` writes the gradient into it).',
    "- **internal kernel call**: the Embind function of `dist/softmax-simd.mjs` called on heap pointers, as the wrapper calls it, without its validation and copies (separate input and output buffers). Not public API: the difference to zero-copy is the wrapper's own per-call cost.",
    '- **wasm memcpy**: `HEAPU8.copyWithin` inside the wasm heap (a native memmove in V8) of the 8N bytes of y and dy that softmaxBackward reads, to a separate region (reads 8N, writes 8N bytes; softmaxBackward reads 8N and writes 4N).',
    "- **a new result array alone**: `new Float32Array(view)` of the N result floats in the wasm heap, i.e. allocating a fresh Float32Array and copying into it as ours does (no zero fill first; tfjs's `HEAPU8.slice` and onnxruntime-web's `new Float32Array(n)` + `set` zero-fill, then copy): the floor under every row that returns a new array (ours typed in/out, tfjs end to end, onnxruntime-web). When the array's pages are new to the process, most of it is page faults; the breakdown table counts them per call (a reused `out` avoids them).",
    "- **tfjs kernel only**: the input tensors exist before the clock starts; timed is the op inside `tf.tidy` (output disposed). **end to end**: `tf.tensor(typedArray)` → op → `dataSync()`. softmax/logSoftmax: `tf.softmax` / `tf.logSoftmax` (last axis only, so the strided case is transpose → op → transpose). softmaxBackward: tfjs's own Softmax gradient expression, `dy·y − sum(dy·y, axis)·y`, given y. logSoftmaxBackward: tfjs's own LogSoftmax gradient expression, `dy − sum(dy, axis)·exp(ly)`, given ly. logSumExp: `tf.logSumExp(x, axis)`. crossEntropy: `tf.oneHot(targets)` and `tf.valueAndGrad` of `tf.losses.softmaxCrossEntropy` (mean over samples), loss and gradient read back. tfjs has no Jacobian or NLL-loss op: those rows are left out.",
    '- **onnxruntime-web**: one `InferenceSession` per op and shape on a model the harness encodes itself (bench/lib/onnx.mjs): one Softmax / LogSoftmax node (opset 13, the axis as given); logSumExp as ReduceLogSumExp; softmaxBackward as Mul, ReduceSum, Sub, Mul; logSoftmaxBackward as ReduceSum, Exp, Mul, Sub; crossEntropy as SoftmaxCrossEntropyLoss (mean, int32 class indices) with the gradient (exp(log p) − OneHot(t)) / N; nllLoss as NegativeLogLikelihoodLoss (mean) with the gradient −OneHot(t) / N (one OneHot node). ONNX has no Jacobian operator: those rows are left out. Timed: `ort.Tensor` over the typed arrays → `await session.run()` → output `.data`.',
    '- **naive JS**: the textbook formula in JS numbers, Float32Array out: three passes per fibre (max, exp-sum, scale) for softmax, the same sums for the others; the Jacobians as diag(s) − s sᵀ and δ − s.',
    "- **native C++**: cpp/'s kernel sources compiled natively under Google Benchmark (bench/native/), same inputs, separate input and output buffers; one child process per sample with a fixed iteration count (Google Benchmark's cpu_time, or real_time with --clock=wall), taken inside the same rounds as the rest. Debian's libbenchmark warns that it was built as DEBUG; that is the library's loop bookkeeping, the kernels are built -O3.",
  ].join('\n');
}

function markdown(results, impls, opts) {
  const f = results.meta;
  const out = [];
  out.push('# softmax-wasm benchmark results', '');
  out.push(
    `Median of ${opts.quick ? '3' : '5–21'} interleaved rounds per case (fewer for the slowest cases), each sample about ${opts.sampleMs} ms of calls, timed by the ${opts.clock === 'cpu' ? "process's CPU time (user + system; wall-clock medians are in results/latest.json — on this shared machine they include waiting for other tenants' processes), but the threaded rows by the wall clock" : 'wall clock'}; before each sample the harness waits until the process's other threads (V8's concurrent GC, started by an earlier row's garbage) are idle, so no row is charged another's collection (lib/timing.mjs, settle); a row whose calls leave no garbage (zero-copy, \`out\` given, the internal kernel call, tfjs-wasm kernel only) also gets a full collection first when the row before it left garbage, and a sample of it during which V8's helper threads worked is taken again. Each cell: **ns per element**, **µs per call**, and the time as a multiple of **${impls.find((i) => i.id === RATIO_BASE).label}** (lower is faster). float32 data, one thread everywhere but the threaded rows.¹`,
    '',
  );
  out.push('Data sets (bench/lib/data.mjs, drawn bit for bit the same by the native program):', '');
  for (const d of DATA_NAMES)
    out.push(
      `- **${DATA_SETS[d].label}**: ${DATA_SETS[d].how}${opts.data.includes(d) ? '' : ' (errors only, not timed in this run)'}.`,
    );
  out.push('');
  for (const data of opts.data) {
    for (const op of opts.ops) {
      const t = opTable({ ...results, cases: results.byData[data].cases }, op, impls);
      if (!t) continue;
      out.push(`## ${op} — ${DATA_SETS[data].label}`, '', t, '');
    }
  }
  out.push(
    '## Targets',
    '',
    `On the ${DATA_SETS[opts.data[0]].label} data. Ratios are ours ÷ peer (time), each the median over the rounds of the ratio of the two rows' samples in that round (a slowdown of the machine that outlasts a round cancels; strided ÷ contiguous compares two cases, so there the ratio of the medians); PASS when every shape listed meets the bound.`,
    '',
    targetsMarkdown(results.targets),
    '',
  );
  for (const data of DATA_NAMES) {
    const errs = errorTable({ errors: results.byData[data].errors }, impls);
    if (!errs) continue;
    out.push(
      `## softmax float32 accuracy — ${DATA_SETS[data].label}`,
      '',
      'Max relative error against a float64 JS reference on the same float32 inputs, split as the contract is: outputs ≥ 1e-12 / outputs in [1e-30, 1e-12) (ours: ≤ 2e-6 / ≤ 5e-6; — where a shape has no output in the range).',
      '',
      errs,
      '',
    );
  }
  const breakdown = breakdownTable(results);
  if (breakdown) {
    out.push(
      `## Where the typed-array time goes — ${DATA_SETS[opts.data[0]].label}`,
      '',
      'µs per call (median) and share of the typed in/out call: the kernel (internal Embind call, no copies), the wrapper (zero-copy − kernel: validation and the JS driver), a new result array (allocation + copy out, the same for every peer that returns one), and copy in with whatever remains. Then the fastest peer end to end in the same rounds, and the minor page faults per call (median of the samples) of our typed call and of that peer, against the result\'s size in 4 KiB pages: each fault is a page of the new result array that is new to the process and zero-filled by the kernel. How many there are depends on when V8 collected earlier results and whether malloc kept their memory, so a row with fewer faults is not a cheaper API (bench/VARIANTS.md, "Typed arrays in and out"). Every row keeps its previous result alive while its next call runs, as onnxruntime-web\'s awaited calls always did (lib/timing.mjs): a loop that drops each result at once lets glibc trim the freed results at the heap top and fault them back (round 4).',
      '',
      breakdown,
      '',
    );
  }
  const strided = stridedTable(results);
  if (strided) out.push('## Strided axis vs contiguous, per element', '', strided, '');
  const notes = checkNotes(results, impls);
  out.push(
    '## Checks and rows not timed',
    '',
    'Before timing, every output was compared with ours (elements within 1e-3·|ours| + 1e-4·max|ours|, losses within 1e-4; native rows by checksum).',
    '',
  );
  out.push(notes || '- every implementation agreed with ours and was timed.', '');
  out.push('## What each row times', '', describeRows(f), '');
  const tf = f.tfjs.error
    ? `tfjs failed to load (${f.tfjs.error})`
    : `tfjs-backend-wasm ran ${f.tfjs.wasmFile} (SIMD: ${f.tfjs.simd}, threads: ${f.tfjs.multithread ? f.tfjs.threadsCount : 'none'})`;
  const ort = f.ort.error
    ? `onnxruntime-web failed to load (${f.ort.error})`
    : `onnxruntime-web ran ${f.ort.wasmFile} via ${f.ort.entry} with numThreads = ${f.ort.numThreads}`;
  const native = f.native.error
    ? `native rows not measured: ${f.native.error}`
    : `native: ${f.native.compiler}, Google Benchmark ${f.native.benchmarkLibrary ?? ''}`.trim();
  out.push(
    `¹ ${f.cpu} (${f.cores} cores), Node ${f.node}, ${f.date}; load average ${f.loadStart.map((l) => l.toFixed(2)).join(' ')} at the start and ${f.loadEnd.map((l) => l.toFixed(2)).join(' ')} at the end (a shared machine). ours: ${f.ours.backend}, kernels ${f.ours.kernels}. ${tf}. ${ort}. ${native}. Generated by \`${opts.command}\` in ${f.durationS.toFixed(0)} s.`,
    '',
  );
  return out.join('\n');
}

/** --from: the report of an earlier run, re-rendered (targets re-evaluated) without timing anything. */
function rerender(opts) {
  const results = JSON.parse(readFileSync(opts.from, 'utf8'));
  const kinds = results.meta.kinds ?? {};
  const impls = Object.entries(results.meta.labels)
    .map(([id, label]) => ({ id, label, kind: kinds[id] ?? (id.startsWith('ours-') ? 'ours' : 'peer') }))
    .sort((a, b) => order(a) - order(b));
  const o = { ...opts, ...results.options, command: results.meta.command ?? 'node bench/run.mjs' };
  o.ops = results.options.ops;
  results.targets = evaluateTargets(results);
  const md = markdown(results, impls, o);
  const mdPath = `${HERE}RESULTS.md`;
  writeFileSync(opts.from, `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(mdPath, keepOtherSections(mdPath, md));
  const svg = chartSvg(
    results.cases,
    results.meta.labels,
    `ns per element, ${DATA_SETS[results.options.data[0]].label} logits, float32, one thread (${f0(results.meta)})`,
  );
  if (svg) writeFileSync(`${HERE}chart.svg`, svg);
  log(`re-rendered ${mdPath} and bench/chart.svg from ${opts.from}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.from) return rerender(opts);
  opts.command = `node bench/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const started = Date.now();
  const loadStart = os.loadavg();
  if (!existsSync(new URL('../dist/softmax-simd.wasm', import.meta.url))) {
    throw new Error('dist/softmax-simd.wasm is missing: build the library first (npm run build)');
  }
  log('loading implementations (and building bench/native)...');
  let { impls, facts, sm } = await loadImplementations({ native: opts.native });
  if (opts.impls) impls = impls.filter((i) => i.id === RATIO_BASE || opts.impls.includes(i.id));
  // Ours first: the reference every other output is checked against.
  impls.sort((a, b) => (b.id === RATIO_BASE) - (a.id === RATIO_BASE));
  const results = {
    meta: facts,
    options: {
      ops: opts.ops,
      shapes: Object.fromEntries(opts.ops.map((op) => [op, opts.shapesOf(op)])),
      clock: opts.clock,
      sampleMs: opts.sampleMs,
      quick: opts.quick,
    },
    cases: [],
    errors: {},
  };
  const shapeNames = [...new Set(opts.ops.flatMap((op) => opts.shapesOf(op)))];
  // Per data set: its timed cases and the softmax errors; results.cases / results.errors are the
  // first set's (the one the targets judge).
  results.byData = {};
  for (const data of DATA_NAMES) results.byData[data] = { cases: [], errors: {} };
  for (const data of opts.data) {
    for (const shapeName of shapeNames) {
      for (const op of opts.ops) {
        if (!opts.shapesOf(op).includes(shapeName)) continue;
        const { case: c, errors } = await runCase(op, shapeName, impls, sm, opts, data);
        results.byData[data].cases.push(c);
        if (op === 'softmax') results.byData[data].errors[shapeName] = errors;
      }
    }
  }
  // The softmax errors of the data sets not timed: every implementation checked, none timed.
  if (opts.ops.includes('softmax')) {
    for (const data of DATA_NAMES.filter((d) => !opts.data.includes(d))) {
      for (const shapeName of opts.shapesOf('softmax')) {
        log(`  softmax ${shapeName} (${data}): errors only`);
        results.byData[data].errors[shapeName] = (
          await runCase('softmax', shapeName, impls, sm, opts, data, { timeIt: false })
        ).errors;
      }
    }
  }
  results.options.data = opts.data;
  results.cases = results.byData[opts.data[0]].cases;
  results.errors = results.byData[opts.data[0]].errors;
  // Table order: as listed in impls.mjs, ours first.
  const ordered = impls.slice().sort((a, b) => order(a) - order(b));
  results.targets = evaluateTargets(results);
  Object.assign(facts, {
    cpu: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadStart,
    loadEnd: os.loadavg(),
    durationS: (Date.now() - started) / 1000,
  });
  results.meta.labels = Object.fromEntries(impls.map((i) => [i.id, i.label]));
  results.meta.kinds = Object.fromEntries(impls.map((i) => [i.id, i.kind]));
  results.meta.command = opts.command;
  const md = markdown(results, ordered, opts);
  const dir = `${HERE}results`;
  mkdirSync(dir, { recursive: true });
  const [jsonPath, mdPath] = opts.partial
    ? [`${dir}/partial.json`, `${dir}/partial.md`]
    : [`${dir}/latest.json`, `${HERE}RESULTS.md`];
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(mdPath, opts.partial ? md : keepOtherSections(mdPath, md));
  // The chart of the first data set (the README shows bench/chart.svg above its table).
  const svgPath = opts.partial ? `${dir}/partial.svg` : `${HERE}chart.svg`;
  const svg = chartSvg(
    results.cases,
    results.meta.labels,
    `ns per element, ${DATA_SETS[opts.data[0]].label} logits, float32, one thread (${f0(results.meta)})`,
  );
  if (svg) {
    writeFileSync(svgPath, svg);
    log(`wrote ${svgPath}`);
  }
  console.log(md);
  log(`wrote ${jsonPath} and ${mdPath}`);
  // Peers keep wasm instances and worker handles alive; the run is over.
  process.exit(0);
}

/** The run's date and load, for the chart's title. */
const f0 = (m) => `${m.date}, load ${m.loadStart[0].toFixed(1)}`;

/** The new RESULTS.md text with the sections bench/sampling.mjs and bench/threads.mjs wrote into the old one kept. */
function keepOtherSections(mdPath, md) {
  if (!existsSync(mdPath)) return md;
  const old = readFileSync(mdPath, 'utf8');
  const sampling = samplingSectionOf(old);
  let text = sampling !== undefined ? withSection(md, sampling) : md;
  const threads = threadsSectionOf(old);
  if (threads !== undefined) text = withThreadsSection(text, threads);
  return text;
}

function order(impl) {
  const ids = [
    'ours-zero-copy',
    'ours-inout',
    'ours-out',
    'ours-out-t2',
    'ours-out-auto',
    'ours-kernel',
    'memcpy',
    'result-alloc',
    'tfjs-wasm-kernel',
    'tfjs-wasm-e2e',
    'tfjs-cpu-e2e',
    'ort',
    'naive-js',
    'native-simde128',
    'native-march',
  ];
  return ids.indexOf(impl.id);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
