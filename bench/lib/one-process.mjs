// one-process.mjs — one single-thread process timing one op with `out` given: ms per call (median
// of ~200 ms samples over 4 s). bench/threads-ceiling.sh runs it alone and two at once.
//   node bench/lib/one-process.mjs softmax 1024x1000      (8x21x16384@1: along axis 1)
import { load } from '../../bindings/index.js';
const sm = await load({ threads: 1 });
const [op, shapeS] = process.argv.slice(2);
const [dimsS, axisS] = shapeS.split('@');
const dims = dimsS.split('x').map(Number);
const axis = axisS === undefined ? dims.length - 1 : Number(axisS);
const n = dims.reduce((a, b) => a * b);
const x = new Float32Array(n);
let s = 1;
for (let i = 0; i < n; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  x[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 16;
}
const out = new Float32Array(n);
const samplesOf = n / dims[axis];
const t = new Int32Array(samplesOf).map((_, i) => i % dims[axis]);
const f =
  op === 'crossEntropy'
    ? () => sm.crossEntropy(x, t, { shape: dims, axis, grad: true, out })
    : () => sm[op](x, { shape: dims, axis, out });
const samples = [];
const end = Date.now() + 4000;
while (Date.now() < end) {
  let k = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 200) {
    f();
    k++;
  }
  samples.push((performance.now() - t0) / k);
}
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ op, shapeS, ms: samples[samples.length >> 1] }));
