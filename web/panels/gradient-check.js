// Panel 9: finite-difference check of the backward pass. For L(x) = <g, softmax(x)>,
// the analytic gradient is sm.softmaxBackward(g, softmax(x)); the numerical one is
// (L(x + h e_j) - L(x - h e_j)) / 2h with L evaluated through sm.softmax. The curve
// shows the error for every h: truncation error on the right, rounding on the left.
import { h, readout, fmtSci } from '../lib/format.js';
import { Plot, chart, base, COLORS } from '../lib/charts.js';
import { TOKENS } from '../state.js';

const STEPS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];

/** Analytic and central-difference gradients and their max abs / relative error. */
function check(sm, logits, upstream, step, dtype) {
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const x = Arr.from(logits);
  const g = Arr.from(upstream);
  const analytic = sm.softmaxBackward(g, sm.softmax(x));
  const L = (v) => {
    const s = sm.softmax(v);
    let t = 0;
    for (let i = 0; i < s.length; i++) t += g[i] * s[i];
    return t;
  };
  const numeric = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const xp = Arr.from(x);
    const xm = Arr.from(x);
    xp[j] += step;
    xm[j] -= step;
    numeric[j] = (L(xp) - L(xm)) / (xp[j] - xm[j]); // the step actually taken after rounding
  }
  let absErr = 0;
  let scale = 0;
  for (let j = 0; j < x.length; j++) {
    absErr = Math.max(absErr, Math.abs(analytic[j] - numeric[j]));
    scale = Math.max(scale, Math.abs(analytic[j]), Math.abs(numeric[j]));
  }
  // A NaN (the step vanished in float32) must stay NaN, not turn into a perfect score.
  return { analytic, numeric, absErr, relErr: Number.isNaN(absErr) ? NaN : scale > 0 ? absErr / scale : 0 };
}

export function mount(el, { sm, store }) {
  const stepSel = h(
    'select',
    { 'data-testid': 'gc-h', onchange: () => update(store.get()) },
    STEPS.map((s) => h('option', { value: String(s), selected: s === 1e-5 }, `h = ${s.toExponential(0)}`)),
  );
  const dtypeSel = h(
    'select',
    { 'data-testid': 'gc-dtype', onchange: () => update(store.get()) },
    h('option', { value: 'float64' }, 'float64'),
    h('option', { value: 'float32' }, 'float32'),
  );
  const absErr = readout('gc-max-abs-err', { format: (v) => fmtSci(v, 2) });
  const relErr = readout('gc-rel-err', { format: (v) => fmtSci(v, 2) });
  const verdict = h('output', { 'data-testid': 'gc-verdict' });
  const rows = TOKENS.map((t) => ({
    a: readout(`gc-analytic-${t}`, { digits: 6 }),
    n: readout(`gc-numeric-${t}`, { digits: 6 }),
    e: readout(`gc-err-${t}`, { format: (v) => fmtSci(v, 1) }),
  }));
  const box = h('div', { class: 'chart', 'data-testid': 'gc-curve' });

  el.append(
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        h(
          'div',
          { class: 'controls' },
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'step'), stepSel),
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'number type'), dtypeSel),
        ),
        h('p', { class: 'note' }, 'x = the logits of panel 1, g = the upstream gradient of panel 5.'),
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
                h('th', {}, 'token'),
                h('th', {}, 'analytic'),
                h('th', {}, 'finite diff.'),
                h('th', {}, '|error|'),
              ),
            ),
            h(
              'tbody',
              {},
              TOKENS.map((t, i) =>
                h(
                  'tr',
                  {},
                  h('td', {}, `“${t}”`),
                  h('td', {}, rows[i].a),
                  h('td', {}, rows[i].n),
                  h('td', {}, rows[i].e),
                ),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'max |error| = ', absErr),
          h('span', {}, 'relative = ', relErr),
          h('span', {}, verdict),
        ),
      ),
      h('div', {}, h('p', { class: 'chart-title' }, 'Error against step size (log–log)'), box),
    ),
  );

  let curve = [];
  let current = null;
  const c = chart(
    box,
    (w) =>
      Plot.plot(
        base(w, 260, {
          marginLeft: 56,
          x: { type: 'log', label: 'step h', reverse: true, tickFormat: '.0e' },
          y: { type: 'log', label: 'relative error', grid: true, tickFormat: '.0e' },
          color: { legend: true, domain: ['float64', 'float32'], range: [COLORS.prob, COLORS.grad] },
          marks: [
            Plot.line(curve, {
              x: 'h',
              y: 'err',
              stroke: 'dtype',
              marker: 'circle',
              filter: (d) => Number.isFinite(d.err),
            }),
            current && Plot.dot([current], { x: 'h', y: 'err', r: 7, stroke: 'black', strokeWidth: 2 }),
          ],
        }),
      ),
    { reserve: 290 },
  );

  function update({ logits, upstream }) {
    const step = Number(stepSel.value);
    const dtype = dtypeSel.value;
    const r = check(sm, logits, upstream, step, dtype);
    rows.forEach((row, i) => {
      row.a.set(r.analytic[i]);
      row.n.set(r.numeric[i]);
      row.e.set(Math.abs(r.analytic[i] - r.numeric[i]));
    });
    absErr.set(r.absErr);
    relErr.set(r.relErr);
    const tol = dtype === 'float64' ? 1e-6 : 1e-2;
    verdict.textContent = Number.isNaN(r.relErr)
      ? '✗ x ± h rounds back to x at this precision: the step vanished'
      : r.relErr <= tol
        ? `✓ agrees (relative error ≤ ${tol})`
        : `✗ relative error above ${tol}`;
    verdict.className = r.relErr <= tol ? 'ok' : 'error';
    curve = [];
    for (const dt of ['float64', 'float32']) {
      for (const s of STEPS) {
        const e = check(sm, logits, upstream, s, dt).relErr;
        curve.push({ h: s, err: Math.max(e, 1e-17), dtype: dt });
      }
    }
    current = { h: step, err: Math.max(r.relErr, 1e-17) };
    c.update();
  }
  store.subscribe(update);
  update(store.get());
}
