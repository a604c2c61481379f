// demo.mjs — the essay's examples, computed by the wasm kernels, in the terminal.
import { load } from '../bindings/index.js';

const sm = await load();
const fmt = (v, d = 4) => v.toFixed(d).padStart(d + 3);
const bar = (p) => '█'.repeat(Math.round(p * 40));

console.log(`softmax-wasm on ${sm.backend} (${sm.kernels})\n`);

console.log('1. The next token after "the cat sat on a" (softmax of the logits):');
const tokens = ['mat', 'chair', 'floor', 'table', 'bed', 'roof'];
const logits = new Float32Array([3.2, 2.5, 2.0, 1.3, 0.9, 0.2]);
const probs = sm.softmax(logits);
tokens.forEach((t, i) =>
  console.log(`   ${t.padEnd(6)} logit ${fmt(logits[i], 1)}  p ${fmt(probs[i])}  ${bar(probs[i])}`),
);

console.log('\n   Temperature flattens or sharpens it (p of "mat"):');
for (const temperature of [0.1, 0.5, 1, 2, 5]) {
  const p = sm.softmax(logits, { temperature });
  console.log(`   T = ${String(temperature).padEnd(4)} p(mat) ${fmt(p[0])}  ${bar(p[0])}`);
}

console.log('\n2. Overflow: softmax of [1000, 1001, 1002]');
const big = [1000, 1001, 1002];
const naive = big.map(Math.exp).map((e, _, all) => e / all.reduce((a, b) => a + b));
console.log(`   naive exp(x) / sum: [${naive.join(', ')}]  (exp(1000) is Infinity; Infinity / Infinity is NaN)`);
console.log(`   shifted by the max: [${Array.from(sm.softmax(big), (v) => v.toFixed(8)).join(', ')}]`);

console.log('\n3. Backward pass: dL/dx = s * (g - <g, s>), never the n x n Jacobian');
const s = sm.softmax(logits);
const g = new Float32Array([1, 0, 0, 0, 0, 0]);
const dx = sm.softmaxBackward(g, s);
const jac = sm.softmaxJacobian(logits);
const n = logits.length;
let worst = 0;
for (let j = 0; j < n; j++) {
  let jtg = 0;
  for (let i = 0; i < n; i++) jtg += jac[i * n + j] * g[i];
  worst = Math.max(worst, Math.abs(jtg - dx[j]));
}
console.log(`   VJP     [${Array.from(dx, (v) => fmt(v)).join(',')}]`);
console.log(`   max |J^T g - VJP| = ${worst.toExponential(2)}`);
const uniform = sm.softmaxBackward(new Float32Array(n).fill(0.7), s);
console.log(
  `   a uniform upstream gradient gives [${Array.from(uniform, (v) => fmt(v)).join(',')}] (shift invariance)`,
);
const h = 1e-3;
const x64 = Float64Array.from(logits);
const fd = Array.from(x64, (_, j) => {
  const up = x64.slice();
  up[j] += h;
  const dn = x64.slice();
  dn[j] -= h;
  return (sm.softmax(up)[0] - sm.softmax(dn)[0]) / (2 * h);
});
const an = sm.softmaxBackward(Float64Array.from(g), sm.softmax(x64));
console.log(`   finite differences agree to ${Math.max(...fd.map((v, j) => Math.abs(v - an[j]))).toExponential(2)}`);

console.log('\n4. The axis decides what sums to one (a 2 x 3 matrix):');
const m = new Float32Array([1, 2, 3, 1, 5, 0]);
const rows = sm.softmax(m, { shape: [2, 3], axis: 1 });
const cols = sm.softmax(m, { shape: [2, 3], axis: 0 });
for (let r = 0; r < 2; r++) {
  const a = Array.from(rows.subarray(r * 3, r * 3 + 3), (v) => fmt(v)).join(' ');
  const b = Array.from(cols.subarray(r * 3, r * 3 + 3), (v) => fmt(v)).join(' ');
  console.log(`   axis 1 (rows sum to 1): ${a}    axis 0 (columns sum to 1): ${b}`);
}
