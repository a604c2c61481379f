// ops.js — the op table: one literal entry per public op, the single source
// that the SoftmaxWasm class (softmax-wasm.js), the tests and the benchmark
// iterate.
//
// An entry:
//   name      the public method (sm[name]) and the op's name everywhere
//   kind      how it is called, i.e. which driver of softmax-wasm.js runs it:
//               'alongAxis'  one or two same-shape inputs -> same-shape result,
//                            along one axis (softmax, logSoftmax, the backward ops)
//               'reduction'  x -> the shape without the axis (logSumExp)
//               'jacobian'   1-D x -> its n x n Jacobian
//               'loss'       input + target -> { loss, grad? } (crossEntropy, nllLoss)
//               'sample'     logits -> one token per row (sampling.js drives
//                            the four sampling kinds)
//               'filter'     logits -> the logits sample draws from
//               'topK'       x, k -> { values, indices } along one axis
//               'argmax'     x -> the index of the largest along one axis
//   args      the data arguments, in call order (the options object follows)
//   options   every option the op takes -> the validate.js check of its value
//             (the kind's driver calls it); any other own key of the options
//             object is a TypeError. A new option name works as is; listing
//             it in validate.js's OptionValues puts it on the fast path.
//   bindings  dtype -> the Embind function (bindings/module.cc); load() fails
//             with an Error naming any that the .wasm does not export
//   summary   one line for docs, reports and bench labels
//   probabilityTargets  (kind 'loss') whether the target may be class
//             probabilities as well as class indices
//
// How to add an op (say `fooBar`):
//   1. the kernel in cpp/ (declared in cpp/softmax.h; it returns a Status and
//      never throws), with its native tests in tests/cpp/;
//   2. its Embind functions in bindings/module.cc, named fooBar_f32 / fooBar_f64;
//   3. one entry below. If its kind exists, that is all the wrapper needs:
//      sm.fooBar appears, driven by the kind's driver. A new kind needs one
//      driver in softmax-wasm.js (#DRIVERS) that reads the call's arguments
//      through validate.js in its two phases (see the top of validate.js);
//   4. its types in bindings/index.d.ts and a line in README.md's API;
//   5. tests: the table-driven suites (e.g. tests/hostile.test.mjs) iterate
//      OPS; add the op's reference to tests/reference.mjs and its cases;
//   6. the benchmark (bench/) lists its ops from this table.
import {
  checkAxis,
  checkGrad,
  checkIgnoreIndex,
  checkLabelSmoothing,
  checkOut,
  checkReduction,
  checkShape,
  checkTemperature,
  checkWeight,
} from './validate.js';
import {
  checkAdditivePenalty,
  checkFlag,
  checkMinP,
  checkRepetition,
  checkTemperature as checkSamplingTemperature,
  checkTokensOut,
  checkTopK,
  checkTopP,
  readHistory,
  readLogitBias,
  readRandom,
} from './sampling.js';

const AXIS_OPTIONS = { shape: checkShape, axis: checkAxis, temperature: checkTemperature, out: checkOut };
const LOSS_OPTIONS = {
  shape: checkShape,
  axis: checkAxis,
  reduction: checkReduction,
  weight: checkWeight,
  ignoreIndex: checkIgnoreIndex,
  grad: checkGrad,
  out: checkOut,
};

// The processors and warpers of sample and filterLogits (README "Sampling").
const PROCESS_OPTIONS = {
  shape: checkShape,
  temperature: checkSamplingTemperature,
  topK: checkTopK,
  topP: checkTopP,
  minP: checkMinP,
  repetitionPenalty: checkRepetition,
  presencePenalty: checkAdditivePenalty,
  frequencyPenalty: checkAdditivePenalty,
  history: readHistory,
  logitBias: readLogitBias,
};

const entry = (e) => {
  Object.freeze(e.args);
  Object.freeze(e.options);
  Object.freeze(e.bindings);
  return Object.freeze(e);
};

export const OPS = Object.freeze([
  entry({
    name: 'softmax',
    kind: 'alongAxis',
    args: ['x'],
    options: { ...AXIS_OPTIONS },
    bindings: { float32: 'softmax_f32', float64: 'softmax_f64' },
    summary: 'softmax(x / T) along an axis',
  }),
  entry({
    name: 'logSoftmax',
    kind: 'alongAxis',
    args: ['x'],
    options: { ...AXIS_OPTIONS },
    bindings: { float32: 'logSoftmax_f32', float64: 'logSoftmax_f64' },
    summary: 'log(softmax(x / T)) along an axis',
  }),
  entry({
    name: 'logSumExp',
    kind: 'reduction',
    args: ['x'],
    options: { shape: checkShape, axis: checkAxis, out: checkOut },
    bindings: { float32: 'logSumExp_f32', float64: 'logSumExp_f64' },
    summary: 'log(sum(exp(x))) along an axis; the result drops that axis',
  }),
  entry({
    name: 'softmaxBackward',
    kind: 'alongAxis',
    args: ['dy', 'y'],
    options: { ...AXIS_OPTIONS },
    bindings: { float32: 'softmaxBackward_f32', float64: 'softmaxBackward_f64' },
    summary: 'd loss / d x from dy and y = softmax(x / T)',
  }),
  entry({
    name: 'logSoftmaxBackward',
    kind: 'alongAxis',
    args: ['dy', 'y'],
    options: { ...AXIS_OPTIONS },
    bindings: { float32: 'logSoftmaxBackward_f32', float64: 'logSoftmaxBackward_f64' },
    summary: 'd loss / d x from dy and y = logSoftmax(x / T)',
  }),
  entry({
    name: 'softmaxJacobian',
    kind: 'jacobian',
    args: ['x'],
    options: { temperature: checkTemperature, out: checkOut },
    bindings: { float32: 'softmaxJacobian_f32', float64: 'softmaxJacobian_f64' },
    summary: 'the n x n Jacobian of softmax(x / T) of a 1-D x',
  }),
  entry({
    name: 'logSoftmaxJacobian',
    kind: 'jacobian',
    args: ['x'],
    options: { temperature: checkTemperature, out: checkOut },
    bindings: { float32: 'logSoftmaxJacobian_f32', float64: 'logSoftmaxJacobian_f64' },
    summary: 'the n x n Jacobian of logSoftmax(x / T) of a 1-D x',
  }),
  entry({
    name: 'crossEntropy',
    kind: 'loss',
    args: ['logits', 'target'],
    options: { ...LOSS_OPTIONS, labelSmoothing: checkLabelSmoothing },
    bindings: { float32: 'crossEntropy_f32', float64: 'crossEntropy_f64' },
    probabilityTargets: true,
    summary: 'cross-entropy of logits against class indices or probabilities, with its gradient',
  }),
  entry({
    name: 'nllLoss',
    kind: 'loss',
    args: ['logProbs', 'target'],
    options: { ...LOSS_OPTIONS },
    bindings: { float32: 'nllLoss_f32', float64: 'nllLoss_f64' },
    probabilityTargets: false,
    summary: 'negative log-likelihood of log-probabilities against class indices, with its gradient',
  }),
  entry({
    name: 'sample',
    kind: 'sample',
    args: ['logits'],
    options: { ...PROCESS_OPTIONS, random: readRandom, logProbs: checkFlag, out: checkTokensOut },
    bindings: { float32: 'sample_f32', float64: 'sample_f64' },
    summary: 'the next token of every row: penalties, bias, temperature, top-k, top-p, min-p, a seeded draw',
  }),
  entry({
    name: 'filterLogits',
    kind: 'filter',
    args: ['logits'],
    options: { ...PROCESS_OPTIONS, out: checkOut },
    bindings: { float32: 'sample_f32', float64: 'sample_f64' },
    summary: 'the logits sample draws from: processed values where kept, -Infinity where cut',
  }),
  entry({
    name: 'topK',
    kind: 'topK',
    args: ['x', 'k'],
    options: { shape: checkShape, axis: checkAxis, largest: checkFlag, sorted: checkFlag },
    bindings: { float32: 'topK_f32', float64: 'topK_f64' },
    summary: 'torch.topk along an axis: values and indices of the k largest (or smallest)',
  }),
  entry({
    name: 'argmax',
    kind: 'argmax',
    args: ['x'],
    options: { shape: checkShape, axis: checkAxis },
    bindings: { float32: 'argmax_f32', float64: 'argmax_f64' },
    summary: 'torch.argmax along an axis: the first index of the largest value',
  }),
]);

/** The public op names, in table order. */
export const OP_NAMES = Object.freeze(OPS.map((op) => op.name));

/** The entry of an op by name (own lookup), or undefined. */
export function opNamed(name) {
  return OPS.find((op) => op.name === name);
}
