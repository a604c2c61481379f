// Panel 3: naive softmax (exp, then divide; plain JavaScript on purpose) against the
// library's stable softmax (shift by the max inside the kernel) on [1000, 1001, 1002]
// or on values the visitor types, in float64 or float32.
import { h, readout, parseNumbers, fmtSci, fmt } from '../lib/format.js';

const PRESETS = ['1000, 1001, 1002', '1, 2, 3', '-1000, -999, -998', '88, 89, 90', '0.5, 710, 709'];

/** The textbook formula, no max subtraction: overflows to Infinity, then Inf/Inf = NaN. */
export function naiveSoftmax(xs, f32) {
  const round = f32 ? Math.fround : (v) => v;
  const e = xs.map((v) => round(Math.exp(round(v))));
  let z = 0;
  for (const v of e) z = round(z + v);
  return { e, s: e.map((v) => round(v / z)) };
}

export function mount(el, { sm }) {
  const input = h('input', {
    type: 'text',
    value: PRESETS[0],
    'data-testid': 'overflow-input',
    spellcheck: 'false',
    'aria-describedby': 'overflow-help',
    oninput: () => update(),
  });
  const dtype = h(
    'select',
    { 'data-testid': 'overflow-dtype', onchange: () => update() },
    h('option', { value: 'float64' }, 'float64 (overflows above 709.78)'),
    h('option', { value: 'float32' }, 'float32 (overflows above 88.72)'),
  );
  const presets = h(
    'div',
    { class: 'controls' },
    h('span', { class: 'note' }, 'try:'),
    PRESETS.map((p) =>
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            input.value = p;
            update();
          },
        },
        `[${p}]`,
      ),
    ),
  );
  const message = h('p', {
    class: 'note',
    id: 'overflow-help',
    'data-testid': 'overflow-message',
    'aria-live': 'polite',
  });
  const tbody = h('tbody');
  const sums = h('tr');

  el.append(
    h(
      'div',
      { class: 'controls' },
      h(
        'label',
        { class: 'field', style: 'flex: 1 1 260px' },
        h('span', { class: 'field-label' }, 'logits (comma separated)'),
        input,
      ),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'number type'), dtype),
    ),
    presets,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'nums' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'x'),
            h('th', {}, 'naive exp(x)'),
            h('th', {}, 'naive softmax'),
            h('th', {}, 'stable softmax (wasm)'),
          ),
        ),
        tbody,
        h('tfoot', {}, sums),
      ),
    ),
    message,
  );

  function update() {
    const xs = parseNumbers(input.value);
    if (!xs) {
      message.textContent = 'Type numbers separated by commas or spaces.';
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.removeAttribute('aria-invalid');
    const f32 = dtype.value === 'float32';
    const x = f32 ? Float32Array.from(xs) : Float64Array.from(xs);
    const naive = naiveSoftmax(Array.from(x), f32);
    const stable = sm.softmax(x);
    tbody.replaceChildren(
      ...Array.from(x, (v, i) => {
        const e = readout(`overflow-exp-${i}`, { format: (n) => fmtSci(n, 3) });
        const n = readout(`overflow-naive-${i}`, { digits: 8 });
        const st = readout(`overflow-stable-${i}`, { digits: 8 });
        e.set(naive.e[i]);
        n.set(naive.s[i]);
        st.set(stable[i]);
        return h('tr', {}, h('td', { class: 'num' }, String(v)), h('td', {}, e), h('td', {}, n), h('td', {}, st));
      }),
    );
    const naiveSum = readout('overflow-naive-sum', { digits: 6 });
    const stableSum = readout('overflow-stable-sum', { digits: 6 });
    naiveSum.set(naive.s.reduce((a, b) => a + b, 0));
    stableSum.set(Array.from(stable).reduce((a, b) => a + b, 0));
    sums.replaceChildren(h('td', {}, 'sum'), h('td'), h('td', {}, naiveSum), h('td', {}, stableSum));
    const nans = naive.s.filter(Number.isNaN).length;
    const m = Math.max(...x);
    message.textContent = nans
      ? `The naive formula overflowed: ${nans} of ${x.length} outputs are NaN. The stable kernel computes exp(x − ${fmt(m, 2).replace(/\.00$/, '')}) instead, and is fine.`
      : 'No overflow here: both agree (up to rounding). Try larger values.';
  }
  update();
}
