// build-js.mjs — the CommonJS entry and its declarations, generated so they cannot drift from the
// ES modules (run by scripts/build.sh after the wasm build):
//   dist/index.cjs    bindings/node-bundled.js bundled by esbuild as CommonJS (the glues inlined:
//                     require() is synchronous, so the entry must not import ES modules)
//   dist/*.d.cts      bindings/*.d.ts copied as CommonJS declarations ('./x.js' -> './x.cjs'),
//                     so TypeScript's node16/nodenext CommonJS mode sees what require() returns
import { build } from 'esbuild';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Files are only rewritten when their content changes: a no-op build (npm pack's prepack during
// the test run) must not truncate a file another test process is reading.
async function update(file, text) {
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) await writeFile(file, text);
}

const bundle = await build({
  entryPoints: [`${root}bindings/node-bundled.js`],
  outfile: `${root}dist/index.cjs`,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  logLevel: 'warning',
  banner: { js: '// softmax-wasm CommonJS entry, generated from bindings/node-bundled.js by scripts/build-js.mjs.' },
});
for (const out of bundle.outputFiles) await update(out.path, out.text);

for (const name of await readdir(`${root}bindings`)) {
  if (!name.endsWith('.d.ts')) continue;
  const text = await readFile(`${root}bindings/${name}`, 'utf8');
  const cts = text.replace(/(from\s+['"]\.{1,2}\/[^'"]+?)\.js(['"])/g, '$1.cjs$2');
  await update(`${root}dist/${name.replace(/\.d\.ts$/, '.d.cts')}`,
    `// Generated from bindings/${name} by scripts/build-js.mjs: the declarations of the CommonJS entry.\n${cts}`);
}
