// Panel 8: softmax(x / T) of the current vector for T from 0.1 to 5, with the entropy
// of the result (from softmax and logSoftmax: H = -sum s log s). An animation sweeps T.
import { h, readout, fmt } from '../lib/format.js';
import { Plot, chart, base, bars, COLORS } from '../lib/charts.js';
import { TOKENS } from '../state.js';

const T_MIN = 0.1;
const T_MAX = 5;

function entropy(sm, logits, T) {
  const s = sm.softmax(logits, { temperature: T });
  const ls = sm.logSoftmax(logits, { temperature: T });
  let H = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > 0) H -= s[i] * ls[i];
  return { s, H };
}

export function mount(el, { sm, store }) {
  const n = TOKENS.length;
  const slider = h('input', {
    type: 'range',
    min: String(T_MIN),
    max: String(T_MAX),
    step: '0.05',
    value: '1',
    'data-testid': 'temp-slider',
    'aria-label': 'temperature T',
    oninput: () => {
      stopAnimation();
      update(store.get());
    },
  });
  const tOut = readout('temp-value', { digits: 2 });
  const H = readout('temp-entropy', { digits: 4 });
  const bits = readout('temp-entropy-bits', { digits: 3 });
  const Hmax = h('span', { class: 'num' }, fmt(Math.log(n), 4));
  const probs = TOKENS.map((t) => readout(`temp-prob-${t}`));
  const play = h(
    'button',
    { type: 'button', 'data-testid': 'temp-animate', 'aria-pressed': 'false', onclick: () => toggle() },
    'Animate T',
  );
  const barBox = h('div', { class: 'chart' });
  const curveBox = h('div', { class: 'chart', 'data-testid': 'temp-curve' });

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
          h(
            'label',
            { class: 'field' },
            h('span', { class: 'field-label' }, 'temperature T'),
            h('span', {}, slider, ' ', tOut),
          ),
          play,
        ),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'entropy H = ', H, ' nats = ', bits, ' bits'),
          h('span', {}, 'maximum log n = ', Hmax),
        ),
        h(
          'table',
          { class: 'nums' },
          h('thead', {}, h('tr', {}, h('th', {}, 'token'), h('th', {}, 'softmax(x / T)'))),
          h(
            'tbody',
            {},
            TOKENS.map((t, i) => h('tr', {}, h('td', {}, `“${t}”`), h('td', {}, probs[i]))),
          ),
        ),
      ),
      h(
        'div',
        { class: 'cols even' },
        h('div', {}, h('p', { class: 'chart-title' }, 'Probabilities at this temperature'), barBox),
        h('div', {}, h('p', { class: 'chart-title' }, 'Entropy across temperatures'), curveBox),
      ),
    ),
  );

  let s = new Float64Array(n);
  let curve = [];
  let T = 1;
  let Hnow = 0;
  const bc = chart(
    barBox,
    (w) =>
      bars(
        w,
        TOKENS.map((t, i) => ({ label: t, value: s[i] })),
        {
          xLabel: 'token',
          yLabel: 'probability',
          domain: [0, 1],
          color: COLORS.prob,
        },
      ),
    { reserve: 220 },
  );
  const cc = chart(
    curveBox,
    (w) =>
      Plot.plot(
        base(w, 220, {
          x: { label: 'temperature T', domain: [0, T_MAX] },
          y: { label: 'entropy (nats)', domain: [0, Math.log(n) * 1.05], grid: true },
          marks: [
            Plot.ruleY([Math.log(n)], { stroke: '#9ca3af', strokeDasharray: '4 3' }),
            Plot.line(curve, { x: 'T', y: 'H', stroke: COLORS.prob }),
            Plot.dot([{ T, H: Hnow }], { x: 'T', y: 'H', r: 5, fill: COLORS.accent, stroke: 'black' }),
          ],
        }),
      ),
    { reserve: 220 },
  );

  let lastLogits = null;
  function update({ logits }) {
    T = Number(slider.value);
    const r = entropy(sm, logits, T);
    s = r.s;
    Hnow = r.H;
    tOut.set(T);
    H.set(r.H);
    bits.set(r.H / Math.LN2);
    s.forEach((p, i) => probs[i].set(p));
    if (logits !== lastLogits) {
      curve = [];
      for (let i = 0; i <= 98; i++) {
        const t = T_MIN + i * 0.05;
        curve.push({ T: t, H: entropy(sm, logits, t).H });
      }
      lastLogits = logits;
    }
    bc.update();
    cc.update();
  }

  // Sweep from T_MAX down to T_MIN and back, about 8 s per cycle.
  let raf = 0;
  let t0 = 0;
  function frame(now) {
    const phase = ((now - t0) / 8000) % 1;
    const u = phase < 0.5 ? 1 - 2 * phase : 2 * phase - 1; // 1 -> 0 -> 1
    const t = T_MIN * (T_MAX / T_MIN) ** u; // geometric sweep: equal time per factor of T
    slider.value = String(Math.round(t / 0.05) * 0.05 || T_MIN);
    update(store.get());
    raf = requestAnimationFrame(frame);
  }
  function stopAnimation() {
    if (!raf) return;
    cancelAnimationFrame(raf);
    raf = 0;
    play.textContent = 'Animate T';
    play.setAttribute('aria-pressed', 'false');
  }
  function toggle() {
    if (raf) {
      stopAnimation();
      return;
    }
    t0 = performance.now();
    play.textContent = 'Stop animation';
    play.setAttribute('aria-pressed', 'true');
    raf = requestAnimationFrame(frame);
  }

  store.subscribe(update);
  update(store.get());
}
