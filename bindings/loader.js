// loader.js — what load() does in every environment: read its options, pick the build (flavour)
// and the glue, compile the .wasm once per build and source, and instantiate it. The entries
// differ only in how they find and read a .wasm (an "env" object):
//   index.js         Node, ES module: next to this package's files (import.meta.url), read with fs
//   node-bundled.js  Node inside a bundle (esbuild/webpack for Node, and the CommonJS entry
//                    dist/index.cjs built from it): next to the bundle or in node_modules, with fs
//   browser.js       browsers, workers, bundlers: fetch() of dist/wasm-urls.mjs's URLs
// This file imports nothing from Node and has no import.meta, so every entry can share it.
import { SoftmaxWasm } from './softmax-wasm.js';
import { registerPool, ThreadPool, threadsPossible } from './threads.js';

/**
 * The builds. Each flavour has one .wasm (shared by its glues) and two Emscripten glues over it:
 * the default one, whose Embind invokers are made with new Function (fast), and one built with
 * -sDYNAMIC_EXECUTION=0 for engines that refuse new Function (a strict CSP), slower per call.
 * The imports are literal so bundlers split each glue into its own chunk, fetched only if used.
 * A new flavour (issue 13's threaded build) adds a row here and its targets in CMakeLists.txt
 * (which also generates its wasm-urls.mjs entry); load() then picks it by its own rule.
 */
export const FLAVOURS = {
  simd: {
    name: 'simd',
    backend: 'wasm-simd128',
    kernels: /^simd128_/, // what kernelVariant() says in this build
    wasm: 'softmax-simd.wasm',
    glue: () => import('../dist/softmax-simd.mjs'),
    cspGlue: () => import('../dist/softmax-simd-csp.mjs'),
  },
  // The SIMD build over shared memory with its thread pool (threads.js); loaded only when
  // load() runs more than one thread, so the default import never fetches it.
  threads: {
    name: 'threads',
    backend: 'wasm-simd128', // the same kernels; sm.threads tells the builds apart
    kernels: /^simd128_/,
    wasm: 'softmax-threads.wasm',
    glue: () => import('../dist/softmax-threads.mjs'),
    cspGlue: () => import('../dist/softmax-threads-csp.mjs'),
  },
  scalar: {
    name: 'scalar',
    backend: 'wasm-scalar',
    kernels: /^scalar_/,
    wasm: 'softmax-scalar.wasm',
    glue: () => import('../dist/softmax-scalar.mjs'),
    cspGlue: () => import('../dist/softmax-scalar-csp.mjs'),
  },
};

// The smallest module that uses a SIMD128 instruction: (func (result v128) v128.const 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11,
]);

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

let dynamicCode;
/**
 * Whether this realm may build functions from strings. A page whose CSP lacks 'unsafe-eval'
 * refuses (EvalError), and so does Node with --disallow-code-generation-from-strings. Tested once;
 * in a CSP page the refusal is also reported as a CSP violation, once.
 */
export function dynamicCodeAllowed() {
  if (dynamicCode === undefined) {
    try {
      dynamicCode = new Function('return 1')() === 1;
    } catch {
      dynamicCode = false;
    }
  }
  return dynamicCode;
}

const KNOWN_OPTIONS = ['simd', 'wasmBinary', 'locateFile', 'threads'];

/** The most threads 'auto' picks. */
export const AUTO_THREADS_CAP = 8;

function describe(value) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  }
  if (typeof value === 'function') return 'a function';
  return Object.prototype.toString.call(value).slice(8, -1);
}

// Brand checks and reads through the built-in getters, so a Proxy, a subclass or an own
// `byteLength` property cannot make a value look like something it is not.
const getter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
const typedBuffer = getter(TYPED, 'buffer');
const typedOffset = getter(TYPED, 'byteOffset');
const typedLength = getter(TYPED, 'byteLength');
const viewBuffer = getter(DataView.prototype, 'buffer');
const viewOffset = getter(DataView.prototype, 'byteOffset');
const viewLength = getter(DataView.prototype, 'byteLength');
const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : null;

function tryCall(fn, self) {
  try {
    return fn.call(self);
  } catch {
    return undefined;
  }
}

/**
 * wasmBinary as a private copy of its bytes: any BufferSource (an ArrayBuffer or
 * SharedArrayBuffer, a typed array or a DataView over one). The copy is taken now, so changes
 * to the caller's buffer later cannot reach the compile.
 */
function copyBytes(value) {
  let buffer;
  let offset = 0;
  let length;
  if (ArrayBuffer.isView(value)) {
    buffer = tryCall(typedBuffer, value);
    if (buffer !== undefined) {
      offset = typedOffset.call(value);
      length = typedLength.call(value);
    } else {
      buffer = viewBuffer.call(value);
      offset = viewOffset.call(value);
      length = viewLength.call(value);
    }
  } else {
    length = tryCall(bufferLength, value);
    if (length === undefined && sharedLength) length = tryCall(sharedLength, value);
    if (length !== undefined) buffer = value;
  }
  if (buffer === undefined) {
    throw new TypeError(
      `load: wasmBinary must be an ArrayBuffer, a typed array or a DataView (the bytes of the .wasm), got ${describe(value)}`,
    );
  }
  if (length === 0) {
    throw new RangeError('load: wasmBinary is empty (or its buffer was detached); it must hold the bytes of the .wasm');
  }
  return new Uint8Array(buffer, offset, length).slice();
}

/** The options of load(), read once (own properties only), checked before any work. */
function readOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`load: options must be an object, got ${describe(options)}`);
  }
  for (const key of Reflect.ownKeys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new TypeError(
        `load: unknown option ${typeof key === 'string' ? JSON.stringify(key) : String(key)} (known: ${KNOWN_OPTIONS.join(', ')})`,
      );
    }
  }
  const own = (key) => (Object.hasOwn(options, key) ? options[key] : undefined);
  const simd = own('simd');
  if (simd !== undefined && typeof simd !== 'boolean') {
    throw new TypeError(`load: simd must be true, false or undefined, got ${describe(simd)}`);
  }
  const locateFile = own('locateFile');
  if (locateFile !== undefined && typeof locateFile !== 'function') {
    throw new TypeError(
      `load: locateFile must be a function (file name, directory) => URL or path, got ${describe(locateFile)}`,
    );
  }
  const binary = own('wasmBinary');
  const wasmBinary = binary === undefined ? undefined : copyBytes(binary);
  if (wasmBinary && locateFile) {
    throw new TypeError('load: give wasmBinary or locateFile, not both');
  }
  const threads = own('threads');
  if (threads !== undefined && threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new RangeError(`load: threads must be 'auto', or an integer from 1 to 64, got ${describe(threads)}`);
  }
  return { simd, wasmBinary, locateFile, threads };
}

const HEX = (bytes) => Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');

/** Compiles bytes, or says what they are instead of a .wasm (`what` names where they came from). */
export async function compileBytes(bytes, what) {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const u8 = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    const head = u8.length >= 4 ? `it starts with ${HEX(u8)}` : `it has ${u8.length} bytes`;
    throw new RangeError(
      `${what} is not a WebAssembly module this engine can compile (${head}; a .wasm starts with 00 61 73 6d): ${e.message}`,
      { cause: e },
    );
  }
}

// Compiled modules by source (a URL or path), so a second load() of a build compiles nothing.
const compiled = new Map();

function compileOnce(key, compile) {
  let entry = compiled.get(key);
  if (!entry) {
    entry = compile();
    compiled.set(key, entry);
    entry.catch(() => compiled.delete(key)); // a failed fetch may succeed on a later try
  }
  return entry;
}

/** Runs the Emscripten glue over a compiled module; rejects (never hangs) if instantiation fails. */
async function instantiate(factory, wasmModule, what, flavour, seen) {
  let fail;
  const failed = new Promise((_, reject) => {
    fail = reject;
  });
  const broken = (e) =>
    fail(
      new RangeError(`load: ${what} does not fit the glue of ${flavour.wasm} (is it that file?): ${e?.message ?? e}`, {
        cause: e,
      }),
    );
  const ready = factory({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => {
        seen.instance = instance;
        seen.imports = imports;
        try {
          receive(instance, wasmModule);
        } catch (e) {
          broken(e);
        }
      }, broken);
      return {};
    },
  });
  return Promise.race([ready, failed]);
}

/** Compiles a flavour's .wasm from wasmBinary, locateFile or the package's default location. */
async function compileFlavour(env, o, flavour) {
  if (o.wasmBinary) {
    return { what: 'wasmBinary', wasmModule: await compileBytes(o.wasmBinary, 'load: wasmBinary') };
  }
  if (o.locateFile) {
    const located = o.locateFile(flavour.wasm, env.directory(flavour));
    if (typeof located !== 'string' && !(located instanceof URL)) {
      throw new TypeError(
        `load: locateFile(${JSON.stringify(flavour.wasm)}) must return a URL or a path, got ${describe(located)}`,
      );
    }
    const where = String(located);
    return {
      what: where,
      wasmModule: await compileOnce(where, () =>
        env.compile(where, `load: locateFile(${JSON.stringify(flavour.wasm)}) returned ${JSON.stringify(where)}: `),
      ),
    };
  }
  const where = await env.defaultWasm(flavour);
  return { what: where, wasmModule: await compileOnce(where, () => env.compile(where, 'softmax-wasm: ')) };
}

/**
 * The single-thread build beside a threaded one, or undefined where it cannot be loaded (a server
 * with the threaded file only): the instance then works as before, copying into shared memory.
 */
async function loadSmall(env, o, flavour) {
  try {
    const { wasmModule, what } = await compileFlavour(env, o, flavour);
    return await instantiateFlavour(flavour, wasmModule, what, {});
  } catch {
    return undefined;
  }
}

/** Instantiates a compiled flavour with its glue, and checks that it is that build. */
async function instantiateFlavour(flavour, wasmModule, what, seen) {
  const { default: factory } = await (dynamicCodeAllowed() ? flavour.glue : flavour.cspGlue)();
  const module = await instantiate(factory, wasmModule, what, flavour, seen);
  if (typeof module.kernelVariant !== 'function') {
    throw new RangeError(`load: ${what} is a WebAssembly module, but not softmax-wasm's (it binds no kernelVariant)`);
  }
  const kernels = module.kernelVariant();
  if (!flavour.kernels.test(kernels)) {
    throw new RangeError(
      `load: ${what} is not the ${flavour.name} build (its kernels are ${kernels}); give the bytes of ${flavour.wasm}, or choose the build with the simd option`,
    );
  }
  return module;
}

/**
 * load() for one environment. env:
 *   defaultWasm(flavour) -> Promise<string>  where the build's .wasm is (URL or path)
 *   directory(flavour) -> string             locateFile's second argument (where it would be)
 *   compile(location, prefix) -> Promise<WebAssembly.Module>  reads and compiles a URL or path;
 *                                            errors start with prefix and name the location
 */
export function createLoad(env) {
  return async function load(options) {
    // Node 20 can deadlock when its event loop runs empty while V8 compiles in the background:
    // the main thread blocks in NodePlatform::DrainTasks waiting for a compile job, and the job
    // waits for a collection on the main thread (nodejs/node#54918). 14 copies at once of
    // tests/heap-views.test.mjs on 2 cores hung in 4 of 280 runs without this, 0 of 420 with
    // it. A timer holds the loop open while load() awaits, so V8's foreground tasks keep
    // running; in a browser it is an idle interval.
    const keep = typeof setInterval === 'function' ? setInterval(() => {}, 2 ** 30) : undefined;
    try {
      return await loadWith(options);
    } finally {
      if (keep !== undefined) clearInterval(keep);
    }
  };

  async function loadWith(options) {
    const o = readOptions(options);
    const hasSimd = simdSupported();
    if (o.simd === true && !hasSimd) {
      throw new RangeError('load: simd: true was asked for, but this engine has no WebAssembly SIMD128');
    }
    // Threads: 'auto' (the default) is every core the engine reports, up to AUTO_THREADS_CAP;
    // with wasmBinary the default is 1 (the bytes are a single-thread build unless threads says
    // otherwise). Where threads are impossible (no SharedArrayBuffer, a page that is not
    // cross-origin isolated, no SIMD, simd: false) load() falls back to one thread silently.
    const asked = o.threads ?? (o.wasmBinary ? 1 : 'auto');
    const cores = asked === 'auto' ? Math.min(AUTO_THREADS_CAP, Math.max(1, env.cores?.() ?? 1)) : asked;
    const useSimd = o.simd ?? hasSimd;
    const threads = cores > 1 && useSimd && env.spawner && threadsPossible(true) ? cores : 1;
    const flavour = threads > 1 ? FLAVOURS.threads : useSimd ? FLAVOURS.simd : FLAVOURS.scalar;
    // The threaded build's memory is a SharedArrayBuffer, and V8 copies into and out of a shared
    // buffer word by word (relaxed atomics) instead of memcpy: 1.5-2x slower for arrays of 1k-64k
    // elements. So a threaded instance also loads the single-thread SIMD build (compiled in
    // parallel) and runs there the calls that would not be shared anyway (softmax-wasm.js,
    // #engine); without wasmBinary only, since wasmBinary gives the bytes of one build.
    const smallFlavour = threads > 1 && !o.wasmBinary ? FLAVOURS.simd : undefined;
    const [{ wasmModule, what }, small] = await Promise.all([
      compileFlavour(env, o, flavour),
      smallFlavour === undefined ? undefined : loadSmall(env, o, smallFlavour),
    ]);
    const seen = {};
    const module = await instantiateFlavour(flavour, wasmModule, what, seen);
    if (threads === 1) return new SoftmaxWasm(module, flavour.backend);
    const memory = Object.values(seen.imports)
      .flatMap((m) => Object.values(m))
      .find((v) => v instanceof WebAssembly.Memory);
    const pool = new ThreadPool(module, seen.instance, wasmModule, memory, threads, env.spawner());
    const sm = new SoftmaxWasm(module, flavour.backend, pool, small && new SoftmaxWasm(small, smallFlavour.backend));
    registerPool(sm, pool);
    return sm;
  }
}
