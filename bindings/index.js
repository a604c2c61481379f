// index.js — the Node ES-module entry of softmax-wasm (package.json exports: node + import).
// The .wasm sits in ../dist/ next to this file and is read with fs. Browsers and bundlers get
// browser.js; bundles for Node get node-bundled.js; require() gets dist/index.cjs (built from it).
import { fileURLToPath } from 'node:url';
import { createLoad, simdSupported } from './loader.js';
import { nodeEnv } from './node-files.js';
import { SoftmaxWasm } from './softmax-wasm.js';

export { SoftmaxWasm, simdSupported };

/**
 * Loads a softmax-wasm instance.
 * @param {{ simd?: boolean, wasmBinary?: BufferSource, locateFile?: (file: string, directory: string) => string | URL }} [options]
 *   simd: true / false forces the SIMD128 / scalar build; by default SIMD is used where the engine has it.
 *   wasmBinary: the .wasm bytes of the chosen build, if you load them yourself.
 *   locateFile: maps the .wasm file name to a path, file: URL or http(s) URL.
 */
export const load = createLoad(
  nodeEnv((flavour) => [fileURLToPath(new URL(`../dist/${flavour.wasm}`, import.meta.url))]),
);
