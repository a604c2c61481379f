// Panel 11: time softmax over one long Float32Array row with the wasm kernels and with
// a plain JavaScript loop (the textbook three passes: max, exp and sum, divide), and
// show nanoseconds per element, the build in use and the browser.
import { h, readout, fmtSci } from '../lib/format.js';
import { chart, bars, COLORS } from '../lib/charts.js';

const SIZES = [1000, 10000, 100000, 1000000];

/** The comparison baseline: a straightforward, numerically stable JS softmax. */
export function softmaxJs(x, out) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  let z = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i] - m);
    out[i] = e;
    z += e;
  }
  const inv = 1 / z;
  for (let i = 0; i < x.length; i++) out[i] *= inv;
  return out;
}

/** Runs fn repeatedly for at least `ms` milliseconds (after one warm-up call); ns per call. */
function timeIt(fn, ms) {
  fn();
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    reps++;
    t = performance.now();
  } while (t - t0 < ms);
  return ((t - t0) * 1e6) / reps;
}

export function browserName() {
  const brands = navigator.userAgentData?.brands?.filter((b) => !/Not.A.Brand/i.test(b.brand));
  const ua = navigator.userAgent;
  const m = ua.match(/(HeadlessChrome|Edg|OPR|Firefox|Chrome|Version)\/([\d.]+)/);
  if (m) {
    const name = { Edg: 'Edge', OPR: 'Opera', Version: /Safari/.test(ua) ? 'Safari' : 'Browser' }[m[1]] ?? m[1];
    return `${name} ${m[2].split('.')[0]}`;
  }
  return brands?.length ? `${brands[0].brand} ${brands[0].version}` : ua;
}

export function mount(el, { sm }) {
  const size = h(
    'select',
    { 'data-testid': 'speed-n' },
    SIZES.map((n) => h('option', { value: String(n), selected: n === 100000 }, `${n.toLocaleString('en')} elements`)),
  );
  const run = h('button', { type: 'button', 'data-testid': 'speed-run', onclick: () => measure() }, 'Run benchmark');
  const all = sm.threads;
  const wasmNs = readout('speed-wasm-ns', { format: (v) => fmtSci(v, 2), suffix: ' ns/element' });
  const wasm1Ns = readout('speed-wasm1-ns', { format: (v) => fmtSci(v, 2), suffix: ' ns/element' });
  const scaling = readout('speed-scaling', { digits: 2, suffix: '×' });
  const jsNs = readout('speed-js-ns', { format: (v) => fmtSci(v, 2), suffix: ' ns/element' });
  const ratio = readout('speed-ratio', { digits: 1, suffix: '×' });
  const diff = readout('speed-max-diff', { format: (v) => fmtSci(v, 1) });
  const status = h(
    'p',
    { class: 'note', 'data-testid': 'speed-status', 'aria-live': 'polite' },
    'Press “Run benchmark” (it takes about a second).',
  );
  const backend = h('output', { 'data-testid': 'speed-backend' }, sm.backend);
  const browser = h('output', { 'data-testid': 'speed-browser' }, browserName());
  const box = h('div', { class: 'chart' });

  const labels =
    all > 1 ? [`wasm, ${all} threads`, 'wasm, 1 thread', 'JavaScript loop'] : ['wasm kernels', 'JavaScript loop'];
  let results = labels.map((label) => ({ label, value: 0 }));
  for (const o of [wasmNs, wasm1Ns, scaling, jsNs, ratio, diff]) o.textContent = '—';

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
          h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'row length'), size),
          run,
        ),
        h(
          'div',
          { class: 'facts', style: 'flex-direction: column' },
          h('span', {}, 'build: ', backend, ' (', h('span', {}, sm.kernels), ')'),
          h('span', {}, 'browser: ', browser),
          h(
            'span',
            {},
            'threads: ',
            h('output', { 'data-testid': 'speed-threads' }, String(all)),
            all > 1 ? '' : ' (a page without cross-origin isolation, or one core, runs one)',
          ),
          h('span', {}, `wasm (${all === 1 ? '1 thread' : `${all} threads`}): `, wasmNs),
          ...(all > 1
            ? [
                h('span', {}, 'wasm, 1 thread: ', wasm1Ns),
                h('span', {}, `${all} threads are `, scaling, ' as fast as 1'),
              ]
            : []),
          h('span', {}, 'JavaScript: ', jsNs),
          h('span', {}, 'wasm is ', ratio, ' as fast'),
          h('span', {}, 'largest difference between the two results: ', diff),
        ),
        status,
      ),
      h('div', {}, h('p', { class: 'chart-title' }, 'Time per element (lower is faster)'), box),
    ),
  );

  const c = chart(
    box,
    (w) =>
      bars(w, results, {
        height: 200,
        xLabel: 'implementation',
        yLabel: 'ns per element',
        color: all > 1 ? [COLORS.prob, COLORS.prob, COLORS.logit] : [COLORS.prob, COLORS.logit],
        digits: 2,
      }),
    { reserve: 200 },
  );

  function measure() {
    const n = Number(size.value);
    status.textContent = 'Running…';
    run.disabled = true;
    // Let the browser paint "Running…" before the main thread is busy.
    setTimeout(() => {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 8;
      const outW = new Float32Array(n);
      const outJ = new Float32Array(n);
      const budget = 300;
      // Rows of 1000 (a classifier batch): threads share a call by rows.
      const shape = [n / 1000, 1000];
      const w = timeIt(() => sm.softmax(x, { shape, out: outW }), budget) / n;
      let w1 = w;
      if (all > 1) {
        sm.threads = 1;
        try {
          w1 = timeIt(() => sm.softmax(x, { shape, out: outW }), budget) / n;
        } finally {
          sm.threads = all;
        }
      }
      const j =
        timeIt(() => {
          for (let r = 0; r < n; r += 1000) softmaxJs(x.subarray(r, r + 1000), outJ.subarray(r, r + 1000));
        }, budget) / n;
      let d = 0;
      for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(outW[i] - outJ[i]));
      wasmNs.set(w);
      wasm1Ns.set(w1);
      scaling.set(w1 / w);
      jsNs.set(j);
      ratio.set(j / w);
      diff.set(d);
      results = (all > 1 ? [w, w1, j] : [w, j]).map((value, i) => ({ label: labels[i], value }));
      c.update();
      status.textContent = `Measured on ${n.toLocaleString('en')} float32 values (rows of 1000), ${budget} ms per side.`;
      run.disabled = false;
      run.focus();
    }, 30);
  }
}
