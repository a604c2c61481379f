// Panel 12: what comes after "the cat sat on a"? A small word-level language model
// (web/lib/next-token-model.js, weights in web/data/next-token-model.json, trained by
// scripts/train-next-token.mjs with sm.crossEntropy) gives the logits of the next word;
// the sampling controls decide which words may be drawn. Every kept/cut mark comes from
// sm.filterLogits, every probability from sm.softmax, every generated word from
// sm.sample with a generator sm.random(seed), so the same seed gives the same text.
import { h, readout, fmt } from '../lib/format.js';
import { Plot, chart, base, COLORS } from '../lib/charts.js';
import { loadModel, tokenize, detokenize } from '../lib/next-token-model.js';

const MODEL_URL = new URL('../data/next-token-model.json', import.meta.url);
const DEFAULT_PROMPT = 'the cat sat on a';
const DEFAULT_SEED = 42;
const TOP = 20; // bars shown
const GENERATE = 24; // words generated per run
const STEP_MS = 45; // delay between generated words (the text appears word by word)
const CUT_COLOR = '#cbd5e1';

/** A labelled range slider with its readout; `format` turns the value into text. */
function slider(testid, label, { min, max, step, value, format }) {
  const input = h('input', {
    type: 'range',
    min: String(min),
    max: String(max),
    step: String(step),
    value: String(value),
    'data-testid': testid,
    'aria-label': label,
  });
  const out = readout(`${testid}-value`, { format });
  return {
    input,
    out,
    el: h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), h('span', {}, input, ' ', out)),
  };
}

export function mount(el, { sm }) {
  const status = h('p', { class: 'note', 'data-testid': 'nt-status' }, 'Loading the model…');
  el.append(status);
  return fetch(MODEL_URL)
    .then((r) => {
      if (!r.ok) throw new Error(`${MODEL_URL.pathname}: HTTP ${r.status}`);
      return r.json();
    })
    .then((json) => build(el, sm, json, status))
    .catch((err) => {
      status.textContent = `The language model could not be loaded: ${err.message}`;
      status.classList.add('error');
      throw err;
    });
}

function build(el, sm, json, status) {
  const model = loadModel(json);
  const V = model.vocab.length;
  status.remove();

  // ---- controls ----
  const prompt = h('input', {
    type: 'text',
    value: DEFAULT_PROMPT,
    'data-testid': 'nt-prompt',
    'aria-label': 'prompt',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const temp = slider('nt-temperature', 'temperature T', {
    min: 0,
    max: 2,
    step: 0.05,
    value: 1,
    format: (v) => (v === 0 ? '0 (greedy)' : fmt(v, 2)),
  });
  const topK = slider('nt-topk', 'top-k', {
    min: 0,
    max: 50,
    step: 1,
    value: 0,
    format: (v) => (v === 0 ? 'off' : String(v)),
  });
  const topP = slider('nt-topp', 'top-p', {
    min: 0.05,
    max: 1,
    step: 0.01,
    value: 1,
    format: (v) => (v === 1 ? 'off' : fmt(v, 2)),
  });
  const minP = slider('nt-minp', 'min-p', {
    min: 0,
    max: 0.5,
    step: 0.01,
    value: 0,
    format: (v) => (v === 0 ? 'off' : fmt(v, 2)),
  });
  const rep = slider('nt-repetition', 'repetition penalty', {
    min: 1,
    max: 3,
    step: 0.1,
    value: 1,
    format: (v) => (v === 1 ? 'off' : fmt(v, 1)),
  });
  const reset = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'nt-reset', onclick: () => resetControls() },
    'Reset controls',
  );

  const keptCount = readout('nt-kept-count', { format: (v) => `${v} of ${V}` });
  const keptMass = readout('nt-kept-mass', { format: (v) => `${(100 * v).toFixed(1)}%` });
  const unknown = h('p', { class: 'note', 'data-testid': 'nt-unknown', hidden: true });
  const keptList = h('p', { class: 'note nt-kept-words', 'data-testid': 'nt-kept' });
  const logitsEl = h('span', { 'data-testid': 'nt-logits', hidden: true });

  // ---- generation ----
  const seed = h('input', {
    type: 'number',
    min: '0',
    step: '1',
    value: String(DEFAULT_SEED),
    'data-testid': 'nt-seed',
    'aria-label': 'seed',
  });
  const newSeed = h(
    'button',
    {
      type: 'button',
      'data-testid': 'nt-new-seed',
      onclick: () => {
        seed.value = String(randomSeed());
        generate();
      },
    },
    'New seed',
  );
  const again = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'nt-generate', onclick: () => generate() },
    'Generate again',
  );
  const output = h('p', { class: 'nt-output', 'data-testid': 'nt-output', 'aria-live': 'polite' });

  const barBox = h('div', { class: 'chart', 'data-testid': 'nt-chart' });
  const tbody = h('tbody');
  el.append(
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        h('label', { class: 'field nt-prompt' }, h('span', { class: 'field-label' }, 'prompt'), prompt),
        unknown,
        h('div', { class: 'controls nt-controls' }, temp.el, topK.el, topP.el, minP.el, rep.el, reset),
        h(
          'div',
          { class: 'facts' },
          h('span', {}, 'kept: ', keptCount, ' words'),
          h('span', {}, 'their probability at T: ', keptMass),
        ),
        keptList,
        logitsEl,
      ),
      h(
        'div',
        {},
        h(
          'p',
          { class: 'chart-title' },
          'The 20 most likely next words: probability softmax(x / T), ',
          h('span', { class: 'nt-key nt-key-kept' }, 'kept'),
          ' or ',
          h('span', { class: 'nt-key nt-key-cut' }, 'cut'),
          ' by the filters',
        ),
        barBox,
        h(
          'details',
          {},
          h('summary', {}, 'The numbers'),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'nums', 'data-testid': 'nt-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'word'),
                  h('th', {}, 'logit'),
                  h('th', {}, 'p at T'),
                  h('th', {}, 'kept'),
                  h('th', {}, 'p sampled'),
                ),
              ),
              tbody,
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'nt-generate' },
      h(
        'div',
        { class: 'controls' },
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'seed'), seed),
        newSeed,
        again,
      ),
      output,
      h(
        'p',
        { class: 'note' },
        `${GENERATE} words drawn one at a time with sm.sample(logits, { temperature, topK, topP, minP, repetitionPenalty, history, random: sm.random(seed) }); ` +
          'the history is every word so far. Hover a word for its probability. The same seed and controls give the same text.',
      ),
    ),
  );

  const all = [temp, topK, topP, minP, rep];
  for (const c of all)
    c.input.addEventListener('input', () => {
      update();
      generate();
    });
  prompt.addEventListener('input', () => {
    update();
    generate();
  });
  seed.addEventListener('input', () => generate());

  function resetControls() {
    temp.input.value = '1';
    topK.input.value = '0';
    topP.input.value = '1';
    minP.input.value = '0';
    rep.input.value = '1';
    update();
    generate();
  }

  function options() {
    return {
      temperature: Number(temp.input.value),
      topK: Number(topK.input.value),
      topP: Number(topP.input.value),
      minP: Number(minP.input.value),
      repetitionPenalty: Number(rep.input.value),
    };
  }

  /** The prompt's known word ids; unknown words are listed and skipped. */
  function context() {
    const words = tokenize(prompt.value);
    const missing = words.filter((w) => !model.index.has(w));
    unknown.hidden = missing.length === 0;
    unknown.textContent = missing.length
      ? `Not in the model's ${V}-word vocabulary, skipped: ${[...new Set(missing)].join(', ')}`
      : '';
    return words.filter((w) => model.index.has(w)).map((w) => model.index.get(w));
  }

  let top = [];
  function update() {
    const o = options();
    const ids = context();
    const logits = model.logits(ids);
    const history = Int32Array.from(ids);
    // Processed logits before any cut (penalty, temperature), and the kept ones.
    const base = { temperature: o.temperature, repetitionPenalty: o.repetitionPenalty, history };
    const processed = sm.filterLogits(logits, base);
    const kept = sm.filterLogits(logits, { ...base, topK: o.topK, topP: o.topP, minP: o.minP });
    const pT = sm.softmax(processed);
    const pKept = sm.softmax(kept);
    const keptIds = [];
    let mass = 0;
    for (let i = 0; i < V; i++) {
      if (kept[i] !== -Infinity) {
        keptIds.push(i);
        mass += pT[i];
      }
    }
    temp.out.set(o.temperature);
    topK.out.set(o.topK);
    topP.out.set(o.topP);
    minP.out.set(o.minP);
    rep.out.set(o.repetitionPenalty);
    keptCount.set(keptIds.length);
    keptMass.set(mass);
    keptList.dataset.values = JSON.stringify(keptIds);
    const shown = keptIds.slice().sort((a, b) => pT[b] - pT[a] || a - b);
    keptList.textContent = `Kept: ${shown
      .slice(0, 30)
      .map((i) => model.vocab[i])
      .join(', ')}${shown.length > 30 ? `, … (${shown.length - 30} more)` : ''}`;
    logitsEl.dataset.values = JSON.stringify(Array.from(logits));
    // The 20 most probable words (ties: lower id first): sm.topK of the penalised logits
    // (temperature T > 0 keeps their order; at T = 0 every other word is -Infinity).
    const ranked =
      o.temperature === 1 ? processed : sm.filterLogits(logits, { repetitionPenalty: o.repetitionPenalty, history });
    const best = sm.topK(ranked, Math.min(TOP, V)).indices;
    top = Array.from(best, (i) => ({
      id: i,
      word: model.vocab[i],
      logit: logits[i],
      p: pT[i],
      kept: kept[i] !== -Infinity,
      q: pKept[i],
    }));
    tbody.replaceChildren(
      ...top.map((t, r) =>
        h(
          'tr',
          { 'data-testid': `nt-row-${r}`, 'data-word': t.word, 'data-kept': String(t.kept) },
          h('td', {}, t.word),
          h('td', {}, fmt(t.logit, 3)),
          h('td', {}, fmt(t.p, 4)),
          h('td', { class: t.kept ? 'ok' : '' }, t.kept ? 'kept' : 'cut'),
          h('td', {}, fmt(t.q, 4)),
        ),
      ),
    );
    bc.update();
  }

  const bc = chart(
    barBox,
    (w) =>
      Plot.plot(
        base(w, TOP * 19 + 50, {
          marginLeft: 78,
          marginRight: 44,
          x: {
            label: 'probability at temperature T',
            grid: true,
            domain: [0, Math.max(0.05, ...top.map((t) => t.p)) * 1.08],
          },
          y: { label: 'next word', domain: top.map((t) => t.word), tickSize: 0 },
          marks: [
            Plot.barX(top, {
              y: 'word',
              x: 'p',
              fill: (d) => (d.kept ? COLORS.prob : CUT_COLOR),
              title: (d) => `${d.word}: p = ${d.p.toFixed(4)} (${d.kept ? 'kept' : 'cut'})`,
            }),
            Plot.text(top, {
              y: 'word',
              x: 'p',
              text: (d) => `${(100 * d.p).toFixed(1)}%`,
              textAnchor: 'start',
              dx: 4,
              fill: 'currentColor',
            }),
            Plot.ruleX([0]),
          ],
        }),
      ),
    { reserve: TOP * 19 + 50 },
  );

  // ---- generation: word by word, cancelled by any newer run ----
  let run = 0;
  function generate() {
    const me = ++run;
    const s = Number(seed.value);
    output.dataset.done = 'false';
    if (!Number.isSafeInteger(s) || s < 0) {
      output.textContent = 'The seed must be a whole number ≥ 0.';
      output.classList.add('error');
      output.dataset.done = 'true';
      return;
    }
    output.classList.remove('error');
    const o = options();
    const rng = sm.random(s);
    const ids = context();
    const made = [];
    const probs = [];
    output.replaceChildren(h('span', { class: 'nt-given' }, detokenize(ids.map((i) => model.vocab[i]))));
    output.dataset.seed = String(s);
    const step = () => {
      if (me !== run) return;
      const history = Int32Array.from(ids);
      const { tokens, logProbs } = sm.sample(model.logits(ids), { ...o, history, random: rng, logProbs: true });
      const id = tokens[0];
      ids.push(id);
      made.push(id);
      probs.push(Math.exp(logProbs[0]));
      const word = model.vocab[id];
      output.append(
        /^[.,]$/.test(word) ? '' : ' ',
        h(
          'span',
          { class: 'nt-word', title: `p = ${Math.exp(logProbs[0]).toFixed(4)} under the filtered distribution` },
          word,
        ),
      );
      output.dataset.tokens = JSON.stringify(made);
      if (made.length < GENERATE) setTimeout(step, STEP_MS);
      else {
        output.dataset.text = detokenize(made.map((i) => model.vocab[i]));
        output.dataset.done = 'true';
      }
    };
    step();
  }

  update();
  generate();
}

function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
