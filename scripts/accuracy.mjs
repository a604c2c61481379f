#!/usr/bin/env node
// accuracy.mjs — cpp/accuracy.json, the one table of the kernels' accuracy
// contract, written out where people read it:
//   * README.md, between "<!-- accuracy table ... -->" and "<!-- end accuracy table -->";
//   * each kernel's .cc, between "// ---- accuracy contract" and "// ---- end accuracy contract".
// (The GoogleTests get it from CMakeLists.txt, the Node tests from tests/helpers.mjs.)
//
//   node scripts/accuracy.mjs           rewrite those blocks
//   node scripts/accuracy.mjs --check   exit 1 and name every stale block (tests/accuracy.test.mjs)
//   node scripts/accuracy.mjs --measured LOG...   compare each line's "measured" with the largest
//       error the GoogleTests printed ([max errors] rows of the SIMDe and scalar runs, e.g.
//       build/native/kernel_tests_simde > simde.log), rounded up to two digits; exit 1 on a
//       difference. --measured-write LOG... writes those values into cpp/accuracy.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TABLE = JSON.parse(readFileSync(`${ROOT}cpp/accuracy.json`, 'utf8'));

const DTYPES = ['float32', 'float64'];
const num = (v) => v.toExponential();

/** The lines of the table for one op and quantity, by dtype, ranges ascending. */
function linesOf(op, quantity, dtype) {
  return TABLE.bounds
    .filter((b) => b.op === op && b.quantity === quantity && b.dtype === dtype)
    .sort((a, b) => (a.from ?? 0) - (b.from ?? 0));
}

/** "2e-6 for outputs >= 1e-30" (one range) or "2e-6 for outputs >= 1e-12, 5e-6 in [1e-30, 1e-12)". */
function boundText(lines, { measured = true } = {}) {
  const parts = lines.map((b, i) => {
    const next = lines[i + 1];
    let range = '';
    if (b.from !== undefined)
      range = next ? ` in [${num(b.from)}, ${num(next.from)})` : ` for outputs >= ${num(b.from)}`;
    return `${num(b.bound)}${range}`;
  });
  const seen = lines.map((b) => b.measured).filter((m) => m !== undefined);
  return parts.join(', ') + (measured && seen.length ? ` (measured ${seen.map(num).join(', ')})` : '');
}

/** Every (op, quantity) in table order. */
function quantities() {
  const out = [];
  for (const b of TABLE.bounds)
    if (!out.some((q) => q.op === b.op && q.quantity === b.quantity))
      out.push({ op: b.op, quantity: b.quantity, unit: b.unit });
  return out;
}

const mdCell = (text) => text.replaceAll('|', '\\|');

export function readmeBlock() {
  const rows = ['| op | quantity | float32 | float64 | error measured as |', '| --- | --- | --- | --- | --- |'];
  for (const { op, quantity, unit } of quantities()) {
    const cells = DTYPES.map((d) => `<= ${boundText(linesOf(op, quantity, d))}`);
    rows.push(`| ${op} | ${quantity} | ${cells.map(mdCell).join(' | ')} | ${mdCell(TABLE.units[unit])} |`);
  }
  rows.push('', '| op | valid range | NaN and infinities |', '| --- | --- | --- |');
  for (const [op, o] of Object.entries(TABLE.ops)) rows.push(`| ${op} | ${mdCell(o.range)} | ${mdCell(o.nonFinite)} |`);
  rows.push(
    '',
    `The Node tests allow each bound plus ${num(TABLE.referenceError.value)}, the error of their float64 reference (tests/reference.mjs) itself; the GoogleTests check the bounds as they are against a long-double reference.`,
  );
  return rows.join('\n');
}

/** Wraps text into comment lines of at most `width` columns. */
function wrap(text, prefix, width = 98) {
  const out = [];
  let line = prefix;
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line.trim() !== prefix.trim()) {
      out.push(line.trimEnd());
      line = `${prefix}  `;
    }
    line += (line.endsWith(' ') ? '' : ' ') + word;
  }
  out.push(line.trimEnd());
  return out;
}

export function kernelBlock(file) {
  const lines = [];
  for (const [op, o] of Object.entries(TABLE.ops)) {
    if (o.kernel !== file) continue;
    lines.push(`//   ${op}:`);
    lines.push(...wrap(`valid range: ${o.range}.`, '//     '));
    for (const { quantity, unit } of quantities().filter((q) => q.op === op)) {
      const text = DTYPES.map((d) => `${d} ${boundText(linesOf(op, quantity, d), { measured: false })}`).join('; ');
      lines.push(...wrap(`max error of ${quantity}: ${text}; unit ${TABLE.units[unit]}.`, '//     '));
    }
    lines.push(...wrap(`NaN/inf: ${o.nonFinite}.`, '//     '));
  }
  return lines.join('\n');
}

const README_BEGIN = '<!-- accuracy table: generated from cpp/accuracy.json by scripts/accuracy.mjs -->';
const README_END = '<!-- end accuracy table -->';
const CC_BEGIN = '// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----';
const CC_END = '// ---- end accuracy contract ----';

/** [{ file, begin, end, block }] for the README and every kernel file the table names. */
export function targets() {
  const files = [...new Set(Object.values(TABLE.ops).map((o) => o.kernel))];
  return [
    { file: 'README.md', begin: README_BEGIN, end: README_END, block: readmeBlock() },
    ...files.map((file) => ({ file, begin: CC_BEGIN, end: CC_END, block: kernelBlock(file) })),
  ];
}

/** The file's text with its block replaced, or null when the markers are missing. */
export function updated(text, { begin, end, block }) {
  const a = text.indexOf(begin);
  const b = text.indexOf(end, a);
  if (a < 0 || b < 0) return null;
  return `${text.slice(0, a + begin.length)}\n${block}\n${text.slice(b)}`;
}

// The native tests' names of the ops and quantities (tests/cpp, check.h's max-error rows).
const NATIVE = {
  softmax: 'softmax',
  log_softmax: 'logSoftmax',
  log_sum_exp: 'logSumExp',
  softmax_backward: 'softmaxBackward',
  log_softmax_backward: 'logSoftmaxBackward',
  softmax_jacobian: 'softmaxJacobian',
  log_softmax_jacobian: 'logSoftmaxJacobian',
  cross_entropy: 'crossEntropy',
};

/**
 * The [max errors] rows of GoogleTest logs as { op, dtype, quantity, from, value } (from: the
 * range's lower end when the row is one range of a split bound, else undefined). Rows of every
 * table of an op (its extreme-range tests included) count: the measured maximum is over all.
 */
export function nativeMaxErrors(texts) {
  const rows = [];
  for (const text of texts) {
    for (const m of text.matchAll(/^\[max errors\] (.*?)\s+(\d\.\d+e[-+]\d+)\s+\(/gm)) {
      const name = /^([a-z_]+)(?: (loss|grad))?\/(float32|float64)(.*)$/.exec(m[1]);
      if (!name || !(name[1] in NATIVE)) continue;
      const range = /\s(\w+) (?:>= (\S+)|\[(\S+), \S+\))$/.exec(name[4]);
      rows.push({
        op: NATIVE[name[1]],
        dtype: name[3],
        quantity: name[2] ?? range?.[1],
        from: range ? Number(range[2] ?? range[3]) : undefined,
        value: Number(m[2]),
      });
    }
  }
  return rows;
}

/** Rounds up to two significant digits: the measured figure never understates what was seen. */
function ceil2(v) {
  if (v === 0) return 0;
  const e = Math.floor(Math.log10(v)) - 1;
  return Number((Math.ceil(Number((v / 10 ** e).toPrecision(12))) * 10 ** e).toPrecision(2));
}

function measuredFromLogs(files) {
  const rows = nativeMaxErrors(files.map((f) => readFileSync(f, 'utf8')));
  let differ = 0;
  for (const b of TABLE.bounds) {
    const split = linesOf(b.op, b.quantity, b.dtype).length > 1;
    const seen = rows.filter(
      (r) =>
        r.op === b.op &&
        r.dtype === b.dtype &&
        (r.quantity === undefined || r.quantity === b.quantity) &&
        (split ? r.from === b.from : r.from === undefined),
    );
    const what = `${b.op} ${b.quantity} ${b.dtype}${b.from !== undefined && split ? ` from ${num(b.from)}` : ''}`;
    if (seen.length === 0) {
      console.log(`${what}: no [max errors] row in the logs`);
      differ++;
      continue;
    }
    const value = ceil2(Math.max(...seen.map((r) => r.value)));
    const same = b.measured === value;
    if (!same) differ++;
    console.log(
      `${what}: measured ${b.measured === undefined ? '(none)' : num(b.measured)} in cpp/accuracy.json, logs ${num(value)}${same ? '' : '  <- differs'}`,
    );
    b.measured = value;
  }
  return differ;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && /^--measured/.test(process.argv[2] ?? '')) {
  const differ = measuredFromLogs(process.argv.slice(3));
  if (process.argv[2] === '--measured-write') {
    // Edited in place, object by object, so the file keeps its layout and number style.
    const file = `${ROOT}cpp/accuracy.json`;
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf('"bounds"');
    let k = 0;
    const bounds = text.slice(start).replace(/\{[^{}]*\}/g, (chunk) => {
      const b = TABLE.bounds[k++];
      const v = b.measured.toExponential(1);
      return /"measured":/.test(chunk)
        ? chunk.replace(/("measured":\s*)[-+0-9.e]+/, `$1${v}`)
        : chunk.replace(/\s*\}$/, (end) => `, "measured": ${v}${end}`);
    });
    if (k !== TABLE.bounds.length)
      throw new Error(`accuracy.mjs: found ${k} bound objects, not ${TABLE.bounds.length}`);
    writeFileSync(file, text.slice(0, start) + bounds);
    console.log('cpp/accuracy.json: measured values written (npx biome format --write cpp/accuracy.json)');
  }
  process.exit(process.argv[2] === '--measured' && differ ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const t of targets()) {
    const path = `${ROOT}${t.file}`;
    const text = readFileSync(path, 'utf8');
    const next = updated(text, t);
    if (next === null) {
      console.error(`${t.file}: markers "${t.begin}" ... "${t.end}" not found`);
      stale++;
    } else if (next !== text) {
      if (check) {
        console.error(`${t.file}: accuracy block differs from cpp/accuracy.json (run node scripts/accuracy.mjs)`);
        stale++;
      } else {
        writeFileSync(path, next);
        console.log(`${t.file}: accuracy block rewritten`);
      }
    }
  }
  process.exit(stale ? 1 : 0);
}
