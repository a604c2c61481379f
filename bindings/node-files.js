// node-files.js — how the Node entries find and read a .wasm: with fs, never fetch (Node's fetch
// cannot read files). A locateFile result may be a path, a file: URL, or an http(s) URL (fetched).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compileBytes } from './loader.js';
import { WORKER_MAIN } from './threads.js';

const advice = (file) =>
  `Copy node_modules/softmax-wasm/dist/${file} there (or next to your bundle), or pass load({ locateFile }) or load({ wasmBinary }).`;

/** A load() environment for Node; candidates(flavour) lists where the .wasm may be, best first. */
export function nodeEnv(candidates) {
  return {
    cores: () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length),
    spawner: () => nodeSpawner(Worker),
    async defaultWasm(flavour) {
      const tried = candidates(flavour);
      const found = tried.find((file) => existsSync(file));
      if (found) return found;
      throw new Error(
        `softmax-wasm: ${flavour.wasm} not found; looked for ${tried.join(', ')}. ${advice(flavour.wasm)}`,
      );
    },
    directory: (flavour) => path.dirname(candidates(flavour)[0]) + path.sep,
    async compile(where, prefix) {
      const file = /^file:/i.test(where) ? fileURLToPath(where) : where;
      let bytes;
      if (/^https?:/i.test(where)) {
        const res = await fetch(where).catch((e) => {
          throw new Error(`${prefix}cannot fetch ${where}: ${e.message}`, { cause: e });
        });
        if (!res.ok) throw new Error(`${prefix}cannot fetch ${where}: HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      } else {
        try {
          bytes = await readFile(file);
        } catch (e) {
          throw new Error(
            `${prefix}cannot read ${path.resolve(file)} (${e.code ?? e.message}). ${advice(path.basename(file))}`,
            { cause: e },
          );
        }
      }
      return compileBytes(bytes, `${prefix}${file}`);
    },
  };
}

// The worker code of threads.js for worker_threads, evaluated as CommonJS, or as an ES module when
// Node runs with --input-type=module (kept out of threads.js: browser bundles must not mention
// Node modules).
const NODE_SOURCE = `(typeof require === 'function' ? Promise.resolve(require('node:worker_threads')) : import('node:worker_threads'))
  .then(({ parentPort }) => (${WORKER_MAIN})((m) => parentPort.postMessage(m), (f) => parentPort.once('message', f)));`;

/** A worker spawner for Node, given worker_threads' Worker. Workers never keep Node alive. */
export function nodeSpawner(Worker) {
  return () => {
    const w = new Worker(NODE_SOURCE, { eval: true, name: 'softmax-wasm thread' });
    w.unref();
    let terminating = false;
    return {
      post: (m) => {
        w.postMessage(m);
        w.unref(); // again: posting before the worker is online refs its port (Node 20)
      },
      on: (onMessage, onError) => {
        w.on('online', () => w.unref());
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', (code) => {
          if (!terminating) onError(new Error(`the worker exited (code ${code})`));
        });
      },
      terminate: () => {
        terminating = true;
        w.terminate();
      },
      worker: w,
    };
  };
}
