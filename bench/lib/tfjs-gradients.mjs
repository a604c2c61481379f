// tfjs-gradients.mjs — the tfjs gradient definitions the cross-entropy peer needs.
//
// tfjs-core's Node bundle registers no gradient functions: the @tensorflow/tfjs
// umbrella package does, by importing tfjs-core's register_all_gradients (an ES
// module tree Node cannot load as shipped). Rather than install the umbrella
// (layers, converter, data, webgl) for five small functions, these are
// transcribed from tfjs-core 4.22.0 dist/gradients/{RealDiv,Sum,Transpose,
// Reshape,Cast}_grad.js (Apache-2.0), written with the public API. They are the
// kernels on the tape between the logits and tf.losses.softmaxCrossEntropy's
// mean (the loss itself has a customGrad); anything registered already is kept.
export function registerLossGradients(tf) {
  const bu = tf.backend_util;
  const configs = [
    {
      kernelName: 'RealDiv',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b]) => {
        const outShape = bu.assertAndGetBroadcastShape(a.shape, b.shape);
        const derA = () => {
          const res = tf.div(dy, tf.cast(b, 'float32'));
          const reduceAxes = bu.getReductionAxes(a.shape, outShape);
          return reduceAxes.length > 0 ? tf.reshape(tf.sum(res, reduceAxes), a.shape) : res;
        };
        const derB = () => {
          let res = tf.mul(dy, tf.cast(a, 'float32'));
          const reduceAxes = bu.getReductionAxes(b.shape, outShape);
          if (reduceAxes.length > 0) res = tf.reshape(tf.sum(res, reduceAxes), b.shape);
          return tf.neg(tf.div(res, tf.cast(tf.square(b), 'float32')));
        };
        return { a: derA, b: derB };
      },
    },
    {
      kernelName: 'Sum',
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => {
        const expandedDyShape = x.shape.slice();
        for (const axis of tf.util.parseAxisParam(attrs.axis, x.shape)) expandedDyShape[axis] = 1;
        const derX = tf.mul(tf.reshape(dy, expandedDyShape), tf.ones(x.shape, 'float32'));
        return { x: () => derX };
      },
    },
    {
      kernelName: 'Transpose',
      gradFunc: (dy, _saved, attrs) => ({ x: () => tf.transpose(dy, bu.getUndoAxesPermutation(attrs.perm)) }),
    },
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }),
    },
    {
      kernelName: 'Cast',
      gradFunc: (dy) => ({ x: () => dy.clone() }),
    },
  ];
  for (const config of configs) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
