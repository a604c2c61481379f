// Panel 5: an editable upstream gradient g = dL/ds and the gradient w.r.t. the logits,
// dL/dx = s * (g - <g, s>), from sm.softmaxBackward. "Uniform gradient" sets every g_i
// to the same value, and the result is zero (softmax ignores a constant shift).
import { h, readout } from '../lib/format.js';
import { chart, bars, COLORS } from '../lib/charts.js';
import { TOKENS, DEFAULT_UPSTREAM } from '../state.js';

export function mount(el, { sm, store }) {
  const n = TOKENS.length;
  const setG = (values) => {
    values.forEach((v, i) => {
      gInputs[i].value = String(v);
    });
    store.set({ upstream: Float64Array.from(values) });
  };
  const gInputs = TOKENS.map((t, i) =>
    h('input', {
      type: 'number',
      step: '0.25',
      value: String(DEFAULT_UPSTREAM[i]),
      'data-testid': `grad-in-${t}`,
      'aria-label': `upstream gradient for "${t}"`,
      oninput: () => {
        const v = Number(gInputs[i].value);
        if (gInputs[i].value === '' || !Number.isFinite(v)) return;
        const g = Float64Array.from(store.get().upstream);
        g[i] = v;
        store.set({ upstream: g });
      },
    }),
  );
  const sOut = TOKENS.map((t) => readout(`bwd-s-${t}`));
  const dxOut = TOKENS.map((t) => readout(`bwd-dx-${t}`, { label: `dL/dx for "${t}"` }));
  const dot = readout('bwd-dot');
  const sum = readout('bwd-sum', { digits: 6 });
  const uniform = h(
    'button',
    {
      type: 'button',
      'data-testid': 'bwd-uniform',
      onclick: () => setG(Array(n).fill(0.5)),
    },
    'Uniform gradient',
  );
  const reset = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'bwd-reset',
      onclick: () => setG(DEFAULT_UPSTREAM),
    },
    'Reset',
  );
  const onehot = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'bwd-onehot',
      onclick: () => setG(TOKENS.map((_, i) => (i === 0 ? 1 : 0))),
    },
    'g = e₁ (only “mat”)',
  );

  const gBox = h('div', { class: 'chart' });
  const dxBox = h('div', { class: 'chart' });
  el.append(
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        h(
          'table',
          { class: 'nums' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'token'), h('th', {}, 'g = ∂L/∂s'), h('th', {}, 's'), h('th', {}, '∂L/∂x')),
          ),
          h(
            'tbody',
            {},
            TOKENS.map((t, i) =>
              h('tr', {}, h('td', {}, `“${t}”`), h('td', {}, gInputs[i]), h('td', {}, sOut[i]), h('td', {}, dxOut[i])),
            ),
          ),
        ),
        h('div', { class: 'facts' }, h('span', {}, '⟨g, s⟩ = ', dot), h('span', {}, 'Σ ∂L/∂x = ', sum)),
        h('div', { class: 'controls' }, uniform, onehot, reset),
      ),
      h(
        'div',
        { class: 'cols even' },
        h('div', {}, h('p', { class: 'chart-title' }, 'Upstream gradient g'), gBox),
        h('div', {}, h('p', { class: 'chart-title' }, '∂L/∂x = s ⊙ (g − ⟨g, s⟩)'), dxBox),
      ),
    ),
  );

  let dx = new Float64Array(n);
  const gc = chart(
    gBox,
    (w) =>
      bars(
        w,
        TOKENS.map((t, i) => ({ label: t, value: store.get().upstream[i] })),
        {
          xLabel: 'token',
          yLabel: '∂L/∂s',
          color: COLORS.logit,
          digits: 2,
        },
      ),
    { reserve: 220 },
  );
  const dc = chart(
    dxBox,
    (w) =>
      bars(
        w,
        TOKENS.map((t, i) => ({ label: t, value: dx[i] })),
        {
          xLabel: 'token',
          yLabel: '∂L/∂x',
          color: COLORS.grad,
          digits: 3,
          domain: Math.max(...dx.map(Math.abs)) < 1e-9 ? [-0.1, 0.1] : undefined,
        },
      ),
    { reserve: 220 },
  );

  function update({ logits, upstream }) {
    const s = sm.softmax(logits);
    dx = sm.softmaxBackward(upstream, s);
    s.forEach((v, i) => sOut[i].set(v));
    dx.forEach((v, i) => dxOut[i].set(v));
    // <g, s> = g_i - dx_i / s_i for any i; read it off the kernel's output, not a JS dot product.
    let k = 0;
    for (let i = 1; i < n; i++) if (s[i] > s[k]) k = i;
    dot.set(upstream[k] - dx[k] / s[k]);
    sum.set(dx.reduce((a, b) => a + b, 0));
    gc.update();
    dc.update();
  }
  store.subscribe(update);
  update(store.get());
}
