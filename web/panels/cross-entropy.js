// Panel 6: pick the true next token -> cross-entropy loss and its gradient w.r.t. the
// logits, s - y, both from sm.crossEntropy(..., { grad: true }); a label-smoothing
// slider turns the one-hot y into (1 - eps) * one-hot + eps / n.
import { h, readout, fmt } from '../lib/format.js';
import { Plot, chart, base, COLORS } from '../lib/charts.js';
import { TOKENS } from '../state.js';

export function mount(el, { sm, store }) {
  const n = TOKENS.length;
  const target = h(
    'select',
    { 'data-testid': 'ce-target', onchange: () => update(store.get()) },
    TOKENS.map((t, i) => h('option', { value: String(i) }, `“${t}”`)),
  );
  const smoothing = h('input', {
    type: 'range',
    min: '0',
    max: '0.5',
    step: '0.01',
    value: '0',
    'data-testid': 'ce-smoothing',
    oninput: () => update(store.get()),
  });
  const smoothingOut = h('output', { class: 'num', 'data-testid': 'ce-smoothing-value' });
  const loss = readout('ce-loss');
  const prob = readout('ce-target-prob');
  const gradOut = TOKENS.map((t) => readout(`ce-grad-${t}`, { label: `gradient for "${t}"` }));
  const yOut = TOKENS.map((t) => readout(`ce-y-${t}`, { digits: 3 }));
  const box = h('div', { class: 'chart', 'data-testid': 'ce-chart' });

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
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'true next token'), target),
          h(
            'label',
            { class: 'field' },
            h('span', { class: 'field-label' }, 'label smoothing ε'),
            h('span', {}, smoothing, ' ', smoothingOut),
          ),
        ),
        h('div', { class: 'facts' }, h('span', {}, 'loss = ', loss), h('span', {}, 's(true token) = ', prob)),
        h(
          'table',
          { class: 'nums' },
          h('thead', {}, h('tr', {}, h('th', {}, 'token'), h('th', {}, 'target y'), h('th', {}, '∂loss/∂x = s − y'))),
          h(
            'tbody',
            {},
            TOKENS.map((t, i) => h('tr', {}, h('td', {}, `“${t}”`), h('td', {}, yOut[i]), h('td', {}, gradOut[i]))),
          ),
        ),
      ),
      h('div', {}, h('p', { class: 'chart-title' }, 'softmax s, target y, and the gradient s − y'), box),
    ),
  );

  let data = [];
  const series = ['s', 'y', 's − y'];
  const colors = [COLORS.prob, COLORS.target, COLORS.grad];
  const c = chart(
    box,
    (w) =>
      Plot.plot(
        base(w, 260, {
          marginTop: 24,
          fx: { label: null, domain: series, padding: 0.08 },
          x: { label: 'token', domain: TOKENS, tickRotate: w < 560 ? -60 : 0 },
          y: { label: 'value', domain: [-1, 1], grid: true },
          color: { domain: series, range: colors },
          marginBottom: w < 560 ? 50 : 40,
          marks: [
            Plot.barY(data, {
              fx: 'series',
              x: 'token',
              y: 'value',
              fill: 'series',
              title: (d) => `${d.token}: ${d.value.toFixed(4)}`,
            }),
            Plot.ruleY([0]),
          ],
        }),
      ),
    { reserve: 260 },
  );

  function update({ logits }) {
    const k = Number(target.value);
    const eps = Number(smoothing.value);
    smoothingOut.textContent = eps.toFixed(2);
    const r = sm.crossEntropy(logits, [k], { shape: [1, n], grad: true, labelSmoothing: eps });
    const L = typeof r.loss === 'number' ? r.loss : r.loss[0];
    const s = sm.softmax(logits);
    loss.set(L);
    prob.set(s[k]);
    data = [];
    for (let i = 0; i < n; i++) {
      const y = s[i] - r.grad[i]; // the target the kernel used, read back from its gradient
      gradOut[i].set(r.grad[i]);
      yOut[i].set(y);
      data.push({ series: series[0], token: TOKENS[i], value: s[i] });
      data.push({ series: series[1], token: TOKENS[i], value: y });
      data.push({ series: series[2], token: TOKENS[i], value: r.grad[i] });
    }
    box.dataset.loss = fmt(L, 6);
    c.update();
  }
  store.subscribe(update);
  update(store.get());
}
