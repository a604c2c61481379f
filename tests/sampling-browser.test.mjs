// Reproducible across engines: the same seeded sample() calls in headless
// Chromium (both wasm builds, loaded from the package files as a browser
// loads them) and in Node give the same tokens, thousands of draws over
// ties, -Infinity entries, wide logits and every warper.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { builds, makeRng } from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server;
let context;
let userDataDir;

before(
  async () => {
    const ensure = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-chromium.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    assert.equal(ensure.status, 0, 'Chromium is not available (see the message above)');
    const executablePath = ensure.stdout.trim().split('\n').pop();
    const { chromium } = await import('playwright-core');
    server = await startServer({ port: 0, folders: ['bindings', 'dist'], index: '/bindings/index.js' });
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'softmax-wasm-sampling-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30000,
    });
  },
  { timeout: 180_000 },
);

after(async () => {
  await context?.close().catch(() => {});
  await server?.close().catch(() => {});
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** The calls both engines make: [logits (plain numbers), options without the generator]. */
function calls() {
  const rng = makeRng(77);
  const value = (mode) =>
    mode === 0
      ? 3 * rng.normal()
      : mode === 1
        ? rng.int(-3, 3) / 2
        : mode === 2
          ? rng.bool(0.3)
            ? -Infinity
            : rng.normal()
          : rng.uniform(-3000, 3000);
  const out = [];
  const configs = [
    {},
    { temperature: 0.7, topP: 0.9 },
    { topK: 8, topP: 0.95, minP: 0.02, temperature: 1.2 },
    { minP: 0.1 },
    { temperature: 0 },
    { repetitionPenalty: 1.4, frequencyPenalty: 0.3, history: [1, 1, 5], logitBias: { 2: 3 }, topP: 0.8 },
  ];
  configs.forEach((o, c) => {
    const [rows, n] = c % 2 ? [1500, 64] : [6, 20000];
    const logits = [];
    for (let r = 0; r < rows; r++) {
      const mode = (r + c) % 4;
      for (let i = 0; i < n; i++) logits.push(i === 0 && mode === 2 ? 0 : value(mode));
    }
    out.push({ logits, options: { ...o, shape: [rows, n] }, seed: 1000 + c });
  });
  return out;
}

test('Chromium (SIMD and scalar builds) and Node draw the same tokens from the same seeds', async () => {
  const cases = calls();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const entry = new URL('/bindings/browser.js', server.url).href;
  await page.goto(entry);
  const inBrowser = await page.evaluate(
    async ({ url, cases: cs }) => {
      const { load } = await import(url);
      const result = {};
      for (const simd of [true, false]) {
        const sm = await load({ simd });
        result[sm.backend] = cs.map(({ logits, options, seed }) => {
          const x = new Float32Array(logits.map((v) => (v === null ? -Infinity : v)));
          return Array.from(sm.sample(x, { ...options, random: sm.random(seed) }));
        });
      }
      return result;
    },
    { url: entry, cases: cases.map((c) => ({ ...c, logits: c.logits.map((v) => (v === -Infinity ? null : v)) })) },
  );
  await page.close();
  assert.deepEqual(errors, []);
  const nodeBuilds = await builds();
  let draws = 0;
  cases.forEach(({ logits, options, seed }, c) => {
    const x = new Float32Array(logits);
    const want = Array.from(nodeBuilds[0].sm.sample(x, { ...options, random: seed }));
    draws += want.length;
    assert.deepEqual(
      Array.from(nodeBuilds[1].sm.sample(x, { ...options, random: seed })),
      want,
      `case ${c}: Node scalar vs Node SIMD`,
    );
    assert.deepEqual(inBrowser['wasm-simd128'][c], want, `case ${c}: Chromium SIMD vs Node`);
    assert.deepEqual(inBrowser['wasm-scalar'][c], want, `case ${c}: Chromium scalar vs Node`);
  });
  assert.ok(draws >= 4000, `${draws} draws`);
});
