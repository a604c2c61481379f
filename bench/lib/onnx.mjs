// onnx.mjs — the ONNX models the benchmark feeds to onnxruntime-web, encoded here.
//
// Why a hand-written protobuf writer and not protobufjs + onnx.proto or the
// onnx-proto package: a model is four message types and a dozen fields, all
// varints, strings and packed floats; about sixty lines encode them with no
// dependency, no schema file to keep in step and no code generation, and the
// field numbers below are checked against onnx/onnx.proto (cited per field).
//
// Every model has dynamic-free, fixed shapes (the benchmark builds one model
// per op and shape), opset 13, and float32 data.

// ---- protobuf wire format ----------------------------------------------------

class Writer {
  #bytes = [];

  varint(v) {
    // Integers as protobuf varints; negatives as 64-bit two's complement (int64 fields).
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n; // int64 two's complement, as protobuf writes negatives
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      this.#bytes.push(b);
    } while (n);
    return this;
  }

  tag(field, wire) {
    return this.varint((field << 3) | wire);
  }

  int(field, v) {
    return this.tag(field, 0).varint(v);
  }

  bytes(field, data) {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.#bytes.push(b);
    return this;
  }

  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field, w) {
    return this.bytes(field, w.finish());
  }

  finish() {
    return Uint8Array.from(this.#bytes);
  }
}

// onnx.proto TensorProto.DataType
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;

// AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

// ---- ONNX messages -------------------------------------------------------------

/** ValueInfoProto { name = 1; type = 2 } with TypeProto { tensor_type = 1 { elem_type = 1; shape = 2 } }. */
function valueInfo(name, elemType, dims) {
  const shape = new Writer();
  for (const d of dims) shape.message(1, new Writer().int(1, d)); // TensorShapeProto.dim = 1 { dim_value = 1 }
  const tensorType = new Writer().int(1, elemType).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensorType));
}

/** AttributeProto { name = 1; f = 2; i = 3; s = 4; ints = 8; type = 20 }: integer, integer-list or string values. */
function attribute(name, value) {
  const w = new Writer().string(1, name);
  if (typeof value === 'string') return w.string(4, value).int(20, ATTR_STRING);
  if (Number.isInteger(value)) return w.int(3, value).int(20, ATTR_INT);
  if (Array.isArray(value) && value.every(Number.isInteger)) {
    for (const v of value) w.int(8, v); // ints = 8 (repeated, unpacked)
    return w.int(20, ATTR_INTS);
  }
  throw new TypeError(`onnx attribute ${name}: ${value} is neither an integer nor a string`);
}

/** NodeProto { input = 1; output = 2; name = 3; op_type = 4; attribute = 5 }. */
function node({ op, inputs, outputs, attrs = {} }, index) {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, `${op}_${index}`).string(4, op);
  for (const [k, v] of Object.entries(attrs)) {
    w.message(5, attribute(k, v));
  }
  return w;
}

/** TensorProto { dims = 1; data_type = 2; name = 8; raw_data = 9 } (raw little-endian data). */
function initializer(name, elemType, dims, values) {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, elemType).string(8, name);
  const data =
    elemType === FLOAT
      ? new Float32Array(values)
      : elemType === INT64
        ? new BigInt64Array(values.map(BigInt))
        : new Int32Array(values);
  return w.bytes(9, new Uint8Array(data.buffer));
}

/**
 * ModelProto { ir_version = 1; producer_name = 2; graph = 7; opset_import = 8 }
 * with GraphProto { node = 1; name = 2; initializer = 5; input = 11; output = 12 }
 * and OperatorSetIdProto { domain = 1; version = 2 }.
 * graph: { nodes, inputs: [[name, type, dims]], outputs: [...], initializers: [[name, type, dims, values]] }
 */
export function encodeModel({ nodes, inputs, outputs, initializers = [] }, opset = 13) {
  const g = new Writer();
  nodes.forEach((n, i) => g.message(1, node(n, i)));
  g.string(2, 'softmax_wasm_bench');
  for (const [name, type, dims, values] of initializers) g.message(5, initializer(name, type, dims, values));
  for (const [name, type, dims] of inputs) g.message(11, valueInfo(name, type, dims));
  for (const [name, type, dims] of outputs) g.message(12, valueInfo(name, type, dims));
  return new Writer()
    .int(1, 8) // IR version 8 (ONNX 1.10+), which opset 13 needs at least 7 of
    .string(2, 'softmax-wasm bench')
    .message(7, g)
    .message(8, new Writer().string(1, '').int(2, opset))
    .finish();
}

// ---- the benchmark's models ------------------------------------------------------

/**
 * One model per op and shape, as { bytes, inputs, output }: the encoded
 * model, its input names in the op's argument order and the output to read;
 * null for an op ONNX has no operator for (the Jacobians). `axis` is the
 * softmax / class axis.
 *   softmax, logSoftmax: one Softmax / LogSoftmax node.
 *   logSumExp: one ReduceLogSumExp node (keepdims 0).
 *   softmaxBackward: dx = y * (dy - ReduceSum(dy * y, axis, keepdims)), the
 *     same expression tfjs's Softmax gradient uses, in four nodes;
 *     logSoftmaxBackward: dx = dy - ReduceSum(dy, axis, keepdims) * exp(ly).
 *   crossEntropy: SoftmaxCrossEntropyLoss (mean over samples, class-index
 *     targets as int32, the same Int32Array ours takes) gives the loss and the
 *     log-probabilities; the gradient is (exp(log p) - OneHot(target, axis)) / N,
 *     so softmax is not computed twice.
 *   nllLoss: NegativeLogLikelihoodLoss (mean) on log-probabilities; the
 *     gradient -OneHot(target) / N is one OneHot node with values [0, -1/N].
 */
export function modelFor(op, dims, axis) {
  const rank = dims.length;
  const ax = axis < 0 ? axis + rank : axis;
  const reducedDims = dims.filter((_, i) => i !== ax);
  const samples = reducedDims.reduce((a, b) => a * b, 1);
  const classAxisOne = () => {
    if (ax !== 1) throw new RangeError(`onnx ${op}: the class axis must be 1 (ONNX's [N, C, d...] layout), got ${ax}`);
  };
  const model = (inputs, output, graph) => ({ bytes: encodeModel(graph), inputs, output });
  switch (op) {
    case 'softmax':
    case 'logSoftmax':
      return model(['x'], 'y', {
        nodes: [
          { op: op === 'softmax' ? 'Softmax' : 'LogSoftmax', inputs: ['x'], outputs: ['y'], attrs: { axis: ax } },
        ],
        inputs: [['x', FLOAT, dims]],
        outputs: [['y', FLOAT, dims]],
      });
    case 'logSumExp':
      return model(['x'], 'y', {
        nodes: [{ op: 'ReduceLogSumExp', inputs: ['x'], outputs: ['y'], attrs: { axes: [ax], keepdims: 0 } }],
        inputs: [['x', FLOAT, dims]],
        outputs: [['y', FLOAT, reducedDims]],
      });
    case 'softmaxBackward':
      return model(['dy', 'y'], 'dx', {
        nodes: [
          { op: 'Mul', inputs: ['dy', 'y'], outputs: ['dyy'] },
          { op: 'ReduceSum', inputs: ['dyy', 'axes'], outputs: ['dot'], attrs: { keepdims: 1 } },
          { op: 'Sub', inputs: ['dy', 'dot'], outputs: ['centred'] },
          { op: 'Mul', inputs: ['y', 'centred'], outputs: ['dx'] },
        ],
        initializers: [['axes', INT64, [1], [ax]]],
        inputs: [
          ['dy', FLOAT, dims],
          ['y', FLOAT, dims],
        ],
        outputs: [['dx', FLOAT, dims]],
      });
    case 'logSoftmaxBackward':
      return model(['dy', 'ly'], 'dx', {
        nodes: [
          { op: 'ReduceSum', inputs: ['dy', 'axes'], outputs: ['total'], attrs: { keepdims: 1 } },
          { op: 'Exp', inputs: ['ly'], outputs: ['p'] },
          { op: 'Mul', inputs: ['p', 'total'], outputs: ['pt'] },
          { op: 'Sub', inputs: ['dy', 'pt'], outputs: ['dx'] },
        ],
        initializers: [['axes', INT64, [1], [ax]]],
        inputs: [
          ['dy', FLOAT, dims],
          ['ly', FLOAT, dims],
        ],
        outputs: [['dx', FLOAT, dims]],
      });
    case 'crossEntropy':
      classAxisOne();
      return model(['x', 't'], 'grad', {
        nodes: [
          {
            op: 'SoftmaxCrossEntropyLoss',
            inputs: ['x', 't'],
            outputs: ['loss', 'logp'],
            attrs: { reduction: 'mean' },
          },
          { op: 'Exp', inputs: ['logp'], outputs: ['p'] },
          { op: 'OneHot', inputs: ['t', 'depth', 'onoff'], outputs: ['onehot'], attrs: { axis: 1 } },
          { op: 'Sub', inputs: ['p', 'onehot'], outputs: ['dsum'] },
          { op: 'Mul', inputs: ['dsum', 'invN'], outputs: ['grad'] },
        ],
        initializers: [
          ['depth', INT32, [], [dims[1]]],
          ['onoff', FLOAT, [2], [0, 1]],
          ['invN', FLOAT, [], [1 / samples]],
        ],
        inputs: [
          ['x', FLOAT, dims],
          ['t', INT32, reducedDims],
        ],
        outputs: [
          ['loss', FLOAT, []],
          ['grad', FLOAT, dims],
        ],
      });
    case 'nllLoss':
      classAxisOne();
      return model(['ly', 't'], 'grad', {
        nodes: [
          { op: 'NegativeLogLikelihoodLoss', inputs: ['ly', 't'], outputs: ['loss'], attrs: { reduction: 'mean' } },
          { op: 'OneHot', inputs: ['t', 'depth', 'onoff'], outputs: ['grad'], attrs: { axis: 1 } },
        ],
        initializers: [
          ['depth', INT32, [], [dims[1]]],
          ['onoff', FLOAT, [2], [0, -1 / samples]],
        ],
        inputs: [
          ['ly', FLOAT, dims],
          ['t', INT32, reducedDims],
        ],
        outputs: [
          ['loss', FLOAT, []],
          ['grad', FLOAT, dims],
        ],
      });
    default:
      return null;
  }
}
