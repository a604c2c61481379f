// Threads in Chromium (issue 13): a page served with COOP/COEP (cross-origin isolated) runs the
// threaded build, its workers take tasks and its results are bit-identical to the single-thread
// build; the same page without those headers falls back to one thread, with correct results.
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

const PAGE = `<!doctype html><meta charset="utf-8"><title>threads</title><script type="module">
import { load } from '/bindings/browser.js';
import { poolOf } from '/bindings/threads.js';
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
  window.result = { isolated: crossOriginIsolated, threads: sm.threads, workerTasks: pool ? pool.workerTasks : 0, identical, rowSum: sum,
    cores: navigator.hardwareConcurrency };
  sm.dispose();
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>`;

let server;
let browser;

before(
  async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      const isolated = url.searchParams.get('isolated') === '1';
      const headers = isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {};
      if (url.pathname === '/') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
        res.end(PAGE);
        return;
      }
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

async function run(isolated) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/?isolated=${isolated ? 1 : 0}`);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => window.result);
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(result.error, undefined, result.error);
  return result;
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
