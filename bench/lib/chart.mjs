// chart.mjs — the benchmark's chart: ns per element of each implementation on
// each op and shape (one data set), drawn by Observable Plot in Node through
// linkedom's DOM, written as a standalone SVG (bench/chart.svg, shown in the README).
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/** The rows the chart shows, in legend order (the rest are in RESULTS.md). */
const SHOWN = [
  'ours-zero-copy',
  'ours-inout',
  'tfjs-wasm-kernel',
  'tfjs-wasm-e2e',
  'ort',
  'naive-js',
  'native-simde128',
];
/** The ops the chart shows when the run has them. */
const OPS = ['softmax', 'logSoftmax', 'softmaxBackward', 'crossEntropy'];

/**
 * SVG text of a dot chart: one line per op and shape, one dot per
 * implementation at its median ns per element (log scale), from `cases`
 * (results.byData[data].cases); `labels` maps implementation ids to names.
 */
export function chartSvg(cases, labels, title) {
  const data = [];
  for (const c of cases) {
    if (!OPS.includes(c.op)) continue;
    for (const id of SHOWN) {
      const row = c.rows[id];
      if (!row?.timing) continue;
      data.push({ line: `${c.op} ${c.shape}`, impl: labels[id] ?? id, ns: row.nsPerElement });
    }
  }
  if (!data.length) return null;
  const lines = [...new Set(data.map((d) => d.line))];
  const impls = SHOWN.map((id) => labels[id] ?? id).filter((l) => data.some((d) => d.impl === l));
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const legendRows = impls.length;
  const top = 40 + 16 * legendRows;
  const svg = Plot.plot({
    document,
    width: 860,
    height: top + 30 + 18 * lines.length,
    marginTop: top,
    marginLeft: 210,
    x: { type: 'log', label: 'ns per element (median, log scale; lower is faster)', grid: true },
    y: { domain: lines, label: null },
    color: { domain: impls, scheme: 'tableau10' },
    marks: [
      Plot.ruleY(lines, { stroke: '#ddd' }),
      Plot.dot(data, { x: 'ns', y: 'line', stroke: 'impl', r: 4, strokeWidth: 1.5 }),
    ],
  });
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  // Title and legend: swatches of Plot's own color and symbol scales.
  const color = svg.scale('color');
  const ns = 'http://www.w3.org/2000/svg';
  const add = (parent, tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  };
  add(svg, 'text', { x: 10, y: 18, 'font-size': 13, 'font-weight': 'bold', 'text-anchor': 'start' }, title);
  impls.forEach((label, i) => {
    const y = 36 + 16 * i;
    add(svg, 'circle', {
      cx: 220,
      cy: y - 4,
      r: 4,
      fill: 'none',
      stroke: color.range[color.domain.indexOf(label) % color.range.length],
      'stroke-width': 1.5,
    });
    add(svg, 'text', { x: 232, y, 'text-anchor': 'start' }, label);
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.outerHTML}\n`;
}
