// node-bundled.js — the Node entry for bundlers (package.json exports: node + module, which
// esbuild and webpack use and Node does not) and the source of the CommonJS entry dist/index.cjs.
// A bundle moves this code away from the package, and a CommonJS bundle has no import.meta, so it
// looks for the .wasm next to the running file (__filename in CommonJS: dist/ for dist/index.cjs),
// next to the main script, in the softmax-wasm package those resolve to (node_modules), and in
// the working directory.
import { createRequire } from 'node:module';
import path from 'node:path';
import { createLoad, simdSupported } from './loader.js';
import { nodeEnv } from './node-files.js';
import { SoftmaxWasm } from './softmax-wasm.js';

export { SoftmaxWasm, simdSupported };

function candidates(flavour) {
  const dirs = [];
  // eslint-disable-next-line no-undef -- defined in CommonJS, absent (typeof: undefined) in ES modules
  if (typeof __filename === 'string' && path.isAbsolute(__filename)) dirs.push(path.dirname(__filename));
  if (process.argv[1]) dirs.push(path.dirname(path.resolve(process.argv[1])));
  dirs.push(process.cwd());
  const found = [];
  for (const dir of new Set(dirs)) {
    found.push(path.join(dir, flavour.wasm));
    try {
      found.push(createRequire(path.join(dir, 'index.js')).resolve(`softmax-wasm/${flavour.wasm}`));
    } catch {
      // not installed where this directory can see it
    }
  }
  return [...new Set(found)];
}

/** Loads a softmax-wasm instance (see index.d.ts). */
export const load = createLoad(nodeEnv(candidates));
