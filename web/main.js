// Entry point: loads the library (SIMD build, or the scalar one with ?simd=0),
// says which build runs, and mounts each panel module from web/panels/.
import { load } from '../bindings/browser.js';
import { store } from './state.js';
import { chartsSettled } from './lib/charts.js';
import * as distributionShift from './panels/distribution-shift.js';
import * as softmaxFocus from './panels/softmax-focus.js';
import * as overflow from './panels/overflow.js';
import * as jacobian from './panels/jacobian.js';
import * as backwardPass from './panels/backward-pass.js';
import * as crossEntropy from './panels/cross-entropy.js';
import * as axis from './panels/axis.js';
import * as temperature from './panels/temperature.js';
import * as gradientCheck from './panels/gradient-check.js';
import * as training from './panels/training.js';
import * as speed from './panels/speed.js';
import * as nextToken from './panels/next-token.js';

const PANELS = {
  'distribution-shift': distributionShift,
  'softmax-focus': softmaxFocus,
  overflow,
  jacobian,
  'backward-pass': backwardPass,
  'cross-entropy': crossEntropy,
  axis,
  temperature,
  'gradient-check': gradientCheck,
  training,
  speed,
  'next-token': nextToken,
};

// The same 16-byte probe wasm-feature-detect uses: a function with one v128 instruction.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

function $(testid) {
  return document.querySelector(`[data-testid="${testid}"]`);
}

/**
 * Resolves once the deferred classic scripts (d3, Plot) have run. readyState is not
 * enough: it turns 'interactive' before deferred scripts run; DOMContentLoaded
 * fires after them.
 */
function chartLibrary() {
  const missing = () => new Error('the chart library (Observable Plot) did not load');
  if (globalThis.Plot) return Promise.resolve();
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav && nav.domContentLoadedEventStart > 0) return Promise.reject(missing());
  return new Promise((resolve, reject) => {
    document.addEventListener('DOMContentLoaded', () => (globalThis.Plot ? resolve() : reject(missing())), {
      once: true,
    });
  });
}

async function start() {
  const params = new URLSearchParams(location.search);
  const simd = params.get('simd');
  const options = simd === '0' ? { simd: false } : simd === '1' ? { simd: true } : {};
  const browserHasSimd = WebAssembly.validate(SIMD_PROBE);
  $('simd-support').textContent = browserHasSimd ? 'yes' : 'no';

  // Fetch and compile the wasm while the deferred chart scripts are still parsing.
  const loading = load(options);
  loading.catch(() => {}); // handled below, once the page is ready for the message
  let sm;
  try {
    await chartLibrary();
    sm = await loading;
  } catch (err) {
    const box = $('load-error');
    box.hidden = false;
    box.textContent = `The playground could not start: ${err.message}`;
    $('backend').textContent = 'none';
    document.body.dataset.mounted = 'true';
    throw err;
  }

  performance.mark('softmax-wasm:loaded');
  $('backend').textContent = sm.backend;
  $('kernels').textContent = sm.kernels;
  $('threads').textContent = String(sm.threads);
  $('threads').title = crossOriginIsolated
    ? 'threads share big calls'
    : 'this page is not cross-origin isolated: one thread';
  $('kernels').title = sm.kernels;
  const link = $('build-switch');
  if (sm.backend === 'wasm-scalar') {
    link.textContent = browserHasSimd ? 'use the SIMD build' : 'no SIMD in this browser: scalar build';
    link.href = browserHasSimd ? location.pathname : '#';
    if (!browserHasSimd) link.removeAttribute('href');
  } else {
    link.textContent = 'use the scalar build';
    link.href = '?simd=0';
  }

  const ctx = { sm, store };
  const pending = []; // panels that fetch data first (the next-token model) return a promise
  for (const section of document.querySelectorAll('section.panel')) {
    const panel = PANELS[section.id];
    const body = section.querySelector('.panel-body');
    const failed = (err) => {
      body.textContent = `This panel failed: ${err.message}`;
      body.classList.add('error');
      console.error(`panel ${section.id}:`, err);
    };
    try {
      const done = panel.mount(body, ctx);
      if (done && typeof done.then === 'function') pending.push(done.catch(failed));
    } catch (err) {
      failed(err);
    }
  }
  document.body.dataset.mounted = 'true';
  performance.mark('softmax-wasm:panels-mounted');
  await Promise.all(pending);
  // Charts below the fold are drawn just after the first paint; then the page is complete.
  await chartsSettled();
  performance.mark('softmax-wasm:ready');
  document.body.dataset.ready = 'true';
}

start();
