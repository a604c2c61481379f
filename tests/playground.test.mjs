// End-to-end test of the browser playground (web/) in headless Chromium.
//
// Starts scripts/serve.mjs on a free port in this process, drives Debian's
// /usr/bin/chromium through playwright-core (scripts/ensure-chromium.sh installs it
// when missing and we are root), and checks that the page loads cleanly, that every
// panel renders, and that the numbers the panels show, read through data-testid,
// match a small pure-JS reference after the inputs change. Writes full-page
// screenshots to test-artifacts/. Needs the built library (bindings/, dist/).
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { launchChromium } from './chromium.mjs';
import * as R from './reference.mjs';
import { referenceSample } from './reference-sampling.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const TOKENS = ['mat', 'rug', 'chair', 'bed', 'floor', 'hat'];
const DEFAULT_LOGITS = [3.2, 2.4, 1.8, 1.5, 1.1, 0.3];
const DEFAULT_UPSTREAM = [1.0, -0.5, 0.25, 0.0, 0.75, -1.0];
const PANELS = [
  'distribution-shift',
  'softmax-focus',
  'overflow',
  'jacobian',
  'backward-pass',
  'cross-entropy',
  'axis',
  'temperature',
  'gradient-check',
  'training',
  'speed',
  'next-token',
];

// ---- the float64 reference (tests/reference.mjs), in the shapes the panels show ----
const softmaxRef = (x, T = 1) => Array.from(R.softmax(x, { temperature: T }));
/** softmax along `axis` of a row-major rows x cols matrix. */
const softmaxMatrixRef = (x, rows, cols, axis) => Array.from(R.softmax(x, { shape: [rows, cols], axis }));
const dot = (a, b) => a.reduce((t, v, i) => t + v * b[i], 0);

function assertClose(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]) <= tol, `${what}[${i}]: got ${v}, expected ${expected[i]} (tolerance ${tol})`);
  });
}

// The next-token model (panel 12), evaluated here independently of web/lib: the
// committed weights, a float64 forward pass written out again.
const NT = JSON.parse(fs.readFileSync(path.join(ROOT, 'web/data/next-token-model.json'), 'utf8'));
const ntWeights = Object.fromEntries(
  Object.entries(NT.weights).map(([k, b64]) => {
    const buf = Buffer.from(b64, 'base64');
    return [k, new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4)];
  }),
);
const ntIndex = new Map(NT.vocab.map((w, i) => [w, i]));
function ntLogits(ids) {
  const { context: C, embed: D, hidden: H, vocab } = NT;
  const { E, W1, b1, W2, b2 } = ntWeights;
  const e = [];
  for (let c = 0; c < C; c++) {
    const k = ids.length - C + c;
    const id = k >= 0 ? ids[k] : ntIndex.get('.');
    for (let d = 0; d < D; d++) e.push(E[id * D + d]);
  }
  const hid = Array.from({ length: H }, (_, j) => Math.tanh(e.reduce((s, v, i) => s + W1[j * C * D + i] * v, b1[j])));
  return vocab.map((_, v) => hid.reduce((s, hj, j) => s + W2[v * H + j] * hj, b2[v]));
}
/** The next-token panel's sampling, by the pure-JS reference (float64 logits, one row). */
function ntReference(logits, options, seed = 0n, position = 0) {
  return referenceSample(Float64Array.from(logits), logits.length, options, 'float64', BigInt(seed), position);
}
function ntKept(logits, options) {
  const { filtered } = ntReference(logits, options);
  return Array.from(filtered.keys()).filter((i) => filtered[i] !== -Infinity);
}
/** The words the panel should write: `count` reference draws of seed `seed`, one per step. */
function ntReferenceTokens(prompt, options, seed, count) {
  const ids = ntIds(prompt);
  const out = [];
  for (let i = 0; i < count; i++) {
    const t = ntReference(ntLogits(ids), { ...options, history: ids }, seed, i).tokens[0];
    out.push(t);
    ids.push(t);
  }
  return out;
}
const ntIds = (text) =>
  (text.toLowerCase().match(/[a-z]+|[.,]/g) ?? []).filter((w) => ntIndex.has(w)).map((w) => ntIndex.get(w));

// ---- harness -------------------------------------------------------------------
// No single check may hang the run: each test gets 30 s (the whole file takes ~20 s).
const test = (name, fn) => nodeTest(name, { timeout: 30_000 }, fn);

let server;
let context;
let userDataDir;
let page;
const problems = []; // console errors, page errors, failed requests, HTTP errors
const responses = [];

function watch(p, label) {
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${label} console error: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
  p.on('requestfailed', (r) => problems.push(`${label} request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  p.on('response', (r) => {
    responses.push(r);
    if (r.status() >= 400) problems.push(`${label} HTTP ${r.status()}: ${r.url()}`);
  });
}

async function openPage(query = '', width = 1280, initScript = null) {
  const p = await context.newPage();
  await p.setViewportSize({ width, height: 900 });
  if (initScript) await p.addInitScript(initScript);
  watch(p, query || 'default');
  await p.goto(`${server.url}${query}`);
  await p.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  return p;
}

const tid = (id) => `[data-testid="${id}"]`;
async function num(p, id) {
  const v = await p.getAttribute(tid(id), 'data-value');
  assert.ok(v !== null, `${id} has no data-value`);
  return Number(v);
}
async function nums(p, ids) {
  return Promise.all(ids.map((id) => num(p, id)));
}
async function jsonValues(p, id) {
  return JSON.parse(await p.getAttribute(tid(id), 'data-values'));
}
/** Cumulative layout shift since the page loaded (shifts right after input excluded). */
function layoutShift(p) {
  return p.evaluate(
    () =>
      new Promise((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(total), 50);
      }),
  );
}

/** Sets an input's value the way typing or dragging would, firing input and change. */
async function setValue(p, id, value) {
  await p.$eval(
    tid(id),
    (el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    value,
  );
}

// Up to 3 min only when Chromium has to be installed first; otherwise a few seconds.
before(
  async () => {
    for (const f of [
      'bindings/browser.js',
      'dist/softmax-simd.mjs',
      'dist/softmax-scalar.mjs',
      'dist/softmax-simd.wasm',
      'dist/softmax-scalar.wasm',
      'node_modules/d3/dist/d3.min.js',
      'node_modules/@observablehq/plot/dist/plot.umd.min.js',
    ]) {
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} is missing: run npm install and npm run build first`);
    }
    server = await startServer({ port: 0 });
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'softmax-wasm-chromium-'));
    context = await launchChromium({ userDataDir, viewport: { width: 1280, height: 900 } });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    page = await openPage();
  },
  { timeout: 180_000 },
);

after(async () => {
  // Always close the browser and the server, whatever failed.
  await context?.close().catch(() => {});
  await server?.close().catch(() => {});
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

// ---- tests ---------------------------------------------------------------------
test('the page loads over HTTP with wasm MIME type, COOP/COEP, and no errors', async () => {
  const doc = responses.find((r) => r.url() === server.url);
  assert.ok(doc, 'the page itself was fetched');
  assert.equal(doc.headers()['cross-origin-opener-policy'], 'same-origin');
  assert.equal(doc.headers()['cross-origin-embedder-policy'], 'require-corp');
  const wasm = responses.find((r) => r.url().endsWith('.wasm'));
  assert.ok(wasm, 'a .wasm file was fetched');
  assert.equal(wasm.headers()['content-type'], 'application/wasm');
  const js = responses.find((r) => r.url().endsWith('/bindings/browser.js'));
  assert.match(js.headers()['content-type'], /^text\/javascript/);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');
  const cls = await layoutShift(page);
  assert.ok(cls < 0.01, `cumulative layout shift while loading: ${cls}`);
  assert.ok(
    responses.every((r) => new URL(r.url()).hostname === '127.0.0.1' || r.url().startsWith('data:')),
    'nothing is fetched from elsewhere',
  );
  assert.deepEqual(problems, []);
});

test('the server serves only the page folders, read-only, and refuses traversal', async () => {
  const origin = new URL(server.url).origin;
  const status = async (p, init) => (await fetch(origin + p, { redirect: 'manual', ...init })).status;
  assert.equal(await status('/'), 302);
  assert.equal(await status('/web/'), 200);
  for (const p of [
    '/.git/HEAD',
    '/package.json',
    '/node_modules/d3/package.json',
    '/scripts/serve.mjs',
    '/tests/playground.test.mjs',
  ]) {
    assert.equal(await status(p), 404, p);
  }
  for (const p of ['/web/..%2f..%2fpackage.json', '/web/%2e%2e%2f%2e%2e%2fetc/passwd', '/web/..%5c..%5cpackage.json']) {
    assert.ok([400, 403].includes(await status(p)), `traversal refused: ${p}`);
  }
  assert.equal(await status('/web/index.html', { method: 'POST' }), 405);
  const css = await fetch(`${origin}/web/style.css`);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  assert.equal(css.headers.get('cross-origin-resource-policy'), 'same-origin');
});

test('the page says which build runs: SIMD by default', async () => {
  assert.equal(await page.textContent(tid('backend')), 'wasm-simd128');
  assert.notEqual((await page.textContent(tid('kernels'))).trim(), '…');
  assert.equal(await page.getAttribute(tid('build-switch'), 'href'), '?simd=0');
});

test('every panel renders its chart or table', async () => {
  for (const id of PANELS) {
    const section = page.locator(tid(`panel-${id}`));
    assert.equal(await section.locator('.panel-body.error').count(), 0, `${id} failed`);
    const charts = await section.locator('svg').count();
    const tables = await section.locator('table').count();
    assert.ok(charts + tables > 0, `panel ${id} shows a chart or table`);
    assert.ok((await section.locator('p.explain').textContent()).length > 40, `panel ${id} explains itself`);
  }
  // Every chart has a label on both axes.
  const charts = await page.$$eval('.chart svg[class^="plot-"]:not([class$="-ramp"])', (svgs) =>
    svgs.map((svg) => ({
      panel: svg.closest('section').id,
      x: !!svg.querySelector('[aria-label$="x-axis label"]'),
      y: !!svg.querySelector('[aria-label$="y-axis label"]'),
    })),
  );
  assert.ok(charts.length >= 16, `found ${charts.length} charts`);
  for (const c of charts) assert.ok(c.x && c.y, `a chart in ${c.panel} lacks an axis label: ${JSON.stringify(c)}`);
});

test('distribution shift: probabilities match the reference and follow an edited logit', async () => {
  let s = await nums(
    page,
    TOKENS.map((t) => `prob-${t}`),
  );
  assertClose(s, softmaxRef(DEFAULT_LOGITS), 1e-9, 'default probabilities');
  assert.ok(Math.abs(s[0] - 0.486) < 0.005, `"mat" gets about 48%: ${s[0]}`);
  assert.equal(await page.textContent(tid('prob-mat')), softmaxRef(DEFAULT_LOGITS)[0].toFixed(4));

  await page.fill(tid('logit-mat'), '4.5');
  const logits = [4.5, ...DEFAULT_LOGITS.slice(1)];
  s = await nums(
    page,
    TOKENS.map((t) => `prob-${t}`),
  );
  assertClose(s, softmaxRef(logits), 1e-9, 'probabilities after the edit');
  assert.ok(Math.abs((await num(page, 'prob-sum')) - 1) < 1e-12);
  assert.match(await page.textContent(tid('shift-winner')), /mat/);

  // The Jacobian panel follows the same vector: J = diag(s) - s s^T.
  const J = await jsonValues(page, 'jacobian-matrix');
  const ref = softmaxRef(logits);
  const Jref = ref.flatMap((si, i) => ref.map((sj, j) => (i === j ? si : 0) - si * sj));
  assertClose(J, Jref, 1e-9, 'Jacobian');
  await page.click(tid('shift-reset'));
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `prob-${t}`),
    ),
    softmaxRef(DEFAULT_LOGITS),
    1e-9,
    'after reset',
  );
});

test('softmax focus: every column of the batch is a softmax, also after changing the spread', async () => {
  for (const spread of [1.5, 3.5]) {
    await setValue(page, 'focus-spread', spread);
    const x = await jsonValues(page, 'focus-logits');
    const s = await jsonValues(page, 'focus-probs');
    assertClose(s, softmaxMatrixRef(x, 5, 6, 0), 1e-9, `batch softmax at spread ${spread}`);
  }
});

test('overflow: the naive softmax gives NaN on [1000, 1001, 1002], the kernel does not', async () => {
  const stable = await nums(
    page,
    [0, 1, 2].map((i) => `overflow-stable-${i}`),
  );
  assertClose(stable, [0.09003057, 0.24472847, 0.66524096], 5e-9, 'stable softmax');
  for (const i of [0, 1, 2]) assert.equal(await page.textContent(tid(`overflow-naive-${i}`)), 'NaN');
  await page.fill(tid('overflow-input'), '1, 2, 3, 1500');
  const s = await nums(
    page,
    [0, 1, 2, 3].map((i) => `overflow-stable-${i}`),
  );
  assertClose(s, softmaxRef([1, 2, 3, 1500]), 1e-12, 'typed values');
  assert.equal(await page.textContent(tid('overflow-naive-3')), 'NaN');
  await page.fill(tid('overflow-input'), '1, 2, 3');
  const naive = await nums(
    page,
    [0, 1, 2].map((i) => `overflow-naive-${i}`),
  );
  assertClose(naive, softmaxRef([1, 2, 3]), 1e-12, 'naive softmax without overflow');
  // float32 overflows much earlier.
  await page.fill(tid('overflow-input'), '100, 101, 102');
  await page.selectOption(tid('overflow-dtype'), 'float32');
  assert.equal(await page.textContent(tid('overflow-naive-0')), 'NaN');
  assertClose(
    await nums(
      page,
      [0, 1, 2].map((i) => `overflow-stable-${i}`),
    ),
    softmaxRef([0, 1, 2]),
    2e-7,
    'float32 stable',
  );
});

test('Jacobian memory calculator: 50,000 classes need 20 GB in float64', async () => {
  assert.equal(await page.textContent(tid('mem-full')), '20.0 GB');
  await page.selectOption(tid('mem-dtype'), '4');
  assert.equal(await page.textContent(tid('mem-full')), '10.0 GB');
  await page.click(tid('mem-run-vjp'));
  assert.ok((await num(page, 'mem-vjp-time')) > 0);
});

test('backward pass: dL/dx = s * (g - <g, s>), and a uniform gradient gives zeros', async () => {
  const s = softmaxRef(DEFAULT_LOGITS);
  const check = async (g) => {
    const d = dot(g, s);
    assertClose(
      await nums(
        page,
        TOKENS.map((t) => `bwd-dx-${t}`),
      ),
      s.map((si, i) => si * (g[i] - d)),
      1e-9,
      'dL/dx',
    );
  };
  await check(DEFAULT_UPSTREAM);
  await page.fill(tid('grad-in-rug'), '2');
  await check([DEFAULT_UPSTREAM[0], 2, ...DEFAULT_UPSTREAM.slice(2)]);
  await page.click(tid('bwd-uniform'));
  const dx = await nums(
    page,
    TOKENS.map((t) => `bwd-dx-${t}`),
  );
  for (const v of dx) assert.ok(Math.abs(v) < 1e-12, `uniform gradient gives zero, got ${v}`);
  for (const t of TOKENS) assert.equal(await page.textContent(tid(`bwd-dx-${t}`)), '0.0000');
  await page.click(tid('bwd-reset'));
});

test('cross-entropy: loss and gradient s - y follow the true class and label smoothing', async () => {
  const s = softmaxRef(DEFAULT_LOGITS);
  await page.selectOption(tid('ce-target'), '1'); // "rug"
  assert.ok(Math.abs((await num(page, 'ce-loss')) + Math.log(s[1])) < 1e-9, 'loss = -log s_rug');
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `ce-grad-${t}`),
    ),
    s.map((v, i) => v - (i === 1 ? 1 : 0)),
    1e-9,
    'gradient',
  );

  await setValue(page, 'ce-smoothing', 0.2);
  const y = s.map((_, i) => 0.8 * (i === 1 ? 1 : 0) + 0.2 / TOKENS.length);
  const loss = -y.reduce((t, yi, i) => t + yi * Math.log(s[i]), 0);
  assert.ok(Math.abs((await num(page, 'ce-loss')) - loss) < 1e-9, 'smoothed loss');
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `ce-grad-${t}`),
    ),
    s.map((v, i) => v - y[i]),
    1e-9,
    'smoothed gradient',
  );
});

test('axis: the same matrix normalised along axis 0 and axis 1, and switching the axis', async () => {
  const x = await page.$$eval('[data-testid^="axis-x-"]', (els) => els.map((e) => Number(e.value)));
  assertClose(await jsonValues(page, 'axis-left-result'), softmaxMatrixRef(x, 3, 4, 0), 1e-9, 'axis 0');
  assertClose(await jsonValues(page, 'axis-right-result'), softmaxMatrixRef(x, 3, 4, 1), 1e-9, 'axis 1');
  for (let c = 0; c < 4; c++) assert.ok(Math.abs((await num(page, `axis-left-colsum-${c}`)) - 1) < 1e-12);
  for (let r = 0; r < 3; r++) assert.ok(Math.abs((await num(page, `axis-right-rowsum-${r}`)) - 1) < 1e-12);

  await page.selectOption(tid('axis-left-axis'), '-1');
  assertClose(
    await jsonValues(page, 'axis-left-result'),
    softmaxMatrixRef(x, 3, 4, 1),
    1e-9,
    'left switched to axis -1',
  );
  await page.fill(tid('axis-x-1-2'), '-2');
  x[6] = -2;
  assertClose(await jsonValues(page, 'axis-right-result'), softmaxMatrixRef(x, 3, 4, 1), 1e-9, 'after editing a cell');
});

test('temperature: slider (also by keyboard) sets softmax(x / T) and its entropy', async () => {
  const entropy = (p) => -p.reduce((t, v) => t + (v > 0 ? v * Math.log(v) : 0), 0);
  for (const T of [0.1, 0.5, 5]) {
    await setValue(page, 'temp-slider', T);
    const ref = softmaxRef(DEFAULT_LOGITS, T);
    assertClose(
      await nums(
        page,
        TOKENS.map((t) => `temp-prob-${t}`),
      ),
      ref,
      1e-9,
      `T = ${T}`,
    );
    assert.ok(Math.abs((await num(page, 'temp-entropy')) - entropy(ref)) < 1e-9, `entropy at T = ${T}`);
  }
  await page.focus(tid('temp-slider'));
  await page.keyboard.press('ArrowLeft');
  assert.ok(Math.abs((await num(page, 'temp-value')) - 4.95) < 1e-9, 'the arrow key moves T by one step');
  // The animation changes T on its own.
  await page.click(tid('temp-animate'));
  await page.waitForTimeout(400);
  await page.click(tid('temp-animate'));
  const T = await num(page, 'temp-value');
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `temp-prob-${t}`),
    ),
    softmaxRef(DEFAULT_LOGITS, T),
    1e-9,
    `animated T = ${T}`,
  );
});

test('gradient check: finite differences agree with the backward pass', async () => {
  const s = softmaxRef(DEFAULT_LOGITS);
  const d = dot(DEFAULT_UPSTREAM, s);
  const analytic = s.map((si, i) => si * (DEFAULT_UPSTREAM[i] - d));
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `gc-analytic-${t}`),
    ),
    analytic,
    1e-9,
    'analytic',
  );
  assertClose(
    await nums(
      page,
      TOKENS.map((t) => `gc-numeric-${t}`),
    ),
    analytic,
    1e-8,
    'finite differences',
  );
  assert.ok((await num(page, 'gc-rel-err')) < 1e-6);
  assert.match(await page.textContent(tid('gc-verdict')), /agrees/);
  await page.selectOption(tid('gc-h'), '0.1');
  assert.ok((await num(page, 'gc-rel-err')) > 1e-4, 'a large step shows truncation error');
});

test('training demo: the loss falls over a few seconds, and stop/reset work', async () => {
  const loss0 = await num(page, 'train-loss');
  assert.ok(loss0 > 0.9, `untrained loss near log 3, got ${loss0}`);
  await page.click(tid('train-start'));
  await page.waitForTimeout(3000);
  await page.click(tid('train-start')); // stop
  const steps = await num(page, 'train-step');
  const loss1 = await num(page, 'train-loss');
  assert.ok(steps > 50, `it trained (${steps} steps)`);
  assert.ok(loss1 < 0.7 * loss0, `loss fell from ${loss0} to ${loss1}`);
  await page.waitForTimeout(300);
  assert.equal(await num(page, 'train-step'), steps, 'stop stops');
  await page.click(tid('train-reset'));
  assert.equal(await num(page, 'train-step'), 0);
  assert.ok(Math.abs((await num(page, 'train-loss')) - loss0) < 1e-6, 'reset restores the untrained model');
});

test('speed: wasm and JS timings, the build and the browser are shown', async () => {
  await page.selectOption(tid('speed-n'), '10000');
  await page.click(tid('speed-run'));
  await page.waitForFunction(() => document.querySelector('[data-testid="speed-wasm-ns"]').dataset.value, null, {
    timeout: 10000,
  });
  const [w, j, diff] = await nums(page, ['speed-wasm-ns', 'speed-js-ns', 'speed-max-diff']);
  assert.ok(w > 0 && j > 0, `timings ${w} ${j}`);
  assert.ok(diff < 1e-6, `wasm and JS agree (${diff})`);
  assert.equal(await page.textContent(tid('speed-backend')), 'wasm-simd128');
  assert.match(await page.textContent(tid('speed-browser')), /Chrom/);
  // The server sends COOP/COEP: the page runs every core Chromium reports (up to 8) and times 1 thread too.
  const cores = await page.evaluate(() => Math.min(8, navigator.hardwareConcurrency));
  assert.equal(await page.textContent(tid('threads')), String(cores));
  assert.equal(await page.textContent(tid('speed-threads')), String(cores));
  if (cores > 1) {
    const [w1, scaling] = await nums(page, ['speed-wasm1-ns', 'speed-scaling']);
    assert.ok(w1 > 0 && scaling > 0, `1 thread ${w1}, scaling ${scaling}`);
  }
});

test('next token: the model logits after "the cat sat on a" match a forward pass here, and "mat" leads', async () => {
  const logits = await jsonValues(page, 'nt-logits');
  assertClose(logits, ntLogits(ntIds('the cat sat on a')), 1e-9, 'logits');
  assert.equal(await page.getAttribute(tid('nt-row-0'), 'data-word'), 'mat');
  const words = await page.$$eval('[data-testid^="nt-row-"]', (rows) => rows.map((r) => r.dataset.word));
  assert.equal(words.length, 20, 'the top 20 words are listed');
  for (const w of ['rug', 'chair', 'bed'])
    assert.ok(words.slice(0, 6).includes(w), `${w} is among the first six: ${words}`);
  assert.equal(await page.locator(`${tid('nt-chart')} svg [aria-label="bar"] rect`).count(), 20, '20 bars');
  // With every filter off, every word is kept.
  assert.deepEqual(
    await jsonValues(page, 'nt-kept'),
    NT.vocab.map((_, i) => i),
  );
  assert.deepEqual(problems, []);
});

test('next token: moving a control changes the kept set exactly as the JS reference says', async () => {
  const ids = ntIds('the cat sat on a');
  const settings = [
    { temperature: 1, topK: 5, topP: 1, minP: 0, repetitionPenalty: 1 },
    { temperature: 1, topK: 5, topP: 0.5, minP: 0, repetitionPenalty: 1 },
    { temperature: 0.5, topK: 0, topP: 0.9, minP: 0, repetitionPenalty: 1 },
    { temperature: 1.5, topK: 0, topP: 0.9, minP: 0, repetitionPenalty: 1 },
    { temperature: 1, topK: 0, topP: 1, minP: 0.1, repetitionPenalty: 1 },
    { temperature: 0.5, topK: 0, topP: 1, minP: 0.3, repetitionPenalty: 1 },
    { temperature: 1, topK: 7, topP: 0.95, minP: 0.05, repetitionPenalty: 1 },
    { temperature: 2, topK: 0, topP: 1, minP: 0.01, repetitionPenalty: 1 },
    { temperature: 2, topK: 0, topP: 1, minP: 0.01, repetitionPenalty: 3 },
    { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
    { temperature: 1, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
  ];
  const ids2control = {
    temperature: 'nt-temperature',
    topK: 'nt-topk',
    topP: 'nt-topp',
    minP: 'nt-minp',
    repetitionPenalty: 'nt-repetition',
  };
  const logits = await jsonValues(page, 'nt-logits');
  const seen = new Set();
  for (const o of settings) {
    for (const [k, testid] of Object.entries(ids2control)) await setValue(page, testid, o[k]);
    const want = ntKept(logits, { ...o, history: ids });
    const got = await jsonValues(page, 'nt-kept');
    assert.deepEqual(got, want, `kept set at ${JSON.stringify(o)}`);
    assert.equal(await num(page, 'nt-kept-count'), want.length);
    // The table's kept/cut marks agree with the kept set.
    const marks = await page.$$eval('[data-testid^="nt-row-"]', (rows) =>
      rows.map((r) => [r.dataset.word, r.dataset.kept === 'true']),
    );
    for (const [w, kept] of marks)
      assert.equal(kept, want.includes(ntIndex.get(w)), `${w} marked ${kept ? 'kept' : 'cut'}`);
    seen.add(JSON.stringify(want));
    if (o.temperature === 0) {
      assert.deepEqual(want, [ntIndex.get('mat')], 'greedy keeps the best word only');
      const top = await page.$$eval('[data-testid^="nt-row-"]', (rows) => rows.map((r) => r.dataset.word));
      assert.deepEqual(top.slice(0, 3), ['mat', 'rug', 'chair'], 'at T = 0 the list keeps the order of the logits');
    }
  }
  assert.ok(seen.size >= 9, `the settings gave ${seen.size} different kept sets`);
  assert.ok(seen.has(JSON.stringify(NT.vocab.map((_, i) => i))), 'back to all words kept');
  // The repetition penalty lowered a word of the prompt below min-p: "cat" is cut at 3, kept at 1.
  const cat = ntIndex.get('cat');
  await setValue(page, 'nt-temperature', 2);
  await setValue(page, 'nt-minp', 0.01);
  assert.ok((await jsonValues(page, 'nt-kept')).includes(cat));
  await setValue(page, 'nt-repetition', 3);
  assert.ok(!(await jsonValues(page, 'nt-kept')).includes(cat));
  await page.click(tid('nt-reset'));
  assert.deepEqual(problems, []);
});

test('next token: a typed prompt changes the logits; unknown words are named and skipped', async () => {
  await page.fill(tid('nt-prompt'), 'The bird flew over the zebra the');
  assert.match(await page.textContent(tid('nt-unknown')), /zebra/);
  assertClose(await jsonValues(page, 'nt-logits'), ntLogits(ntIds('the bird flew over the the')), 1e-9, 'logits');
  await page.fill(tid('nt-prompt'), 'the cat sat on a');
  assert.equal(await page.isHidden(tid('nt-unknown')), true);
  assert.deepEqual(problems, []);
});

async function generated(p) {
  await p.waitForFunction(() => document.querySelector('[data-testid="nt-output"]').dataset.done === 'true', null, {
    timeout: 10000,
  });
  return {
    seed: await p.inputValue(tid('nt-seed')),
    tokens: JSON.parse(await p.getAttribute(tid('nt-output'), 'data-tokens')),
    text: await p.textContent(tid('nt-output')),
  };
}

test('next token: the same seed writes the same text, a new seed another, and every word drawn was kept', async () => {
  await setValue(page, 'nt-topp', 0.9);
  await setValue(page, 'nt-temperature', 1.2);
  await setValue(page, 'nt-repetition', 1.3);
  await setValue(page, 'nt-seed', 42);
  const a = await generated(page);
  assert.equal(a.tokens.length, 24);
  assert.ok(a.text.startsWith('the cat sat on a '), a.text);
  await page.click(tid('nt-generate'));
  const b = await generated(page);
  assert.deepEqual(b.tokens, a.tokens, 'generate again with the same seed');
  assert.equal(b.text, a.text);
  // Each word is the reference's draw from the kept set of its step (history = every word
  // so far; draw i of seed 42's Philox stream): the page writes exactly the reference's text.
  const ids = ntIds('the cat sat on a');
  const options = { temperature: 1.2, topK: 0, topP: 0.9, minP: 0, repetitionPenalty: 1.3 };
  for (const [i, t] of a.tokens.entries()) {
    const logits = ntLogits(ids);
    const kept = ntKept(logits, { ...options, history: ids });
    assert.ok(kept.includes(t), `${NT.vocab[t]} after "${ids.map((k) => NT.vocab[k]).join(' ')}" was cut`);
    assert.equal(t, ntReference(logits, { ...options, history: ids }, 42, i).tokens[0], `word ${i}`);
    ids.push(t);
  }
  const texts = new Set([a.text]);
  const seeds = new Set([a.seed]);
  for (let i = 0; i < 3; i++) {
    await page.click(tid('nt-new-seed'));
    const c = await generated(page);
    seeds.add(c.seed);
    texts.add(c.text);
  }
  assert.equal(seeds.size, 4, 'each click gave a new seed');
  assert.ok(texts.size >= 2, 'new seeds wrote other text');
  await setValue(page, 'nt-seed', 42);
  assert.deepEqual((await generated(page)).tokens, a.tokens, 'seed 42 again: the same text');
  // The same seed with other controls can differ; the reset brings the defaults back.
  await page.click(tid('nt-reset'));
  assert.equal(await num(page, 'nt-topp-value'), 1);
  assert.deepEqual(problems, []);
});

test('layout: fits a 390 px phone without layout shift, every control is labelled', async (t) => {
  const unlabelled = await page.$$eval('input, select, button', (els) =>
    els
      .filter((e) => !(e.closest('label') || e.getAttribute('aria-label') || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unlabelled, []);
  await page.screenshot({ path: path.join(ARTIFACTS, 'playground-1280.png'), fullPage: true });

  const phone = await openPage('', 390);
  try {
    // Load time of a second visit (browser already running): first paint, panels filled in, all charts drawn.
    const times = await phone.evaluate(() =>
      Object.fromEntries(
        [...performance.getEntriesByType('paint'), ...performance.getEntriesByType('mark')].map((e) => [
          e.name,
          Math.round(e.startTime),
        ]),
      ),
    );
    t.diagnostic(`load times (ms): ${JSON.stringify(times)}`);
    assert.ok(
      times['softmax-wasm:panels-mounted'] < 5000,
      'the panels are filled in within seconds even on a busy machine',
    );
    const cls = await layoutShift(phone);
    assert.ok(cls < 0.01, `cumulative layout shift at 390 px: ${cls}`);
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);
    const clipped = await phone.$$eval('.table-wrap, .chart, .panel-body', (els) =>
      els
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => `${e.closest('section').id}: ${e.className} ${e.scrollWidth} > ${e.clientWidth}`),
    );
    assert.deepEqual(clipped, [], 'nothing is cut off or needs sideways scrolling on a phone');
    await phone.screenshot({ path: path.join(ARTIFACTS, 'playground-390.png'), fullPage: true });
  } finally {
    await phone.close();
  }
  assert.deepEqual(problems, []);
});

test('forced scalar build (?simd=0) works and says so', async () => {
  const scalar = await openPage('?simd=0');
  try {
    assert.equal(await scalar.textContent(tid('backend')), 'wasm-scalar');
    assert.ok(
      responses.some((r) => r.url().endsWith('softmax-scalar.wasm')),
      'the scalar .wasm was fetched',
    );
    assertClose(
      await nums(
        scalar,
        TOKENS.map((t) => `prob-${t}`),
      ),
      softmaxRef(DEFAULT_LOGITS),
      1e-9,
      'scalar probabilities',
    );
    await scalar.fill(tid('logit-hat'), '5');
    assertClose(
      await nums(
        scalar,
        TOKENS.map((t) => `prob-${t}`),
      ),
      softmaxRef([...DEFAULT_LOGITS.slice(0, 5), 5]),
      1e-9,
      'scalar after edit',
    );
    await scalar.selectOption(tid('ce-target'), '5');
    const s = softmaxRef([...DEFAULT_LOGITS.slice(0, 5), 5]);
    assert.ok(Math.abs((await num(scalar, 'ce-loss')) + Math.log(s[5])) < 1e-9);
    assert.equal(await scalar.textContent(tid('speed-backend')), 'wasm-scalar');
    // The scalar build draws the same words as the reference (and so as the SIMD build).
    const words = await generated(scalar);
    assert.deepEqual(
      words.tokens,
      ntReferenceTokens('the cat sat on a', { temperature: 1 }, 42, 24),
      'scalar build, seed 42',
    );
    await scalar.screenshot({ path: path.join(ARTIFACTS, 'playground-scalar-1280.png') });
  } finally {
    await scalar.close();
  }
  assert.deepEqual(problems, []);
});

test('a browser without wasm SIMD gets the scalar build automatically', async () => {
  // Chromium cannot switch SIMD off, so stub the feature probe: tiny modules using
  // a v128 instruction (0xfd prefix) "fail" validation, as in an engine without SIMD.
  const noSimd = () => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => {
      const b = new Uint8Array(bytes.buffer ?? bytes);
      return b.length < 128 && b.includes(0xfd) ? false : validate(bytes);
    };
  };
  const old = await openPage('', 1280, noSimd);
  try {
    assert.equal(await old.textContent(tid('backend')), 'wasm-scalar');
    assert.equal(await old.textContent(tid('simd-support')), 'no');
    assertClose(
      await nums(
        old,
        TOKENS.map((t) => `prob-${t}`),
      ),
      softmaxRef(DEFAULT_LOGITS),
      1e-9,
      'probabilities without SIMD',
    );
  } finally {
    await old.close();
  }
  assert.deepEqual(problems, []);
});
