// The headless Chromium every browser test launches (playground, sampling-browser, consumers):
// one place for finding it and for its command-line flags. Not a test file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Installs Chromium if needed (scripts/ensure-chromium.sh) and launches it headless through
 * playwright-core: a persistent context when options.userDataDir is given, else a browser.
 * Other options (viewport, ...) go to playwright as they are.
 */
export async function launchChromium({ userDataDir, ...options } = {}) {
  const ensure = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.equal(ensure.status, 0, 'Chromium is not available (see the message above)');
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    assert.fail('playwright-core is not installed: run npm install');
  }
  const settings = {
    executablePath: ensure.stdout.trim().split('\n').pop(),
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 30_000,
    ...options,
  };
  return userDataDir === undefined
    ? chromium.launch(settings)
    : chromium.launchPersistentContext(userDataDir, settings);
}
