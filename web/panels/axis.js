// Panel 7: one 3 x 4 matrix of logits normalised two ways side by side, each with its
// own axis control: axis 0 -> every column sums to 1, axis 1 (or -1) -> every row does.
import { h, readout } from '../lib/format.js';
import { chart, heatmap } from '../lib/charts.js';

const ROWS = 3;
const COLS = 4;
const DEFAULT = [1.0, 2.0, 0.5, -1.0, 0.0, 1.5, 3.0, 0.5, 2.5, -0.5, 1.0, 1.0];

export function mount(el, { sm }) {
  const x = Float64Array.from(DEFAULT);
  const cells = DEFAULT.map((v, i) =>
    h('input', {
      type: 'number',
      step: '0.5',
      value: String(v),
      'data-testid': `axis-x-${Math.floor(i / COLS)}-${i % COLS}`,
      'aria-label': `logit at row ${Math.floor(i / COLS)}, column ${i % COLS}`,
      oninput: () => {
        const v2 = Number(cells[i].value);
        if (cells[i].value === '' || !Number.isFinite(v2)) return;
        x[i] = v2;
        sides.forEach((s) => s.update());
      },
    }),
  );
  const grid = h('div', { class: 'matrix-input', style: `grid-template-columns: repeat(${COLS}, auto)` }, cells);

  function side(name, initialAxis) {
    const select = h(
      'select',
      { 'data-testid': `axis-${name}-axis`, onchange: () => api.update() },
      ['0', '1', '-1'].map((a) => h('option', { value: a, selected: a === initialAxis }, `axis ${a}`)),
    );
    const code = h('code', { 'data-testid': `axis-${name}-code` });
    const what = h('p', { class: 'note', 'data-testid': `axis-${name}-what` });
    const box = h('div', { class: 'chart', 'data-testid': `axis-${name}-result` });
    const rowSums = Array.from({ length: ROWS }, (_, r) => readout(`axis-${name}-rowsum-${r}`, { digits: 3 }));
    const colSums = Array.from({ length: COLS }, (_, c) => readout(`axis-${name}-colsum-${c}`, { digits: 3 }));
    let y = new Float64Array(ROWS * COLS);
    const ch = { update() {} };
    const node = h(
      'div',
      {},
      h(
        'div',
        { class: 'controls' },
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'normalise along'), select),
        code,
      ),
      box,
      what,
      h(
        'div',
        { class: 'facts' },
        h(
          'span',
          {},
          'row sums: ',
          rowSums.flatMap((o) => [o, ' ']),
        ),
        h(
          'span',
          {},
          'column sums: ',
          colSums.flatMap((o) => [o, ' ']),
        ),
      ),
    );
    const api = {
      node,
      mountChart() {
        Object.assign(
          ch,
          chart(box, (w) =>
            heatmap(w, y, ROWS, COLS, {
              rowLabels: ['r0', 'r1', 'r2'],
              colLabels: ['c0', 'c1', 'c2', 'c3'],
              xLabel: 'column (axis 1)',
              yLabel: 'row (axis 0)',
              domain: [0, 1],
              digits: 3,
              cellHeight: 38,
            }),
          ),
          { reserve: 190 },
        );
      },
      update() {
        const axis = Number(select.value);
        y = sm.softmax(x, { shape: [ROWS, COLS], axis });
        box.dataset.values = JSON.stringify(Array.from(y));
        box.dataset.axis = String(axis);
        code.textContent = `softmax(x, { shape: [${ROWS}, ${COLS}], axis: ${axis} })`;
        what.textContent =
          axis === 0
            ? 'Each column is one distribution: columns sum to 1.'
            : `Each row is one distribution: rows sum to 1${axis < 0 ? ' (axis −1 is the last axis, 1)' : ''}.`;
        for (let r = 0; r < ROWS; r++) {
          let t = 0;
          for (let c = 0; c < COLS; c++) t += y[r * COLS + c];
          rowSums[r].set(t);
        }
        for (let c = 0; c < COLS; c++) {
          let t = 0;
          for (let r = 0; r < ROWS; r++) t += y[r * COLS + c];
          colSums[c].set(t);
        }
        ch.update();
      },
    };
    return api;
  }

  const sides = [side('left', '0'), side('right', '1')];
  el.append(
    h(
      'div',
      { class: 'cols three' },
      h(
        'div',
        {},
        h('p', { class: 'chart-title' }, `Logits x, shape [${ROWS}, ${COLS}] (editable)`),
        grid,
        h('p', { class: 'note' }, 'Tab moves between cells; arrow keys change a value by 0.5.'),
      ),
      sides[0].node,
      sides[1].node,
    ),
  );
  sides.forEach((s) => {
    s.mountChart();
    s.update();
  });
}
