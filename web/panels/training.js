// Panel 10: train a classifier live on generated 2-D data. Each step calls
// sm.crossEntropy(logits, labels, { grad: true }) for the whole batch; the decision
// regions are the softmax of the model's logits over a grid (sm.softmax), coloured
// by class and faded by confidence. Start/stop, reset, model, data and learning rate.
import { h, readout, fmt } from '../lib/format.js';
import { Plot, chart, base } from '../lib/charts.js';
import { makeData, createModel, trainStep, accuracy, forward, CLASS_COUNT } from '../lib/classifier.js';

const CLASS_COLORS = ['#2563eb', '#dc2626', '#16a34a'];
const CLASS_RGB = [
  [147, 178, 245],
  [240, 150, 150],
  [140, 214, 165],
];
const GRID = 64;
const EXTENT = 1.1;
const TRAIN_MS_PER_FRAME = 12;
const RENDER_EVERY_MS = 120;

export function mount(el, { sm }) {
  const startBtn = h(
    'button',
    {
      type: 'button',
      'data-testid': 'train-start',
      'aria-pressed': 'false',
      onclick: () => (running ? stop() : start()),
    },
    'Start',
  );
  const resetBtn = h(
    'button',
    { type: 'button', class: 'secondary', 'data-testid': 'train-reset', onclick: () => reset() },
    'Reset',
  );
  const modelSel = h(
    'select',
    { 'data-testid': 'train-model', onchange: () => reset() },
    h('option', { value: 'mlp' }, '2-layer network (32 tanh units)'),
    h('option', { value: 'linear' }, 'softmax regression'),
  );
  const dataSel = h(
    'select',
    { 'data-testid': 'train-data', onchange: () => reset() },
    h('option', { value: 'spirals' }, 'three spirals'),
    h('option', { value: 'blobs' }, 'three blobs'),
  );
  const lr = h('input', {
    type: 'range',
    min: '-3',
    max: '0',
    step: '0.1',
    value: String(Math.log10(0.03)),
    'data-testid': 'train-lr',
    'aria-label': 'learning rate (log scale)',
    oninput: () => showLr(),
  });
  const lrOut = h('output', { class: 'num', 'data-testid': 'train-lr-value' });
  const stepOut = readout('train-step', { format: (v) => v.toLocaleString('en') });
  const lossOut = readout('train-loss', { digits: 4 });
  const accOut = readout('train-accuracy', { format: (v) => `${(100 * v).toFixed(1)}%` });
  const regionBox = h('div', { class: 'chart', 'data-testid': 'train-regions' });
  const lossBox = h('div', { class: 'chart', 'data-testid': 'train-loss-curve' });

  el.append(
    h(
      'div',
      { class: 'controls' },
      startBtn,
      resetBtn,
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'model'), modelSel),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'data'), dataSel),
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, 'learning rate'),
        h('span', {}, lr, ' ', lrOut),
      ),
    ),
    h(
      'div',
      { class: 'facts' },
      h('span', {}, 'step ', stepOut),
      h('span', {}, 'loss ', lossOut),
      h('span', {}, 'training accuracy ', accOut),
    ),
    h(
      'div',
      { class: 'cols even' },
      h('div', {}, h('p', { class: 'chart-title' }, 'Decision regions (faded where the model is unsure)'), regionBox),
      h('div', {}, h('p', { class: 'chart-title' }, 'Loss curve'), lossBox),
    ),
  );

  let data;
  let model;
  let history;
  let grid = [];
  let running = false;
  let raf = 0;
  let lastRender = 0;

  const gridX = new Float32Array(GRID * GRID * 2);
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const n = i * GRID + j;
      gridX[2 * n] = -EXTENT + ((j + 0.5) * 2 * EXTENT) / GRID;
      gridX[2 * n + 1] = -EXTENT + ((i + 0.5) * 2 * EXTENT) / GRID;
    }
  }

  data = makeData(dataSel.value);
  model = createModel(modelSel.value);
  history = [];

  const rc = chart(
    regionBox,
    (w) => {
      const side = Math.min(w, 380);
      const points = Array.from(data.y, (k, n) => ({ x: data.X[2 * n], y: data.X[2 * n + 1], k }));
      return Plot.plot(
        base(side, side, {
          marginLeft: 40,
          marginRight: 10,
          marginTop: 24,
          marginBottom: 36,
          x: { domain: [-EXTENT, EXTENT], label: 'feature x₁' },
          y: { domain: [-EXTENT, EXTENT], label: 'feature x₂' },
          color: { type: 'identity' },
          marks: [
            Plot.raster(grid, {
              x: 'x',
              y: 'y',
              fill: 'c',
              width: GRID,
              height: GRID,
              x1: -EXTENT,
              x2: EXTENT,
              y1: -EXTENT,
              y2: EXTENT,
              imageRendering: 'pixelated',
            }),
            Plot.dot(points, {
              x: 'x',
              y: 'y',
              r: 3,
              fill: (d) => CLASS_COLORS[d.k],
              stroke: 'white',
              strokeWidth: 0.8,
            }),
          ],
        }),
      );
    },
    { reserve: 380 },
  );
  const lc = chart(
    lossBox,
    (w) =>
      Plot.plot(
        base(w, 300, {
          x: { label: 'step', domain: [0, Math.max(100, model.step)] },
          y: { label: 'cross-entropy loss', domain: [0, Math.max(1.2, ...history.map((d) => d.loss))], grid: true },
          marks: [
            Plot.ruleY([Math.log(CLASS_COUNT)], { stroke: '#9ca3af', strokeDasharray: '4 3' }),
            Plot.text([{ y: Math.log(CLASS_COUNT) }], {
              y: 'y',
              x: Math.max(100, model.step),
              text: () => 'log 3 (guessing)',
              textAnchor: 'end',
              dy: -6,
              fill: '#6b7280',
            }),
            Plot.line(history, { x: 'step', y: 'loss', stroke: '#dc2626', strokeWidth: 2 }),
          ],
        }),
      ),
    { reserve: 300 },
  );

  function showLr() {
    lrOut.textContent = fmt(10 ** Number(lr.value), 3);
  }

  function computeRegions() {
    const { logits } = forward(model, gridX, GRID * GRID);
    const s = sm.softmax(logits, { shape: [GRID * GRID, CLASS_COUNT], axis: 1 });
    grid = new Array(GRID * GRID);
    for (let n = 0; n < GRID * GRID; n++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < CLASS_COUNT; k++) {
        const p = s[n * CLASS_COUNT + k];
        r += p * CLASS_RGB[k][0];
        g += p * CLASS_RGB[k][1];
        b += p * CLASS_RGB[k][2];
      }
      grid[n] = { x: gridX[2 * n], y: gridX[2 * n + 1], c: `rgb(${r | 0},${g | 0},${b | 0})` };
    }
  }

  function render() {
    stepOut.set(model.step);
    lossOut.set(history.length ? history[history.length - 1].loss : NaN);
    accOut.set(accuracy(model, data));
    computeRegions();
    rc.update();
    lc.update();
  }

  function record(loss) {
    history.push({ step: model.step, loss });
    // Keep the curve light: when it gets long, drop every other point (except the last).
    if (history.length > 600) history = history.filter((_, i) => i % 2 === 0 || i === history.length - 1);
  }

  function frame(now) {
    const t0 = performance.now();
    const rate = 10 ** Number(lr.value);
    let loss;
    do {
      loss = trainStep(sm, model, data, rate);
    } while (performance.now() - t0 < TRAIN_MS_PER_FRAME);
    record(loss);
    if (now - lastRender >= RENDER_EVERY_MS) {
      lastRender = now;
      render();
    }
    if (running) raf = requestAnimationFrame(frame);
  }

  function start() {
    running = true;
    startBtn.textContent = 'Stop';
    startBtn.setAttribute('aria-pressed', 'true');
    raf = requestAnimationFrame(frame);
  }
  function stop() {
    running = false;
    cancelAnimationFrame(raf);
    startBtn.textContent = 'Start';
    startBtn.setAttribute('aria-pressed', 'false');
    render();
  }
  function reset() {
    const wasRunning = running;
    if (running) stop();
    data = makeData(dataSel.value);
    model = createModel(modelSel.value);
    history = [];
    // The loss before any step, so the curve starts at the untrained model.
    const { logits } = forward(model, data.X, data.N);
    const { loss } = sm.crossEntropy(logits, data.y, { shape: [data.N, CLASS_COUNT] });
    record(typeof loss === 'number' ? loss : loss[0]);
    render();
    if (wasRunning) start();
  }

  showLr();
  reset();
}
