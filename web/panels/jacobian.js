// Panel 4: the softmax Jacobian of the current vector, J = diag(s) - s s^T, from
// sm.softmaxJacobian; its structure (rows sum to zero, signs, rank one off the
// diagonal); and what the full matrix would cost for a real vocabulary compared
// with the O(n) vector-Jacobian product, which is timed live.
import { h, readout, fmt, fmtSci, fmtBytes } from '../lib/format.js';
import { chart, heatmap } from '../lib/charts.js';
import { TOKENS } from '../state.js';

export function mount(el, { sm, store }) {
  const n = TOKENS.length;
  let J = new Float64Array(n * n);
  const jBox = h('div', { class: 'chart', 'data-testid': 'jacobian-matrix' });
  const rowSum = readout('jac-rowsum-max', { format: (v) => fmtSci(v, 1) });
  const rank1 = readout('jac-rank1-residual', { format: (v) => fmtSci(v, 1) });
  const signs = h('output', { 'data-testid': 'jac-signs' });
  const diag = readout('jac-diag-max', { digits: 4 });

  // Memory calculator
  const nInput = h('input', {
    type: 'number',
    min: '1',
    max: '10000000',
    step: '1000',
    value: '50000',
    'data-testid': 'mem-n',
    oninput: () => updateMemory(),
  });
  const dtype = h(
    'select',
    { 'data-testid': 'mem-dtype', onchange: () => updateMemory() },
    h('option', { value: '8' }, 'float64 (8 bytes)'),
    h('option', { value: '4' }, 'float32 (4 bytes)'),
  );
  const entries = readout('mem-entries', { format: (v) => v.toExponential(2).replace('e+', '×10^') });
  const full = readout('mem-full', { format: fmtBytes });
  const vjp = readout('mem-vjp', { format: fmtBytes });
  const factor = readout('mem-factor', { format: (v) => `${Math.round(v).toLocaleString('en')}×` });
  const timeBtn = h(
    'button',
    { type: 'button', 'data-testid': 'mem-run-vjp', onclick: () => runVjp() },
    'Run the O(n) backward pass now',
  );
  const timeOut = readout('mem-vjp-time', { format: (v) => `${fmtSci(v, 2)} ms` });
  timeOut.textContent = '—';

  el.append(
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        h(
          'div',
          { class: 'facts', style: 'flex-direction: column' },
          h('span', {}, 'largest diagonal entry s', h('sub', {}, 'i'), '(1 − s', h('sub', {}, 'i'), '): ', diag),
          h('span', {}, 'signs: ', signs),
          h('span', {}, 'largest |row sum| (should be 0): ', rowSum),
          h('span', {}, 'max |J − diag(s) + s sᵀ| (rank-one check): ', rank1),
        ),
        h(
          'h3',
          { class: 'chart-title', style: 'margin-top: 12px' },
          'Memory: full Jacobian vs vector-Jacobian product',
        ),
        h(
          'div',
          { class: 'controls' },
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'classes n'), nInput),
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'number type'), dtype),
        ),
        h(
          'div',
          { class: 'facts', style: 'flex-direction: column' },
          h('span', {}, 'full n × n Jacobian: ', entries, ' entries = ', full),
          h('span', {}, 'backward pass (s, g, result: 3n numbers): ', vjp),
          h('span', {}, 'the full matrix is ', factor, ' larger'),
        ),
        h('div', { class: 'controls' }, timeBtn, h('span', {}, 'took ', timeOut)),
      ),
      h('div', {}, h('p', { class: 'chart-title' }, 'J = softmaxJacobian(logits): ∂s_row / ∂x_column'), jBox),
    ),
  );

  const jc = chart(
    jBox,
    (w) =>
      heatmap(w, J, n, n, {
        rowLabels: TOKENS,
        colLabels: TOKENS,
        xLabel: 'input logit x_j',
        yLabel: 'output s_i',
        scheme: 'rdbu',
        symmetric: true,
        digits: 3,
        cellHeight: 40,
        legend: true,
        colorLabel: 'J_ij',
      }),
    { reserve: 360 },
  );

  function update({ logits }) {
    J = sm.softmaxJacobian(logits);
    const s = sm.softmax(logits);
    jBox.dataset.values = JSON.stringify(Array.from(J));
    let rs = 0;
    let res = 0;
    let pos = 0;
    let neg = 0;
    let dmax = 0;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let j = 0; j < n; j++) {
        const v = J[i * n + j];
        t += v;
        if (i === j) {
          dmax = Math.max(dmax, v);
          if (v > 0) pos++;
        } else if (v < 0) neg++;
        res = Math.max(res, Math.abs(v - (i === j ? s[i] : 0) + s[i] * s[j]));
      }
      rs = Math.max(rs, Math.abs(t));
    }
    rowSum.set(rs);
    rank1.set(res);
    diag.set(dmax);
    signs.textContent = `diagonal ${pos}/${n} positive, off-diagonal ${neg}/${n * (n - 1)} negative`;
    jc.update();
  }

  function updateMemory() {
    const N = Math.floor(Number(nInput.value));
    if (!(N >= 1)) return;
    const b = Number(dtype.value);
    entries.set(N * N);
    full.set(N * N * b);
    vjp.set(3 * N * b);
    factor.set(N / 3);
  }

  function runVjp() {
    const N = Math.floor(Number(nInput.value));
    if (!(N >= 1 && N <= 1e7)) {
      timeOut.textContent = 'choose n ≤ 10,000,000';
      return;
    }
    const Arr = dtype.value === '8' ? Float64Array : Float32Array;
    const x = Arr.from({ length: N }, (_, i) => Math.sin(i) * 3);
    const g = Arr.from({ length: N }, (_, i) => Math.cos(i));
    const s = sm.softmax(x);
    const out = new Arr(N);
    const reps = N > 1e6 ? 3 : 20;
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) sm.softmaxBackward(g, s, { out });
    timeOut.set((performance.now() - t0) / reps);
    timeOut.textContent += ` for n = ${N.toLocaleString('en')} (sum of the result: ${fmt(
      out.reduce((a, v) => a + v, 0),
      6,
    )})`;
  }

  store.subscribe(update);
  update(store.get());
  updateMemory();
}
