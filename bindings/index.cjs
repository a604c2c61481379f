// index.cjs — CommonJS entry: the API is asynchronous anyway (load() returns a
// promise), so it forwards to the ES module.
'use strict';

const esm = () => import('./index.js');

exports.load = async (options) => (await esm()).load(options);
exports.simdSupported = async () => (await esm()).simdSupported();
