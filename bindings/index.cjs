// index.cjs — CommonJS entry: load() is asynchronous anyway, so it forwards to
// the ES module. (simdSupported() is only in the ES module entry.)
'use strict';

exports.load = async (options) => (await import('./index.js')).load(options);
