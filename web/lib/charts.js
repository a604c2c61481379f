// Thin helpers around Observable Plot (loaded as the global `Plot` from
// node_modules/@observablehq/plot/dist by index.html). No drawing code here:
// each helper returns Plot options, and `chart()` re-renders on data or width change.

// index.html loads Plot with a deferred classic script; main.js mounts the panels only
// after DOMContentLoaded, by which time it is defined. Read it late, not at import.
export const Plot = new Proxy({}, { get: (_, key) => globalThis.Plot[key] });

export const COLORS = {
  logit: '#6b7280',
  prob: '#2563eb',
  target: '#16a34a',
  grad: '#dc2626',
  accent: '#f59e0b',
};

// Drawing every chart at once would hold the first paint for a few hundred ms, so
// charts outside the viewport are drawn in batches right after it (their boxes keep
// a reserved height, so nothing moves). Widths are read for a whole batch before
// drawing it, so the page is laid out once per batch, not once per chart.
// `chartsSettled()` resolves when every queued chart is drawn.
const queue = new Set();
let flushing = null;
let settle = null;
let settled = Promise.resolve();

function flush() {
  const t0 = performance.now();
  while (queue.size) {
    const batch = [...queue].slice(0, 4);
    const widths = batch.map((c) => c.el.clientWidth);
    batch.forEach((c, i) => c.drawAt(widths[i]));
    if (queue.size && performance.now() - t0 > 30) {
      flushing = setTimeout(flush, 0); // let the browser paint and handle input
      return;
    }
  }
  flushing = null;
  settle?.();
}

function enqueue(c) {
  if (queue.size === 0 && !flushing)
    settled = new Promise((resolve) => {
      settle = resolve;
    });
  queue.add(c);
  if (!flushing) flushing = setTimeout(flush, 0);
}

export function chartsSettled() {
  return settled;
}

/**
 * Mounts a chart into `el`. `render(width)` returns Plot.plot(...) output.
 * Returns { update() } and re-renders when the container's width changes,
 * so charts fit both a 1280 px window and a phone. `reserve` is the height kept
 * free until the first draw.
 */
export function chart(el, render, { reserve = 240 } = {}) {
  let lastWidth = 0;
  let drawn = false;
  const c = {
    el,
    drawAt(width) {
      queue.delete(c);
      lastWidth = width;
      el.replaceChildren(render(Math.max(width, 200)));
      if (!drawn) {
        drawn = true;
        el.style.minHeight = '';
      }
    },
  };
  const visible = () => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight;
  };
  const update = () => {
    if (queue.has(c)) return; // drawn soon, with the latest data
    if (drawn || visible()) c.drawAt(el.clientWidth);
    else enqueue(c);
  };
  el.style.minHeight = `${reserve}px`;
  const ro = new ResizeObserver((entries) => {
    const w = Math.round(entries[entries.length - 1].contentRect.width);
    if (drawn && w !== lastWidth) c.drawAt(w);
  });
  ro.observe(el);
  // Panels call update() right after creating their charts; draw once, not twice.
  queueMicrotask(() => {
    if (!drawn) update();
  });
  return { update };
}

/** Options shared by every chart: readable font, no title clutter. */
export function base(width, height, extra = {}) {
  return {
    width,
    height,
    marginLeft: 48,
    marginBottom: 40,
    style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
    ...extra,
  };
}

/** A bar chart of labelled values: data = [{ label, value }]. */
export function bars(
  width,
  data,
  { height = 220, xLabel, yLabel, color = COLORS.prob, domain, digits = 2, labelAll = true } = {},
) {
  let yDomain = domain;
  if (!yDomain) {
    // Room above and below the bars for their value labels.
    const vals = data.map((d) => d.value).filter(Number.isFinite);
    const lo = Math.min(0, ...vals);
    const hi = Math.max(0, ...vals);
    yDomain = hi === lo ? [0, 1] : [lo - (lo < 0 ? 0.15 * (hi - lo) : 0), hi + (hi > 0 ? 0.12 * (hi - lo) : 0)];
  }
  return Plot.plot(
    base(width, height, {
      x: { label: xLabel, domain: data.map((d) => d.label), padding: 0.2 },
      y: { label: yLabel, domain: yDomain, grid: true, nice: true },
      color: Array.isArray(color) ? { type: 'identity' } : undefined,
      marks: [
        Plot.barY(data, {
          x: 'label',
          y: 'value',
          fill: Array.isArray(color) ? (_d, i) => color[i % color.length] : color,
          title: (d) => `${d.label}: ${d.value.toFixed(4)}`,
        }),
        Plot.ruleY([0]),
        labelAll &&
          Plot.text(data, {
            x: 'label',
            y: 'value',
            text: (d) => (Number.isFinite(d.value) ? d.value.toFixed(digits) : String(d.value)),
            lineAnchor: 'bottom',
            dy: -4,
            fill: 'currentColor',
            filter: (d) => !(d.value < 0),
          }),
        labelAll &&
          Plot.text(data, {
            x: 'label',
            y: 'value',
            text: (d) => d.value.toFixed(digits),
            lineAnchor: 'top',
            dy: 4,
            fill: 'currentColor',
            filter: (d) => d.value < 0,
          }),
      ],
    }),
  );
}

/**
 * A heatmap of a rows x cols matrix (row-major `values`), each cell labelled.
 * scheme: a Plot color scheme; symmetric: centre a diverging scheme on 0.
 */
export function heatmap(
  width,
  values,
  rows,
  cols,
  {
    rowLabels,
    colLabels,
    xLabel,
    yLabel,
    scheme = 'blues',
    symmetric = false,
    domain,
    digits = 2,
    cellHeight = 34,
    legend = false,
    colorLabel,
  } = {},
) {
  const data = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data.push({
        r: rowLabels ? rowLabels[r] : String(r),
        c: colLabels ? colLabels[c] : String(c),
        v: values[r * cols + c],
      });
    }
  }
  let dom = domain;
  if (!dom && symmetric) {
    const m = Math.max(1e-12, ...data.map((d) => Math.abs(d.v)).filter(Number.isFinite));
    dom = [-m, m];
  }
  const finite = data.filter((d) => Number.isFinite(d.v)).map((d) => d.v);
  const lo = dom ? dom[0] : Math.min(...finite);
  const hi = dom ? dom[1] : Math.max(...finite);
  // On a phone the cells get narrow: one digit fewer and a smaller font.
  const narrow = (width - 90) / cols < 52;
  const shown = narrow ? Math.max(1, digits - 1) : digits;
  const dark = (v) => {
    const t = (v - lo) / (hi - lo || 1);
    return symmetric ? Math.abs(t - 0.5) > 0.3 : t > 0.55;
  };
  return Plot.plot(
    base(width, rows * cellHeight + 76, {
      marginLeft: 76,
      marginTop: 46,
      padding: 0.04,
      x: {
        label: xLabel,
        domain: data.slice(0, cols).map((d) => d.c),
        axis: 'top',
        tickSize: 0,
        labelAnchor: 'center',
        labelOffset: 38,
      },
      y: {
        label: yLabel,
        domain: data.filter((_, i) => i % cols === 0).map((d) => d.r),
        tickSize: 0,
        labelAnchor: 'center',
        labelOffset: 64,
      },
      color: { scheme, domain: dom, type: 'linear', legend, label: colorLabel },
      marks: [
        Plot.cell(data, { x: 'c', y: 'r', fill: (d) => (Number.isFinite(d.v) ? d.v : null), inset: 0.5 }),
        Plot.text(data, {
          x: 'c',
          y: 'r',
          text: (d) => (Number.isFinite(d.v) ? d.v.toFixed(shown).replace(/^-(0\.0*)$/, '$1') : String(d.v)),
          fill: (d) => (dark(d.v) ? 'white' : 'black'),
          fontSize: narrow ? 10 : 11,
        }),
      ],
    }),
  );
}
