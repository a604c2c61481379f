// Number formatting and the small DOM helpers every panel uses.
// Every displayed number is an <output> (or a table cell) with a stable data-testid
// and the full-precision value in data-value, so tests and curious visitors can
// read the exact number the wasm kernel returned.

/** Fixed-point text that never shows "-0.0000" and spells out NaN / Infinity. */
export function fmt(x, digits = 4) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s.replace('-', '−');
}

/** Short scientific text for tiny or huge numbers (errors, timings). */
export function fmtSci(x, digits = 2) {
  if (!Number.isFinite(x)) return fmt(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return fmt(x, a >= 100 ? 1 : a >= 1 ? 3 : 5);
  const [m, e] = x.toExponential(digits).split('e');
  return `${m.replace('-', '−')}×10${superscript(Number(e))}`;
}

const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
function superscript(n) {
  return String(n)
    .split('')
    .map((c) => SUP[c])
    .join('');
}

/** Decimal byte sizes: 2e10 -> "20.0 GB". */
export function fmtBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = bytes;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Creates an element: h('div', { class: 'x', 'data-testid': 'y' }, child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An <output> showing a number; set(value) updates text and data-value together. */
export function readout(testid, { digits = 4, format, suffix = '', label } = {}) {
  const el = h('output', { 'data-testid': testid, class: 'num', 'aria-label': label });
  const show = format ?? ((v) => fmt(v, digits));
  el.set = (v) => {
    el.dataset.value = String(v);
    el.textContent = show(v) + suffix;
    el.classList.toggle('bad', typeof v === 'number' && !Number.isFinite(v));
  };
  return el;
}

/** A labelled control: field('Temperature', input) -> <label><span>..</span>input</label>. */
export function field(labelText, control, extra) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, labelText), control, extra);
}

/** Parses "1000, 1001 1002" into numbers; returns null when any entry is not a number. */
export function parseNumbers(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const xs = parts.map((p) => Number(p.replace('−', '-')));
  return xs.every((x) => !Number.isNaN(x)) ? xs : null;
}

/** Small deterministic PRNG (mulberry32) so generated data is the same on every load. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample from a uniform generator (Box-Muller). */
export function gauss(rand) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
