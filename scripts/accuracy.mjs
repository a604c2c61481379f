#!/usr/bin/env node
// accuracy.mjs — cpp/accuracy.json, the one table of the kernels' accuracy
// contract, written out where people read it:
//   * README.md, between "<!-- accuracy table ... -->" and "<!-- end accuracy table -->";
//   * each kernel's .cc, between "// ---- accuracy contract" and "// ---- end accuracy contract".
// (The GoogleTests get it from CMakeLists.txt, the Node tests from tests/helpers.mjs.)
//
//   node scripts/accuracy.mjs           rewrite those blocks
//   node scripts/accuracy.mjs --check   exit 1 and name every stale block (tests/accuracy.test.mjs)
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
