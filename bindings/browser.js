// browser.js — the entry for browsers, Web Workers and bundlers (package.json exports: browser,
// worker, default). Nothing here or below imports from Node. The .wasm is fetched from the URL
// dist/wasm-urls.mjs gives (new URL('softmax-simd.wasm', import.meta.url): bundlers emit the
// file and rewrite the URL; unbundled it is the file next to the glue), compiled while it
// downloads (compileStreaming, when served as application/wasm), once per URL.
import { compileBytes, createLoad, simdSupported } from './loader.js';
import { SoftmaxWasm } from './softmax-wasm.js';
import { wasmUrls } from '../dist/wasm-urls.mjs';
import { browserSpawner } from './threads.js';

export { SoftmaxWasm, simdSupported };

// A classic-script bundle (an esbuild IIFE) has no import.meta: the .wasm is then looked for
// next to that script, whose URL is only known while it first runs.
const SCRIPT_URL =
  typeof document === 'object' && document?.currentScript?.src ? document.currentScript.src : globalThis.location?.href;

const advice = (file) =>
  `The file must be served at that URL: bundlers that copy no assets (esbuild) need node_modules/softmax-wasm/dist/${file} copied next to the bundle. Or pass load({ locateFile }) or load({ wasmBinary }).`;

function defaultUrl(flavour) {
  try {
    return wasmUrls[flavour.name]().href;
  } catch {
    return new URL(flavour.wasm, SCRIPT_URL).href;
  }
}

async function compile(url, prefix) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new Error(`${prefix}cannot fetch ${url}: ${e.message}. ${advice(url.split('/').pop())}`, { cause: e });
  }
  if (!res.ok) throw new Error(`${prefix}cannot fetch ${url}: HTTP ${res.status}. ${advice(url.split('/').pop())}`);
  const type = res.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(type)) {
    try {
      return await WebAssembly.compileStreaming(res);
    } catch (e) {
      throw new RangeError(`${prefix}${url} is not a WebAssembly module this engine can compile: ${e.message}`, {
        cause: e,
      });
    }
  }
  return compileBytes(
    new Uint8Array(await res.arrayBuffer()),
    `${prefix}${url} (served as ${type || 'no content type'})`,
  );
}

/** Loads a softmax-wasm instance (see index.d.ts). */
export const load = createLoad({
  cores: () => globalThis.navigator?.hardwareConcurrency ?? 1,
  spawner: typeof Worker === 'function' && typeof Blob === 'function' ? browserSpawner : undefined,
  defaultWasm: async (flavour) => defaultUrl(flavour),
  directory: (flavour) => new URL('.', defaultUrl(flavour)).href,
  compile,
});
