// Type declarations of softmax-wasm (hand-written; the implementation is index.js).

/** Arrays the ops take: Float32Array runs the float32 kernels; Float64Array or number[] the float64 ones. */
export type Data = Float32Array | Float64Array | number[];

/** The typed array an op returns for an input type: Float32Array for Float32Array, else Float64Array. */
export type ResultOf<X extends Data> = X extends Float32Array ? Float32Array : Float64Array;

export interface AxisOptions<X extends Data> {
  /** Row-major shape of the input; default [x.length]. The length must be the product. [] is a scalar. */
  shape?: readonly number[];
  /** The axis the op runs along; default -1 (the last). Negative counts from the end. */
  axis?: number;
  /** Write the result here (same dtype, right length) and return it. */
  out?: ResultOf<X>;
}

export interface SoftmaxOptions<X extends Data> extends AxisOptions<X> {
  /** The op runs on x / temperature; a finite number > 0, default 1. */
  temperature?: number;
}

export interface JacobianOptions<X extends Data> {
  temperature?: number;
  out?: ResultOf<X>;
}

/** Class-index targets: one per sample (the logits' shape without the class axis). */
export type IndexTarget =
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray
  | number[]
  | number;

export type Reduction = 'mean' | 'sum' | 'none';

export interface NllLossOptions<X extends Data> {
  shape?: readonly number[];
  /** The class axis; default -1. PyTorch's [N, C, d1, ...] layout is axis: 1. */
  axis?: number;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Per-class weights >= 0, length C. */
  weight?: ResultOf<X> | number[];
  /** Index targets equal to this add nothing; default -100. */
  ignoreIndex?: number;
  /** Also return d loss / d input ('none': of the summed loss). Default false. */
  grad?: boolean;
}

export interface CrossEntropyOptions<X extends Data> extends NllLossOptions<X> {
  /** In [0, 1]; default 0. */
  labelSmoothing?: number;
}

export interface LossResult<X extends Data, R extends Reduction | undefined> {
  /** A number for 'mean' / 'sum'; per-sample losses for 'none'. */
  loss: R extends 'none' ? ResultOf<X> : number;
  /** d loss / d input, the input's shape and dtype; present when grad: true. */
  grad?: ResultOf<X>;
}

export interface SoftmaxWasm {
  /** The build that runs: 'wasm-simd128' or 'wasm-scalar'. */
  readonly backend: 'wasm-simd128' | 'wasm-scalar';
  /** Name of the kernel variant in this build, for bug reports. */
  readonly kernels: string;
  /** Current size of the wasm memory in bytes. */
  readonly memoryBytes: number;

  /** softmax(x / T) along an axis. */
  softmax<X extends Data>(x: X, options?: SoftmaxOptions<X>): ResultOf<X>;
  /** log(softmax(x / T)) along an axis, computed without the log of a rounded probability. */
  logSoftmax<X extends Data>(x: X, options?: SoftmaxOptions<X>): ResultOf<X>;
  /** log(sum(exp(x))) along an axis; the result has the shape without that axis. */
  logSumExp<X extends Data>(x: X, options?: AxisOptions<X>): ResultOf<X>;
  /** d loss / d x given dy = d loss / d y and y = softmax(x / T): y * (dy - <dy, y>) / T. */
  softmaxBackward<X extends Data>(dy: X, y: X, options?: SoftmaxOptions<X>): ResultOf<X>;
  /** d loss / d x given dy and y = logSoftmax(x / T): (dy - exp(y) * sum(dy)) / T. */
  logSoftmaxBackward<X extends Data>(dy: X, y: X, options?: SoftmaxOptions<X>): ResultOf<X>;
  /** The n x n Jacobian of softmax(x / T) for a 1-D x, row-major: J[i*n + j] = d y_i / d x_j. */
  softmaxJacobian<X extends Data>(x: X, options?: JacobianOptions<X>): ResultOf<X>;
  /** The n x n Jacobian of logSoftmax(x / T) for a 1-D x. */
  logSoftmaxJacobian<X extends Data>(x: X, options?: JacobianOptions<X>): ResultOf<X>;
  /** torch.nn.functional.cross_entropy: targets are class indices or class probabilities (the logits' dtype and shape). */
  crossEntropy<X extends Data, O extends CrossEntropyOptions<X> = CrossEntropyOptions<X>>(
    logits: X,
    target: IndexTarget | ResultOf<X>,
    options?: O,
  ): LossResult<X, O['reduction']>;
  /** torch.nn.functional.nll_loss on log-probabilities with class-index targets. */
  nllLoss<X extends Data, O extends NllLossOptions<X> = NllLossOptions<X>>(
    logProbs: X,
    target: IndexTarget,
    options?: O,
  ): LossResult<X, O['reduction']>;
}

export interface LoadOptions {
  /** true / false forces the SIMD128 / scalar build; default: SIMD where the engine has it. */
  simd?: boolean;
  /** The .wasm bytes of the chosen build, if you load them yourself. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Maps the .wasm file name ('softmax-simd.wasm' or 'softmax-scalar.wasm') to a URL. */
  locateFile?: (path: string, prefix: string) => string;
}

/** Loads a softmax-wasm instance. */
export function load(options?: LoadOptions): Promise<SoftmaxWasm>;

/** Whether this engine runs WebAssembly SIMD128 (ES module entry only). */
export function simdSupported(): boolean;
