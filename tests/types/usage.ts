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

  const mean = sm.crossEntropy(new Float32Array(6), [0, 2], { shape: [2, 3], grad: true });
  const loss: number = mean.loss;
  const grad: Float32Array | undefined = mean.grad;
  const none = sm.crossEntropy(new Float64Array(6), new Int32Array([0, 2]), { shape: [2, 3], reduction: 'none' as const });
  const perSample: Float64Array = none.loss;
  const nll = sm.nllLoss(y64, 1);
  const n: number = nll.loss;
  [backend, y64, lse, dx, jac, view, ints, loss, grad, perSample, n].forEach(() => undefined);
  x.free();
  out[Symbol.dispose]();
}

void main;
