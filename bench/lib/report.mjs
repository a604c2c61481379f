// report.mjs — the markdown table, the targets and the footnote, from the results.
import { STRIDED_VS_CONTIGUOUS } from './data.mjs';
import { median } from './timing.mjs';

/** The row every ratio in the tables is taken against. */
export const RATIO_BASE = 'ours-inout';

const fmt = (v, digits = 3) => {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  if (v >= 1000) return v.toFixed(0);
  if (v >= 100) return v.toFixed(1);
  return v.toPrecision(digits);
};

/** Median ns per call of one implementation on one op and shape, if it was timed. */
function timeOf(results, op, shape, id) {
  const r = results.cases.find((c) => c.op === op && c.shape === shape)?.rows[id];
  return r?.timing ? r.timing.median : undefined;
}

/**
 * The ratio a / b of two rows of one case as the median over rounds of the
 * ratio of their samples in that round: both were taken within one round
 * (seconds apart), so a slowdown of the machine that lasts longer than a
 * round cancels instead of landing on one row's median. Undefined when the
 * per-round samples are not there (results from before they were kept).
 */
function pairedRatio(results, op, shape, idA, idB) {
  const c = results.cases.find((k) => k.op === op && k.shape === shape);
  const clock = results.options?.clock ?? 'cpu';
  const sa = c?.rows[idA]?.timing?.[clock]?.samples;
  const sb = c?.rows[idB]?.timing?.[clock]?.samples;
  if (!sa || !sb || sa.length !== sb.length || sa.length === 0) return undefined;
  return median(sa.map((v, i) => v / sb[i]));
}

/** Our kernel-level row: zero-copy when sm.alloc exists, else the internal Embind call. */
function kernelRow(results, op, shape) {
  const z = timeOf(results, op, shape, 'ours-zero-copy');
  if (z !== undefined) return { id: 'ours-zero-copy', ns: z, name: 'zero-copy' };
  const k = timeOf(results, op, shape, 'ours-kernel');
  return k !== undefined ? { id: 'ours-kernel', ns: k, name: 'internal kernel call (no sm.alloc yet)' } : undefined;
}

/**
 * The targets of the issue, each with its measured ratios and pass/fail.
 * A target is 'n/a' when a row it needs was not measured (filtered run,
 * a peer that disagreed or did not load).
 */
export function evaluateTargets(results) {
  const shapes = [...new Set(results.cases.map((c) => c.shape))];
  const targets = [];
  const ratioTarget = (title, op, oursId, peerId, limit, onShapes, extra = {}) => {
    const parts = [];
    for (const shape of onShapes) {
      if (!shapes.includes(shape)) continue;
      const a =
        typeof oursId === 'function' ? oursId(op, shape) : { id: oursId, ns: timeOf(results, op, shape, oursId) };
      const b = timeOf(results, op, shape, peerId);
      if (!a || a.ns === undefined || b === undefined) {
        const why = !a || a.ns === undefined ? (extra.missingOurs ?? 'ours not measured') : `${peerId} not measured`;
        parts.push({ shape, status: 'n/a', note: why });
        continue;
      }
      const ratio = pairedRatio(results, op, shape, a.id, peerId) ?? a.ns / b;
      parts.push({ shape, ratio, status: ratio <= limit ? 'pass' : 'fail', via: a.name });
    }
    targets.push(summarise({ title, limit, unit: '×', parts }));
  };
  const all = shapes;
  const big4 = ['1x50257', '32x50257', '1024x1000', '3072x256'];

  // softmax zero-copy vs tfjs-wasm kernel only: needs sm.alloc.
  const zeroCopy = (op, shape) => {
    const ns = timeOf(results, op, shape, 'ours-zero-copy');
    return ns === undefined ? undefined : { id: 'ours-zero-copy', ns };
  };
  ratioTarget(
    'softmax zero-copy ≤ 0.8× tfjs-wasm kernel only (1x50257, 32x50257, 1024x1000, 3072x256)',
    'softmax',
    zeroCopy,
    'tfjs-wasm-kernel',
    0.8,
    big4,
    {
      missingOurs: 'n/a (no sm.alloc)',
    },
  );
  ratioTarget(
    'softmax zero-copy ≤ 0.5× tfjs-wasm kernel only (65536x10)',
    'softmax',
    zeroCopy,
    'tfjs-wasm-kernel',
    0.5,
    ['65536x10'],
    {
      missingOurs: 'n/a (no sm.alloc)',
    },
  );
  // The same comparison through the internal kernel call, for information while sm.alloc is missing.
  if (!results.cases.some((c) => c.rows['ours-zero-copy']?.timing)) {
    const k = (op, shape) => ({ id: 'ours-kernel', ns: timeOf(results, op, shape, 'ours-kernel') });
    ratioTarget(
      '(info, not the target) softmax internal kernel call vs tfjs-wasm kernel only: ≤ 0.8× (big four)',
      'softmax',
      k,
      'tfjs-wasm-kernel',
      0.8,
      big4,
    );
    ratioTarget(
      '(info, not the target) softmax internal kernel call vs tfjs-wasm kernel only: ≤ 0.5× (65536x10)',
      'softmax',
      k,
      'tfjs-wasm-kernel',
      0.5,
      ['65536x10'],
    );
  }
  ratioTarget(
    'softmax typed-array in/out ≤ 0.6× tfjs-wasm end to end, every shape',
    'softmax',
    'ours-inout',
    'tfjs-wasm-e2e',
    0.6,
    all,
  );
  ratioTarget(
    'softmax typed-array in/out ≤ 0.4× onnxruntime-web, every shape',
    'softmax',
    'ours-inout',
    'ort',
    0.4,
    all,
  );
  {
    const ns = timeOf(results, 'softmax', '1x8', 'ours-inout');
    const parts = shapes.includes('1x8')
      ? [
          ns === undefined
            ? { shape: '1x8', status: 'n/a', note: 'not measured' }
            : { shape: '1x8', value: ns / 1000, status: ns / 1000 <= 0.3 ? 'pass' : 'fail' },
        ]
      : [];
    targets.push(
      summarise({ title: 'softmax typed-array in/out ≤ 0.3 µs per call at 1x8', limit: 0.3, unit: 'µs', parts }),
    );
  }
  ratioTarget(
    'logSoftmax typed-array in/out ≤ 0.1× tfjs-wasm end to end, every shape',
    'logSoftmax',
    'ours-inout',
    'tfjs-wasm-e2e',
    0.1,
    all,
  );
  ratioTarget(
    'logSoftmax typed-array in/out ≤ 0.5× onnxruntime-web, every shape',
    'logSoftmax',
    'ours-inout',
    'ort',
    0.5,
    all,
  );
  ratioTarget(
    'crossEntropy loss + gradient, typed-array in/out ≤ 0.05× tfjs-wasm end to end, every shape',
    'crossEntropy',
    'ours-inout',
    'tfjs-wasm-e2e',
    0.05,
    all,
  );
  ratioTarget(
    'crossEntropy loss + gradient, typed-array in/out ≤ 0.2× onnxruntime-web, every shape',
    'crossEntropy',
    'ours-inout',
    'ort',
    0.2,
    all,
  );
  const kr = (op, shape) => kernelRow(results, op, shape);
  ratioTarget(
    'softmaxBackward (zero-copy; else the internal kernel call) ≤ 1.5× the wasm memcpy, every shape',
    'softmaxBackward',
    kr,
    'memcpy',
    1.5,
    all,
  );
  for (const op of ['softmax', 'logSoftmax', 'softmaxBackward', 'crossEntropy']) {
    ratioTarget(
      `${op} (zero-copy; else the internal kernel call) ≤ 1.3× native C++ SIMDe 128-bit, every shape`,
      op,
      kr,
      'native-simde128',
      1.3,
      all,
    );
  }
  for (const op of ['softmax', 'logSoftmax', 'softmaxBackward', 'crossEntropy']) {
    const parts = [];
    for (const [strided, contiguous] of Object.entries(STRIDED_VS_CONTIGUOUS)) {
      if (!shapes.includes(strided) || !shapes.includes(contiguous)) continue;
      const a = kernelRow(results, op, strided);
      const b = kernelRow(results, op, contiguous);
      const sizeOf = (s) => results.cases.find((c) => c.shape === s).size;
      if (!a || !b) {
        parts.push({ shape: `${strided} vs ${contiguous}`, status: 'n/a', note: 'not measured' });
        continue;
      }
      const ratio = a.ns / sizeOf(strided) / (b.ns / sizeOf(contiguous));
      parts.push({ shape: `${strided} vs ${contiguous}`, ratio, status: ratio <= 1.5 ? 'pass' : 'fail' });
    }
    targets.push(
      summarise({
        title: `${op} strided ≤ 1.5× contiguous per element (zero-copy; else the internal kernel call)`,
        limit: 1.5,
        unit: '×',
        parts,
      }),
    );
  }
  {
    const parts = [];
    for (const shape of shapes) {
      const e = results.errors[shape]?.['ours-inout'];
      if (e === undefined) continue;
      parts.push({ shape, value: e.high, status: e.high <= 2e-6 && e.low <= 5e-6 ? 'pass' : 'fail' });
    }
    targets.push(
      summarise({
        title:
          'softmax float32 max relative error ≤ 2e-6 for outputs ≥ 1e-12 and ≤ 5e-6 in [1e-30, 1e-12), every shape (value: the first)',
        limit: 2e-6,
        unit: 'err',
        parts,
      }),
    );
  }
  return targets;
}

function summarise(t) {
  const statuses = t.parts.map((p) => p.status);
  t.status =
    statuses.length === 0
      ? 'n/a'
      : statuses.includes('fail')
        ? 'fail'
        : statuses.every((s) => s === 'pass')
          ? 'pass'
          : 'n/a';
  return t;
}

function partText(p, unit) {
  if (p.status === 'n/a') return `${p.shape} ${p.note}`;
  const mark = p.status === 'pass' ? '✓' : '✗';
  if (unit === '×') return `${p.shape} ${p.ratio.toFixed(p.ratio < 0.1 ? 3 : 2)}× ${mark}`;
  if (unit === 'µs') return `${p.shape} ${p.value.toFixed(3)} µs ${mark}`;
  return `${p.shape} ${p.value.toExponential(1)} ${mark}`;
}

export function targetsMarkdown(targets) {
  const icon = { pass: '**PASS**', fail: '**FAIL**', 'n/a': 'n/a' };
  return targets
    .map(
      (t) =>
        `- ${icon[t.status]} — ${t.title}: ${t.parts.map((p) => partText(p, t.unit)).join(', ') || 'not measured in this run'}`,
    )
    .join('\n');
}

// ---- the tables ------------------------------------------------------------------------

function cell(row, base, size) {
  if (!row) return '';
  if (row.status !== 'timed') return row.status === 'omitted' ? '' : (row.reason ?? row.status);
  const ns = row.timing.median;
  const ratio = base ? ns / base : undefined;
  return `${fmt(ns / size)} ns<br>${fmt(ns / 1000)} µs<br>${ratio === undefined ? '–' : `${ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2)}×`}`;
}

export function opTable(results, op, impls) {
  const cases = results.cases.filter((c) => c.op === op);
  if (!cases.length) return '';
  const ids = impls.map((i) => i.id).filter((id) => cases.some((c) => c.rows[id] && c.rows[id].status !== 'omitted'));
  const head = `| implementation | ${cases.map((c) => c.shape).join(' | ')} |`;
  const sep = `| --- | ${cases.map(() => '---:').join(' | ')} |`;
  const lines = ids.map((id) => {
    const impl = impls.find((i) => i.id === id);
    const bold = (s) => (impl.kind === 'ours' && s ? `**${s.replaceAll('<br>', '**<br>**')}**` : s);
    const cells = cases.map((c) => bold(cell(c.rows[id], c.rows[RATIO_BASE]?.timing?.median, c.size)));
    return `| ${bold(impl.label)} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...lines].join('\n');
}

export function errorTable(results, impls) {
  const shapes = Object.keys(results.errors);
  if (!shapes.length) return '';
  const ids = impls.map((i) => i.id).filter((id) => shapes.some((s) => results.errors[s][id] !== undefined));
  const head = `| implementation | ${shapes.join(' | ')} |`;
  const sep = `| --- | ${shapes.map(() => '---:').join(' | ')} |`;
  const lines = ids.map((id) => {
    const impl = impls.find((i) => i.id === id);
    const label = impl.kind === 'ours' ? `**${impl.label}**` : impl.label;
    const cell = (e) =>
      e === undefined ? '' : `${e.high.toExponential(1)} / ${!e.nLow ? '—' : e.low.toExponential(1)}`;
    return `| ${label} | ${shapes.map((s) => cell(results.errors[s][id])).join(' | ')} |`;
  });
  return [head, sep, ...lines].join('\n');
}

/** Everything that was not timed, and why; and how each native checksum compared. */
export function checkNotes(results, impls) {
  const lines = [];
  for (const c of results.cases) {
    for (const [id, row] of Object.entries(c.rows)) {
      if (row.status === 'disagrees' || row.status === 'error') {
        lines.push(`- ${c.op} ${c.shape}: ${impls.find((i) => i.id === id).label} — ${row.status}: ${row.reason}`);
      }
    }
  }
  const skips = new Map();
  for (const c of results.cases) {
    for (const [id, row] of Object.entries(c.rows)) {
      if (row.status === 'skipped') {
        const key = `${id}\u0000${row.reason}`;
        if (!skips.has(key)) skips.set(key, { id, reason: row.reason, where: [] });
        skips.get(key).where.push(`${c.op} ${c.shape}`);
      }
    }
  }
  for (const { id, reason, where } of skips.values()) {
    const label = impls.find((i) => i.id === id).label;
    lines.push(`- ${label}: ${reason} (${where.length} case${where.length > 1 ? 's' : ''})`);
  }
  const nativeExact = results.cases.filter((c) => c.rows['native-simde128']?.check?.exact).length;
  const nativeChecked = results.cases.filter((c) => c.rows['native-simde128']?.check).length;
  if (nativeChecked) {
    lines.push(
      `- native SIMDe 128-bit build: output checksum identical to the wasm module's in ${nativeExact} of ${nativeChecked} cases (the rest within 1e-5 of the checksum's scale).`,
    );
  }
  return lines.join('\n');
}

export function stridedTable(results) {
  const rows = [];
  for (const [strided, contiguous] of Object.entries(STRIDED_VS_CONTIGUOUS)) {
    for (const op of ['softmax', 'logSoftmax', 'softmaxBackward', 'crossEntropy']) {
      for (const [id, name] of [
        ['ours-zero-copy', 'zero-copy'],
        ['ours-kernel', 'internal kernel call'],
        ['ours-inout', 'typed array in/out'],
      ]) {
        const a = results.cases.find((c) => c.op === op && c.shape === strided);
        const b = results.cases.find((c) => c.op === op && c.shape === contiguous);
        const ta = a?.rows[id]?.timing?.median;
        const tb = b?.rows[id]?.timing?.median;
        if (ta === undefined || tb === undefined) continue;
        const pa = ta / a.size;
        const pb = tb / b.size;
        rows.push(`| ${op} | ${name} | ${fmt(pa)} | ${fmt(pb)} | ${(pa / pb).toFixed(2)}× |`);
      }
    }
    if (rows.length) {
      rows.unshift(
        `| op | ours | ${strided} ns/element | ${contiguous} ns/element | strided ÷ contiguous |`,
        '| --- | --- | ---: | ---: | ---: |',
      );
    }
  }
  return rows.join('\n');
}

/** The peers' rows that return a new array from typed arrays, as a user calls them (not kernel-only). */
const E2E_PEERS = ['tfjs-wasm-e2e', 'tfjs-cpu-e2e', 'ort', 'naive-js'];

/**
 * Where our typed-array call's time goes, per op and shape, from rows timed
 * in the same rounds: kernel = the internal Embind call (no copies, no
 * checks); wrapper = zero-copy − kernel (validation, option parsing, the JS
 * driver); allocation + copy out = a new result array alone (result-alloc,
 * made as ours makes it); copy in and the rest = typed in/out − zero-copy −
 * that. Medians of different rows, so a part can come out slightly negative
 * in a noisy run. Then the fastest peer end to end, and the minor page
 * faults per call of our typed call and of that peer: a new array whose
 * pages are new to the process costs a fault (and a kernel zero-fill) per
 * 4 KiB page, and how many are new depends on when V8 collected the earlier
 * results and whether malloc kept their memory, not on the library.
 */
export function breakdownTable(results) {
  const lines = [];
  for (const c of results.cases) {
    const row = (id) => c.rows[id]?.timing;
    const t = (id) => row(id)?.median;
    const [inout, zero, kernel, alloc] = ['ours-inout', 'ours-zero-copy', 'ours-kernel', 'result-alloc'].map(t);
    if ([inout, zero, kernel, alloc].some((v) => v === undefined)) continue;
    const us = (v) => fmt(v / 1000);
    const pct = (v) => `${((100 * v) / inout).toFixed(0)}%`;
    const parts = [kernel, zero - kernel, alloc, inout - zero - alloc];
    const peer = E2E_PEERS.filter((id) => t(id) !== undefined).sort((a, b) => t(a) - t(b))[0];
    const faults = (id) => (row(id)?.faults === undefined ? '–' : Math.round(row(id).faults).toString());
    const pages = Math.ceil((c.size * 4) / 4096);
    const peerCells =
      peer === undefined
        ? '– | – | –'
        : `${us(t(peer))} (${peer}) | ${(inout / t(peer)).toFixed(2)}× | ${faults('ours-inout')} / ${faults(peer)} of ${pages}`;
    lines.push(
      `| ${c.op} | ${c.shape} | ${us(inout)} | ${parts.map((v) => `${us(v)} (${pct(v)})`).join(' | ')} | ${peerCells} |`,
    );
  }
  if (!lines.length) return '';
  return [
    "| op | shape | typed in/out, µs | kernel | wrapper | allocation + copy out | copy in and the rest | fastest peer end to end, µs | ours ÷ it | page faults per call: ours / peer, of the result's pages |",
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...lines,
  ].join('\n');
}
