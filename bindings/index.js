// index.js — the ES module entry of softmax-wasm: load() picks and instantiates
// a wasm build and returns a SoftmaxWasm (softmax-wasm.js); index.cjs wraps it.
import { checkOptions, show } from './validate.js';
import { SoftmaxWasm } from './softmax-wasm.js';

export { SoftmaxWasm };

const IS_NODE = typeof process === 'object' && typeof process.versions === 'object' && !!process.versions.node;

// The smallest module that uses a SIMD128 instruction: (func (result v128) v128.const 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

async function nodeWasmBinary(file) {
  const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  return readFile(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)));
}

/**
 * Loads a softmax-wasm instance.
 * @param {{ simd?: boolean, wasmBinary?: ArrayBuffer | Uint8Array, locateFile?: (path: string, prefix: string) => string }} [options]
 *   simd: true / false forces the SIMD128 / scalar build; by default SIMD is used where the engine has it.
 *   wasmBinary: the .wasm bytes of the chosen build, if you load them yourself.
 *   locateFile: maps the .wasm file name to a URL (browsers, bundlers, CDNs).
 */
export async function load(options = {}) {
  const o = checkOptions('load', options, ['simd', 'wasmBinary', 'locateFile']);
  if (o.simd !== undefined && typeof o.simd !== 'boolean') {
    throw new TypeError(`load: simd must be true, false or undefined, got ${show(o.simd)}`);
  }
  if (o.locateFile !== undefined && typeof o.locateFile !== 'function') {
    throw new TypeError(`load: locateFile must be a function, got ${show(o.locateFile)}`);
  }
  if (o.wasmBinary !== undefined && !(o.wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(o.wasmBinary))) {
    throw new TypeError(`load: wasmBinary must be an ArrayBuffer or a Uint8Array, got ${show(o.wasmBinary)}`);
  }
  const hasSimd = simdSupported();
  if (o.simd === true && !hasSimd) throw new RangeError('load: simd: true was asked for, but this engine has no WebAssembly SIMD128');
  const simd = o.simd ?? hasSimd;
  const { default: factory } = simd
    ? await import('../dist/softmax-simd.mjs')
    : await import('../dist/softmax-scalar.mjs');
  const moduleArgs = {};
  if (o.locateFile) moduleArgs.locateFile = o.locateFile;
  if (o.wasmBinary) moduleArgs.wasmBinary = o.wasmBinary;
  else if (IS_NODE && !o.locateFile) {
    // Node 20's global fetch cannot read file: URLs; give the glue the bytes.
    moduleArgs.wasmBinary = await nodeWasmBinary(simd ? 'softmax-simd.wasm' : 'softmax-scalar.wasm');
  }
  const module = await factory(moduleArgs);
  return new SoftmaxWasm(module, simd ? 'wasm-simd128' : 'wasm-scalar');
}
