// The public ops, the one list the Node tests (tests/ops.test.mjs) and the
// benchmark (bench/lib/data.mjs) iterate, so that an op cannot ship untested
// or unbenchmarked: tests/ops.test.mjs fails when an op here has no test case
// or no bench entry.
//
// Interim: the library's op table (bindings/ops.js) is being written; until it
// lands these are its names, kinds and data arguments, and then this file
// re-exports it.
//   kind: 'alongAxis' (result has the input's shape), 'reduction' (the axis is
//   summed away), 'jacobian' (n x n of a vector), 'loss' (loss and gradient).
export const OPS = Object.freeze([
  { name: 'softmax', kind: 'alongAxis', args: ['x'] },
  { name: 'logSoftmax', kind: 'alongAxis', args: ['x'] },
  { name: 'logSumExp', kind: 'reduction', args: ['x'] },
  { name: 'softmaxBackward', kind: 'alongAxis', args: ['dy', 'y'] },
  { name: 'logSoftmaxBackward', kind: 'alongAxis', args: ['dy', 'y'] },
  { name: 'softmaxJacobian', kind: 'jacobian', args: ['x'] },
  { name: 'logSoftmaxJacobian', kind: 'jacobian', args: ['x'] },
  { name: 'crossEntropy', kind: 'loss', args: ['logits', 'target'] },
  { name: 'nllLoss', kind: 'loss', args: ['logProbs', 'target'] },
]);
