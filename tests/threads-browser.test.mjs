// Threads in Chromium (issue 13): a page served with COOP/COEP (cross-origin isolated) runs the
// threaded build, its workers take tasks and its results are bit-identical to the single-thread
// build; the same page without those headers falls back to one thread, with correct results.
// With a strict CSP (no eval, so the CSP-safe glue of the threaded build) and COOP/COEP: without
// worker-src blob: the workers are refused and the instance says so (sm.threads 1, a warning,
// correct results); with worker-src blob: it runs threaded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>threads</title><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>`;
const PAGE_JS = `
import { load } from './bindings/browser.js';
import { poolOf } from './bindings/threads.js';
try {
  const single = await load({ threads: 1 });
  const sm = await load();
  const pool = poolOf(sm);
  if (pool) await pool.start();
  const x = new Float32Array(512 * 1000).map((_, i) => Math.sin(i) * 8);
  const t = Int32Array.from({ length: 512 }, (_, i) => (i * 7) % 1000);
  const calls = [
    (s) => s.softmax(x, { shape: [512, 1000] }),
    (s) => s.logSoftmax(Float64Array.from(x), { shape: [8, 64, 1000], axis: 1 }),
    (s) => s.crossEntropy(x, t, { shape: [512, 1000], grad: true }),
  ];
  let identical = true;
  for (const c of calls) {
    const a = c(single), b = c(sm);
    const av = a.grad ?? a, bv = b.grad ?? b;
    if (a.loss !== undefined && !Object.is(a.loss, b.loss)) identical = false;
    const ab = new Uint8Array(av.buffer, av.byteOffset, av.byteLength), bb = new Uint8Array(bv.buffer, bv.byteOffset, bv.byteLength);
    if (ab.length !== bb.length || ab.some((v, i) => v !== bb[i])) identical = false;
  }
  const y = sm.softmax(x, { shape: [512, 1000] });
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += y[i];
  let dynamic = true;
  try { new Function('return 1'); } catch { dynamic = false; }
  window.result = { isolated: crossOriginIsolated, threads: sm.threads, workerTasks: pool ? pool.workerTasks : 0, identical, rowSum: sum,
    cores: navigator.hardwareConcurrency, fallback: pool?.fallback?.message, dynamic };
  sm.dispose();
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
`;
// Strict: what a locked-down app sends (no eval, scripts from the origin only: worker-src falls
// back to script-src, which has no blob:); allowBlob adds the one directive threads need.
const CSP_STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const CSP_BLOB = `${CSP_STRICT}; worker-src 'self' blob:`;
const requests = [];

let server;
let browser;

before(
  async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      requests.push(url.pathname);
      // The page's settings travel in the path prefix /<isolated>/<csp>/ so every file it loads gets the same headers.
      const [, iso, csp, rest] = url.pathname.match(/^\/(iso|open)\/(none|strict|blob)(\/.*)$/) ?? [];
      if (!rest) {
        res.writeHead(404);
        res.end();
        return;
      }
      const headers =
        iso === 'iso'
          ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
          : {};
      if (csp !== 'none') headers['Content-Security-Policy'] = csp === 'strict' ? CSP_STRICT : CSP_BLOB;
      if (rest === '/' || rest === '/page.js') {
        res.writeHead(200, { ...headers, 'Content-Type': rest === '/' ? 'text/html' : 'text/javascript' });
        res.end(rest === '/' ? PAGE : PAGE_JS);
        return;
      }
      url.pathname = rest;
      const file = path.join(ROOT, path.normalize(url.pathname));
      if (!/^\/(bindings|dist)\//.test(url.pathname) || !file.startsWith(ROOT) || !fs.existsSync(file)) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, {
        ...headers,
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      });
      res.end(fs.readFileSync(file));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
  },
  { timeout: 180_000 },
);

after(async () => {
  await browser?.close().catch(() => {});
  server?.close();
});

async function run(isolated, csp = 'none') {
  const page = await browser.newPage();
  const errors = [];
  const warnings = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'warning' && /softmax-wasm/.test(m.text())) warnings.push(m.text());
  });
  const before = requests.length;
  await page.goto(`http://127.0.0.1:${server.address().port}/${isolated ? 'iso' : 'open'}/${csp}/`);
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  await page
    .waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 })
    .catch((e) => assert.fail(`${e.message}; ${errors.join('; ')}`));
  const result = await page.evaluate(() => window.result);
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(result.error, undefined, result.error);
  return { ...result, warnings, fetched: requests.slice(before).map((p) => p.replace(/^\/\w+\/\w+/, '')) };
}

test('a cross-origin-isolated page runs threaded: workers take tasks, results bit-identical to one thread', {
  timeout: 120_000,
}, async () => {
  const r = await run(true);
  assert.equal(r.isolated, true);
  assert.equal(r.threads, Math.min(8, r.cores));
  assert.ok(r.threads > 1, `threads ${r.threads}`);
  assert.ok(r.workerTasks > 0, 'the workers ran tasks');
  assert.equal(r.identical, true);
  assert.ok(Math.abs(r.rowSum - 1) < 1e-5, `row sum ${r.rowSum}`);
});

test('a page without isolation falls back to one thread, without an error, with correct results', {
  timeout: 120_000,
}, async () => {
  const r = await run(false);
  assert.equal(r.isolated, false);
  assert.equal(r.threads, 1);
  assert.equal(r.identical, true);
  assert.ok(Math.abs(r.rowSum - 1) < 1e-5, `row sum ${r.rowSum}`);
});

test('a strict CSP without worker-src blob: (COOP/COEP): the threaded CSP-safe glue, workers refused, one thread, said once', {
  timeout: 120_000,
}, async () => {
  const r = await run(true, 'strict');
  assert.equal(r.isolated, true);
  assert.equal(r.dynamic, false, 'the CSP forbids new Function');
  assert.ok(r.fetched.includes('/dist/softmax-threads-csp.mjs'), `the threaded CSP-safe glue: ${r.fetched}`);
  assert.ok(!r.fetched.includes('/dist/softmax-threads.mjs'), `not the eval glue: ${r.fetched}`);
  assert.equal(r.threads, 1, 'sm.threads says one thread runs');
  assert.equal(r.workerTasks, 0);
  assert.match(r.fallback ?? '', /cannot start a worker thread.*worker-src blob:/);
  assert.equal(r.warnings.length, 1, `one console warning: ${r.warnings}`);
  assert.match(r.warnings[0], /worker-src blob:.*one thread/);
  assert.equal(r.identical, true);
  assert.ok(Math.abs(r.rowSum - 1) < 1e-5, `row sum ${r.rowSum}`);
});

test('a strict CSP with worker-src blob: (COOP/COEP): threaded, through the CSP-safe glue', {
  timeout: 120_000,
}, async () => {
  const r = await run(true, 'blob');
  assert.equal(r.dynamic, false);
  assert.ok(r.fetched.includes('/dist/softmax-threads-csp.mjs'), `the threaded CSP-safe glue: ${r.fetched}`);
  assert.equal(r.threads, Math.min(8, r.cores));
  assert.ok(r.threads > 1);
  assert.ok(r.workerTasks > 0, 'the workers ran tasks');
  assert.equal(r.fallback, undefined);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.identical, true);
});
