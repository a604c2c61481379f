// Type declarations of softmax-wasm (hand-written; the implementation is index.js).

/** An array in wasm memory (sm.alloc): ops read and write it in place, with no copy. */
export interface WasmArray<D extends 'float32' | 'float64' | 'int32' = 'float32' | 'float64' | 'int32'> {
  readonly dtype: D;
  readonly length: number;
  readonly freed: boolean;
  /** A fresh view of the data; views die when wasm memory grows, so never keep one across a call. */
  readonly array: D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Float64Array;
  /** Releases the memory; later use throws. Idempotent. */
  free(): void;
  [Symbol.dispose](): void;
}

/** Arrays the ops take: Float32Array runs the float32 kernels; Float64Array or number[] the float64 ones. */
export type Data = Float32Array | Float64Array | number[] | WasmArray<'float32'> | WasmArray<'float64'>;

/** The typed array an op returns for an input type: Float32Array for float32 input, else Float64Array. */
export type ResultOf<X extends Data> = X extends Float32Array | WasmArray<'float32'> ? Float32Array : Float64Array;

/** What `out` may be: a typed array or a WasmArray of the input's dtype. */
export type OutOf<X extends Data> = ResultOf<X> | (ResultOf<X> extends Float32Array ? WasmArray<'float32'> : WasmArray<'float64'>);

export interface AxisOptions<X extends Data> {
  /** Row-major shape of the input; default [x.length]. The length must be the product. [] is a scalar. */
  shape?: readonly number[];
  /** The axis the op runs along; default -1 (the last). Negative counts from the end. */
  axis?: number;
  /** Write the result here (same dtype, right length) and return it. */
  out?: OutOf<X>;
}

export interface SoftmaxOptions<X extends Data> extends AxisOptions<X> {
  /** The op runs on x / temperature; a finite number > 0, default 1. */
  temperature?: number;
}

export interface JacobianOptions<X extends Data> {
  temperature?: number;
  out?: OutOf<X>;
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
  | number
  | WasmArray<'int32'>;

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
  /** With grad: true, write the gradient here (typed array or WasmArray of the input's dtype and length). */
  out?: OutOf<X>;
}

export interface CrossEntropyOptions<X extends Data> extends NllLossOptions<X> {
  /** In [0, 1]; default 0. */
  labelSmoothing?: number;
}

export interface LossResult<X extends Data, O> {
  /** A number for 'mean' / 'sum'; per-sample losses for 'none'. */
  loss: O extends { reduction: 'none' } ? ResultOf<X> : number;
  /** d loss / d input, the input's shape and dtype (it is `out` when given); present when grad: true. */
  grad?: Returned<X, O>;
}

/** An op returns `out` when given one (typed array or WasmArray), else a new typed array. */
export type Returned<X extends Data, O> = O extends { out: infer R } ? (R extends undefined ? ResultOf<X> : R) : ResultOf<X>;

export interface SoftmaxWasm {
  /** The build that runs: 'wasm-simd128' or 'wasm-scalar'. */
  readonly backend: 'wasm-simd128' | 'wasm-scalar';
  /** Name of the kernel variant in this build, for bug reports. */
  readonly kernels: string;
  /** Current size of the wasm memory in bytes. */
  readonly memoryBytes: number;

  /** An array of `length` values in wasm memory, for the zero-copy path. Default dtype 'float32';
   *  'int32' holds class-index targets for crossEntropy / nllLoss. */
  alloc<D extends 'float32' | 'float64' | 'int32' = 'float32'>(length: number, dtype?: D): WasmArray<D>;

  /** softmax(x / T) along an axis. */
  softmax<X extends Data, O extends SoftmaxOptions<X> = SoftmaxOptions<X>>(x: X, options?: O): Returned<X, O>;
  /** log(softmax(x / T)) along an axis, computed without the log of a rounded probability. */
  logSoftmax<X extends Data, O extends SoftmaxOptions<X> = SoftmaxOptions<X>>(x: X, options?: O): Returned<X, O>;
  /** log(sum(exp(x))) along an axis; the result has the shape without that axis. */
  logSumExp<X extends Data, O extends AxisOptions<X> = AxisOptions<X>>(x: X, options?: O): Returned<X, O>;
  /** d loss / d x given dy = d loss / d y and y = softmax(x / T): y * (dy - <dy, y>) / T. */
  softmaxBackward<X extends Data, O extends SoftmaxOptions<X> = SoftmaxOptions<X>>(dy: X, y: X, options?: O): Returned<X, O>;
  /** d loss / d x given dy and y = logSoftmax(x / T): (dy - exp(y) * sum(dy)) / T. */
  logSoftmaxBackward<X extends Data, O extends SoftmaxOptions<X> = SoftmaxOptions<X>>(dy: X, y: X, options?: O): Returned<X, O>;
  /** The n x n Jacobian of softmax(x / T) for a 1-D x, row-major: J[i*n + j] = d y_i / d x_j. */
  softmaxJacobian<X extends Data, O extends JacobianOptions<X> = JacobianOptions<X>>(x: X, options?: O): Returned<X, O>;
  /** The n x n Jacobian of logSoftmax(x / T) for a 1-D x. */
  logSoftmaxJacobian<X extends Data, O extends JacobianOptions<X> = JacobianOptions<X>>(x: X, options?: O): Returned<X, O>;
  /** torch.nn.functional.cross_entropy: targets are class indices or class probabilities (the logits' dtype and shape). */
  crossEntropy<X extends Data, O extends CrossEntropyOptions<X> = CrossEntropyOptions<X>>(
    logits: X,
    target: IndexTarget | ResultOf<X>,
    options?: O,
  ): LossResult<X, O>;
  /** torch.nn.functional.nll_loss on log-probabilities with class-index targets. */
  nllLoss<X extends Data, O extends NllLossOptions<X> = NllLossOptions<X>>(
    logProbs: X,
    target: IndexTarget,
    options?: O,
  ): LossResult<X, O>;
}

export interface LoadOptions {
  /** true / false forces the SIMD128 / scalar build; default: SIMD where the engine has it. */
  simd?: boolean;
  /** The .wasm bytes of the chosen build, if you load them yourself (any ArrayBuffer or view; copied). */
  wasmBinary?: ArrayBuffer | ArrayBufferView;
  /** Maps the .wasm file name ('softmax-simd.wasm' or 'softmax-scalar.wasm') to a URL. */
  locateFile?: (path: string, prefix: string) => string;
}

/** Loads a softmax-wasm instance. */
export function load(options?: LoadOptions): Promise<SoftmaxWasm>;

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;
