// Compiled (never run) by tests/types.test.mjs: the hand-written declarations
// in bindings/index.d.ts must accept the README's usage and type its results.
import { load, simdSupported, type SoftmaxWasm, type WasmArray } from '../../bindings/index.js';

async function main(): Promise<void> {
  const sm: SoftmaxWasm = await load({ simd: simdSupported() });
  const backend: 'wasm-simd128' | 'wasm-scalar' = sm.backend;

  const y32: Float32Array = sm.softmax(new Float32Array([1, 2, 3]), { temperature: 0.5 });
  const y64: Float64Array = sm.logSoftmax([1000, 1001, 1002]);
  const lse: Float64Array = sm.logSumExp(new Float64Array(6), { shape: [2, 3], axis: 0 });
  const dx: Float32Array = sm.softmaxBackward(new Float32Array(3), y32, { axis: -1 });
  const jac: Float64Array = sm.softmaxJacobian([1, 2, 3]);

  const x: WasmArray<'float32'> = sm.alloc(3);
  const out = sm.alloc(3, 'float32');
  const same: WasmArray<'float32'> = sm.softmax(x, { out });
  const view: Float32Array = same.array;
  const targets: WasmArray<'int32'> = sm.alloc(2, 'int32');
  const ints: Int32Array = targets.array;

  // grad: true -> grad is always there (no `| undefined`), of the logits' dtype or `out`.
  const mean = sm.crossEntropy(new Float32Array(6), [0, 2], { shape: [2, 3], grad: true });
  const loss: number = mean.loss;
  const grad: Float32Array = mean.grad;
  const gradOut = sm.alloc(6);
  const inPlace: WasmArray<'float32'> = sm.crossEntropy(new Float32Array(6), [0, 2], {
    shape: [2, 3],
    grad: true,
    out: gradOut,
  }).grad;
  // Without grad there is no grad.
  const plain = sm.crossEntropy(new Float32Array(6), [0, 2], { shape: [2, 3] });
  // @ts-expect-error no grad without grad: true
  const noGrad: Float32Array = plain.grad;
  // @ts-expect-error out receives the gradient: it needs grad: true
  sm.crossEntropy(new Float32Array(6), [0, 2], { shape: [2, 3], out: new Float32Array(6) });
  // A boolean known only at run time: grad may be there.
  const maybe: Float64Array | undefined = sm.nllLoss(y64, [0], { grad: Math.random() > 0.5 }).grad;
  // reduction 'none' gives per-sample losses, without `as const`.
  const none = sm.crossEntropy(new Float64Array(6), new Int32Array([0, 2]), { shape: [2, 3], reduction: 'none' });
  const perSample: Float64Array = none.loss;
  const nll = sm.nllLoss(y64, 1);
  const n: number = nll.loss;
  // Class indices as BigInt64Array / BigUint64Array (tokenizers, ONNX).
  const big: number = sm.crossEntropy(new Float32Array(6), BigInt64Array.from([0n, 2n]), { shape: [2, 3] }).loss;
  const bigU: number = sm.nllLoss(new Float32Array(6), BigUint64Array.from([0n, 2n]), { shape: [2, 3] }).loss;
  // Probability targets and weights may be WasmArrays of the logits' dtype.
  const probs = sm.alloc(6);
  const soft: number = sm.crossEntropy(probs, probs, { shape: [2, 3], weight: sm.alloc(3) }).loss;

  // Options are exact: a misspelled or foreign option is an error.
  // @ts-expect-error misspelled option
  sm.softmax(y32, { axis: -1, temprature: 2 });
  // @ts-expect-error logSumExp has no temperature
  sm.logSumExp(y32, { axis: 0, temperature: 2 });
  // @ts-expect-error nllLoss has no labelSmoothing
  sm.nllLoss(y64, [0], { reduction: 'sum', labelSmoothing: 0.1 });
  // @ts-expect-error out of the wrong dtype
  sm.softmax(y32, { out: new Float64Array(3) });
  [backend, y64, lse, dx, jac, view, ints, loss, grad, inPlace, noGrad, maybe, perSample, n, big, bigU, soft].forEach(
    () => undefined,
  );
  x.free();
  out.free();
}

void main;
