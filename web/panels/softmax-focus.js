// Panel 2: a batch of logits as a matrix (rows = classes, columns = samples) and its
// softmax along axis 0, one distribution per column. Similar logits, peaked outputs.
import { h, readout, rng, gauss, fmt } from '../lib/format.js';
import { chart, heatmap } from '../lib/charts.js';

const CLASSES = ['cat', 'dog', 'bird', 'fish', 'frog'];
const SAMPLES = 6;

export function mount(el, { sm }) {
  const C = CLASSES.length;
  let seed = 7;
  let x = new Float64Array(C * SAMPLES);
  let s = new Float64Array(C * SAMPLES);
  const colLabels = Array.from({ length: SAMPLES }, (_, j) => `#${j + 1}`);

  const spread = h('input', {
    type: 'range',
    min: '0.5',
    max: '4',
    step: '0.1',
    value: '1.5',
    'data-testid': 'focus-spread',
    oninput: () => update(),
  });
  const spreadOut = h('output', { class: 'num', 'data-testid': 'focus-spread-value' });
  const again = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'data-testid': 'focus-new-batch',
      onclick: () => {
        seed += 1;
        update();
      },
    },
    'New batch',
  );
  const meanMax = readout('focus-mean-max', { digits: 3 });
  const colSums = h('output', { class: 'num', 'data-testid': 'focus-colsums' });

  const logitsBox = h('div', { class: 'chart', 'data-testid': 'focus-logits' });
  const probsBox = h('div', { class: 'chart', 'data-testid': 'focus-probs' });
  el.append(
    h(
      'div',
      { class: 'controls' },
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, 'logit spread (std. dev.)'),
        h('span', {}, spread, ' ', spreadOut),
      ),
      again,
    ),
    h(
      'div',
      { class: 'cols even' },
      h('div', {}, h('p', { class: 'chart-title' }, 'Logits: similar magnitudes'), logitsBox),
      h('div', {}, h('p', { class: 'chart-title' }, 'softmax(logits, { shape: [5, 6], axis: 0 })'), probsBox),
    ),
    h(
      'div',
      { class: 'facts' },
      h('span', {}, 'mean of each column’s largest probability: ', meanMax, ` (uniform would give ${fmt(1 / C, 3)})`),
      h('span', {}, 'column sums: ', colSums),
    ),
  );

  const common = { rowLabels: CLASSES, colLabels, xLabel: 'sample', yLabel: 'class' };
  const lc = chart(logitsBox, (w) => heatmap(w, x, C, SAMPLES, { ...common, scheme: 'greys', digits: 1 }), {
    reserve: 246,
  });
  const pc = chart(
    probsBox,
    (w) => heatmap(w, s, C, SAMPLES, { ...common, scheme: 'blues', domain: [0, 1], digits: 2 }),
    { reserve: 246 },
  );

  function update() {
    const sd = Number(spread.value);
    spreadOut.textContent = sd.toFixed(1);
    const rand = rng(seed);
    x = Float64Array.from({ length: C * SAMPLES }, () => Math.round(sd * gauss(rand) * 10) / 10);
    s = sm.softmax(x, { shape: [C, SAMPLES], axis: 0 });
    logitsBox.dataset.values = JSON.stringify(Array.from(x));
    probsBox.dataset.values = JSON.stringify(Array.from(s));
    let maxSum = 0;
    const sums = [];
    for (let j = 0; j < SAMPLES; j++) {
      let m = 0;
      let t = 0;
      for (let i = 0; i < C; i++) {
        m = Math.max(m, s[i * SAMPLES + j]);
        t += s[i * SAMPLES + j];
      }
      maxSum += m;
      sums.push(t);
    }
    meanMax.set(maxSum / SAMPLES);
    colSums.textContent = sums.map((t) => fmt(t, 3)).join(' ');
    lc.update();
    pc.update();
  }
  update();
}
