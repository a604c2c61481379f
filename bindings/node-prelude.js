// Prepended to the Emscripten ES-module glue (--extern-pre-js). Under Node the
// 3.1.6 glue uses require/__dirname, which do not exist in an ES module; derive
// them from import.meta.url. Browsers and bundlers skip this block.
if (typeof process === 'object' && typeof process.versions === 'object' && process.versions.node) {
  var { createRequire: __smwCreateRequire } = await import('node:module');
  var require = __smwCreateRequire(import.meta.url);
  var __filename = require('node:url').fileURLToPath(import.meta.url);
  var __dirname = require('node:path').dirname(__filename);
}
