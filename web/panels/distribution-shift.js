// Panel 1: editable logits of the next-token candidates -> softmax probabilities.
// Shows "winner takes most": the top token's probability ratio to the runner-up is
// e^(difference of logits), far larger than the ratio of the logits themselves.
import { h, readout, fmt } from '../lib/format.js';
import { chart, bars, COLORS } from '../lib/charts.js';
import { TOKENS, PROMPT, DEFAULT_LOGITS } from '../state.js';

export function mount(el, { sm, store }) {
  const inputs = TOKENS.map((t, i) =>
    h('input', {
      type: 'number',
      step: '0.1',
      value: String(DEFAULT_LOGITS[i]),
      'data-testid': `logit-${t}`,
      'aria-label': `logit of "${t}"`,
      oninput: () => {
        const v = Number(inputs[i].value);
        if (inputs[i].value === '' || !Number.isFinite(v)) return;
        const logits = Float64Array.from(store.get().logits);
        logits[i] = v;
        store.set({ logits });
      },
    }),
  );
  const probs = TOKENS.map((t) => readout(`prob-${t}`, { label: `probability of "${t}"` }));
  const sum = readout('prob-sum');
  const winner = h('output', { 'data-testid': 'shift-winner' });
  const winnerP = readout('shift-winner-prob', { format: (v) => `${(100 * v).toFixed(1)}%` });
  const ratioP = readout('shift-prob-ratio', { digits: 2 });
  const ratioX = h('output', { class: 'num', 'data-testid': 'shift-logit-gap' });
  const reset = h(
    'button',
    {
      class: 'secondary',
      type: 'button',
      'data-testid': 'shift-reset',
      onclick: () => {
        DEFAULT_LOGITS.forEach((v, i) => {
          inputs[i].value = String(v);
        });
        store.set({ logits: Float64Array.from(DEFAULT_LOGITS) });
      },
    },
    'Reset logits',
  );

  const table = h(
    'table',
    { class: 'nums' },
    h('thead', {}, h('tr', {}, h('th', {}, 'token'), h('th', {}, 'logit'), h('th', {}, 'probability'))),
    h(
      'tbody',
      {},
      TOKENS.map((t, i) => h('tr', {}, h('td', {}, `“${t}”`), h('td', {}, inputs[i]), h('td', {}, probs[i]))),
    ),
    h('tfoot', {}, h('tr', {}, h('td', {}, 'sum'), h('td'), h('td', {}, sum))),
  );

  const logitChart = h('div', { class: 'chart' });
  const probChart = h('div', { class: 'chart' });
  el.append(
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        h('p', { class: 'note' }, `Candidates for the next word after “${PROMPT} …”. Type or use the arrow keys.`),
        table,
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'winner: ', winner, ' with ', winnerP),
          h('span', {}, 'p(winner) / p(runner-up) = ', ratioP, ' = e', h('sup', {}, ratioX)),
        ),
        reset,
      ),
      h(
        'div',
        { class: 'cols even' },
        h('div', {}, h('p', { class: 'chart-title' }, 'Logits (input)'), logitChart),
        h('div', {}, h('p', { class: 'chart-title' }, 'softmax(logits) (output)'), probChart),
      ),
    ),
  );

  let s = new Float64Array(TOKENS.length);
  const lc = chart(
    logitChart,
    (w) =>
      bars(
        w,
        TOKENS.map((t, i) => ({ label: t, value: store.get().logits[i] })),
        {
          xLabel: 'token',
          yLabel: 'logit',
          color: COLORS.logit,
          digits: 1,
        },
      ),
    { reserve: 220 },
  );
  const pc = chart(
    probChart,
    (w) =>
      bars(
        w,
        TOKENS.map((t, i) => ({ label: t, value: s[i] })),
        {
          xLabel: 'token',
          yLabel: 'probability',
          domain: [0, 1],
          digits: 2,
        },
      ),
    { reserve: 220 },
  );

  function update({ logits }) {
    s = sm.softmax(logits);
    let total = 0;
    s.forEach((p, i) => {
      probs[i].set(p);
      total += p;
    });
    sum.set(total);
    const order = [...s.keys()].sort((a, b) => s[b] - s[a]);
    const [top, second] = order;
    winner.textContent = `“${TOKENS[top]}”`;
    winnerP.set(s[top]);
    ratioP.set(s[top] / s[second]);
    ratioX.textContent = fmt(logits[top] - logits[second], 2);
    lc.update();
    pc.update();
  }
  store.subscribe(update);
  update(store.get());
}
