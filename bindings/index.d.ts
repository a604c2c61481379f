// Type declarations of softmax-wasm (hand-written; the implementation is
// softmax-wasm.js, its ops listed in ops.js).

/**
 * `[Symbol.dispose]` where the TypeScript lib declares Symbol.dispose
 * (lib esnext.disposable / es2025, or @types/node), and nothing where it does
 * not, so these declarations compile with plain ES2022 libs too.
 */
type DisposeKey = SymbolConstructor extends { readonly dispose: infer K extends symbol } ? K : never;
type Disposable_ = { [K in DisposeKey]: () => void };

/** An array in wasm memory (sm.alloc): ops read and write it in place, with no copy. */
export type WasmArray<D extends 'float32' | 'float64' | 'int32' = 'float32' | 'float64' | 'int32'> = Disposable_ & {
  readonly dtype: D;
  readonly length: number;
  readonly freed: boolean;
  /** A fresh view of the data; views die when wasm memory grows, so never keep one across a call. */
  readonly array: D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Float64Array;
  /** Releases the memory; later use throws. Idempotent. */
  free(): void;
};

/**
 * Arrays the ops take: Float32Array runs the float32 kernels; Float64Array or
 * number[] the float64 ones. Any genuine typed array works, including views of
 * wasm memory (a WasmArray's .array) and arrays over SharedArrayBuffers or
 * resizable ArrayBuffers; its length is read through the typed-array brand.
 */
export type Data = Float32Array | Float64Array | number[] | WasmArray<'float32'> | WasmArray<'float64'>;

/** The typed array an op returns for an input type: Float32Array for float32 input, else Float64Array. */
export type ResultOf<X extends Data> = X extends Float32Array | WasmArray<'float32'> ? Float32Array : Float64Array;

/** The WasmArray of an input type's dtype. */
export type WasmOf<X extends Data> = ResultOf<X> extends Float32Array ? WasmArray<'float32'> : WasmArray<'float64'>;

/** What `out` may be: a typed array or a WasmArray of the input's dtype. */
export type OutOf<X extends Data> = ResultOf<X> | WasmOf<X>;

/** Options are exact: a key that is not an option of the op is a type error (and a TypeError at run time). */
export type Exact<O, T> = O & { [K in Exclude<keyof O, keyof T>]: never };

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

/**
 * Class-index targets: one per sample (the logits' shape without the class
 * axis). BigInt64Array / BigUint64Array are what tokenizers and ONNX models
 * produce; every value is range-checked as the others are.
 */
export type IndexTarget =
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array
  | number[]
  | number
  | WasmArray<'int32'>;

/** Class probabilities: the logits' dtype and shape. */
export type ProbabilityTarget<X extends Data> = ResultOf<X> | WasmOf<X>;

export type Reduction = 'mean' | 'sum' | 'none';

interface LossOptionsBase<X extends Data> {
  shape?: readonly number[];
  /** The class axis; default -1. PyTorch's [N, C, d1, ...] layout is axis: 1. */
  axis?: number;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Per-class weights >= 0, length C. */
  weight?: ResultOf<X> | WasmOf<X> | number[];
  /** Index targets equal to this add nothing; default -100. */
  ignoreIndex?: number;
}

export interface NllLossOptions<X extends Data> extends LossOptionsBase<X> {
  /** Also return d loss / d input ('none': of the summed loss). Default false. */
  grad?: boolean;
  /** With grad: true, write the gradient here (typed array or WasmArray of the input's dtype and length). */
  out?: OutOf<X>;
}

export interface CrossEntropyOptions<X extends Data> extends NllLossOptions<X> {
  /** In [0, 1]; default 0. */
  labelSmoothing?: number;
}

/** The loss: a number for 'mean' / 'sum'; per-sample losses for 'none'. */
export type LossOf<X extends Data, O> = O extends { reduction: 'none' } ? ResultOf<X> : number;

/** A loss call with grad: true: `grad` is always there. */
export interface LossWithGrad<X extends Data, O> {
  loss: LossOf<X, O>;
  /** d loss / d input, the input's shape and dtype (it is `out` when given). */
  grad: Returned<X, O>;
}

/** A loss call without grad: only the loss. */
export interface LossOnly<X extends Data, O> {
  loss: LossOf<X, O>;
  grad?: never;
}

/** grad known only at run time (a boolean): `grad` may be there. */
export interface LossResult<X extends Data, O> {
  loss: LossOf<X, O>;
  grad?: Returned<X, O>;
}

/** An op returns `out` when given one (typed array or WasmArray), else a new typed array. */
export type Returned<X extends Data, O> = O extends { out: infer R }
  ? R extends undefined
    ? ResultOf<X>
    : R
  : ResultOf<X>;

type WithGrad<T> = T & { grad: true };
type NoGrad<T> = Omit<T, 'grad' | 'out'> & { grad?: false };

export interface SoftmaxWasm {
  /** The build that runs: 'wasm-simd128' or 'wasm-scalar'. */
  readonly backend: 'wasm-simd128' | 'wasm-scalar';
  /** Name of the kernel variant in this build, for bug reports. */
  readonly kernels: string;
  /** Current size of the wasm memory in bytes. */
  readonly memoryBytes: number;
  /**
   * How many threads share a big call (the calling thread included); 1 on the single-thread
   * builds and where threads are impossible. On the threaded build it may be set from 1 to the
   * number load() started with (e.g. to compare).
   */
  threads: number;
  /** Ends the instance: its worker threads stop and later calls throw (also `using sm = await load()`). */
  dispose(): void;

  /**
   * An array of `length` values in wasm memory (at a 16-byte boundary), for the zero-copy path. Default dtype 'float32';
   * 'int32' holds class-index targets for crossEntropy / nllLoss.
   * @throws {TypeError} length is not a number, or dtype not a string.
   * @throws {RangeError} length is not a non-negative integer, dtype is unknown, or the memory is full.
   */
  alloc<D extends 'float32' | 'float64' | 'int32' = 'float32'>(length: number, dtype?: D): WasmArray<D>;

  /**
   * softmax(x / T) along an axis.
   * @throws {TypeError} x or out is not a float array of one dtype, a WasmArray is freed or foreign, an option is unknown or of the wrong type.
   * @throws {RangeError} the shape does not hold x's length, axis is out of range, temperature is not a finite number > 0, out has the wrong length.
   */
  softmax<X extends Data, const O extends SoftmaxOptions<X> = {}>(
    x: X,
    options?: Exact<O, SoftmaxOptions<X>>,
  ): Returned<X, O>;
  /**
   * log(softmax(x / T)) along an axis, computed without the log of a rounded probability.
   * @throws {TypeError} as softmax.
   * @throws {RangeError} as softmax.
   */
  logSoftmax<X extends Data, const O extends SoftmaxOptions<X> = {}>(
    x: X,
    options?: Exact<O, SoftmaxOptions<X>>,
  ): Returned<X, O>;
  /**
   * log(sum(exp(x))) along an axis; the result has the shape without that axis.
   * @throws {TypeError} as softmax.
   * @throws {RangeError} as softmax; also when the result would not fit in wasm memory.
   */
  logSumExp<X extends Data, const O extends AxisOptions<X> = {}>(
    x: X,
    options?: Exact<O, AxisOptions<X>>,
  ): Returned<X, O>;
  /**
   * d loss / d x given dy = d loss / d y and y = softmax(x / T): y * (dy - <dy, y>) / T.
   * @throws {TypeError} dy, y or out is not a float array, or they differ in dtype; as softmax.
   * @throws {RangeError} dy and y differ in length; as softmax.
   */
  softmaxBackward<X extends Data, const O extends SoftmaxOptions<X> = {}>(
    dy: X,
    y: X,
    options?: Exact<O, SoftmaxOptions<X>>,
  ): Returned<X, O>;
  /**
   * d loss / d x given dy and y = logSoftmax(x / T): (dy - exp(y) * sum(dy)) / T.
   * @throws {TypeError} as softmaxBackward.
   * @throws {RangeError} as softmaxBackward.
   */
  logSoftmaxBackward<X extends Data, const O extends SoftmaxOptions<X> = {}>(
    dy: X,
    y: X,
    options?: Exact<O, SoftmaxOptions<X>>,
  ): Returned<X, O>;
  /**
   * The n x n Jacobian of softmax(x / T) for a 1-D x, row-major: J[i*n + j] = d y_i / d x_j.
   * @throws {TypeError} as softmax.
   * @throws {RangeError} temperature is not a finite number > 0, out is not n * n long, or n * n values do not fit in wasm memory.
   */
  softmaxJacobian<X extends Data, const O extends JacobianOptions<X> = {}>(
    x: X,
    options?: Exact<O, JacobianOptions<X>>,
  ): Returned<X, O>;
  /**
   * The n x n Jacobian of logSoftmax(x / T) for a 1-D x.
   * @throws {TypeError} as softmaxJacobian.
   * @throws {RangeError} as softmaxJacobian.
   */
  logSoftmaxJacobian<X extends Data, const O extends JacobianOptions<X> = {}>(
    x: X,
    options?: Exact<O, JacobianOptions<X>>,
  ): Returned<X, O>;

  /**
   * torch.nn.functional.cross_entropy: targets are class indices or class probabilities (the logits' dtype and shape).
   * With grad: true the result also holds d loss / d logits.
   * @throws {TypeError} logits, target, weight or out has the wrong type or dtype, out is given without grad: true, an option is unknown or of the wrong type.
   * @throws {RangeError} the shape, axis, reduction, ignoreIndex or labelSmoothing is out of range, the class axis is empty, a target index is outside [0, C) and not ignoreIndex, a weight is negative or NaN, a length does not match.
   */
  crossEntropy<X extends Data, const O extends WithGrad<CrossEntropyOptions<X>>>(
    logits: X,
    target: IndexTarget | ProbabilityTarget<X>,
    options: Exact<O, CrossEntropyOptions<X>>,
  ): LossWithGrad<X, O>;
  crossEntropy<X extends Data, const O extends NoGrad<CrossEntropyOptions<X>> = {}>(
    logits: X,
    target: IndexTarget | ProbabilityTarget<X>,
    options?: Exact<O, NoGrad<CrossEntropyOptions<X>>>,
  ): LossOnly<X, O>;
  crossEntropy<X extends Data, const O extends CrossEntropyOptions<X> & { grad: boolean }>(
    logits: X,
    target: IndexTarget | ProbabilityTarget<X>,
    options: Exact<O, CrossEntropyOptions<X>>,
  ): LossResult<X, O>;

  /**
   * torch.nn.functional.nll_loss on log-probabilities with class-index targets.
   * @throws {TypeError} as crossEntropy (probability targets are a TypeError here).
   * @throws {RangeError} as crossEntropy.
   */
  nllLoss<X extends Data, const O extends WithGrad<NllLossOptions<X>>>(
    logProbs: X,
    target: IndexTarget,
    options: Exact<O, NllLossOptions<X>>,
  ): LossWithGrad<X, O>;
  nllLoss<X extends Data, const O extends NoGrad<NllLossOptions<X>> = {}>(
    logProbs: X,
    target: IndexTarget,
    options?: Exact<O, NoGrad<NllLossOptions<X>>>,
  ): LossOnly<X, O>;
  nllLoss<X extends Data, const O extends NllLossOptions<X> & { grad: boolean }>(
    logProbs: X,
    target: IndexTarget,
    options: Exact<O, NllLossOptions<X>>,
  ): LossResult<X, O>;
}

export interface LoadOptions {
  /** true / false forces the SIMD128 / scalar build; default: SIMD where the engine has it. */
  simd?: boolean;
  /** The .wasm bytes of the chosen build, if you load them yourself (any ArrayBuffer or view; copied). */
  wasmBinary?: ArrayBuffer | ArrayBufferView;
  /** Maps the .wasm file name ('softmax-simd.wasm', 'softmax-threads.wasm' or 'softmax-scalar.wasm') to a URL. */
  locateFile?: (path: string, prefix: string) => string;
  /**
   * 'auto' (default; 1 with wasmBinary): every core the engine reports, up to 8, where threads are
   * possible (Node; a cross-origin-isolated page), else 1, silently. A number asks for that many
   * (1: the single-thread build). Workers start on the first call big enough to share.
   */
  threads?: 'auto' | number;
}

/** Loads a softmax-wasm instance. */
export function load(options?: LoadOptions): Promise<SoftmaxWasm & Disposable_>;

/** Whether this engine runs WebAssembly SIMD128. */
export function simdSupported(): boolean;

// ---- Sampling (bindings/sampling.js) -------------------------------------------
// Kept as a separate block, merged into SoftmaxWasm by interface merging.

/** A seeded Philox4x32-10 stream for sample(): one draw per sampled row. */
export interface Random {
  /** The seed, in [0, 2^64). */
  readonly seed: bigint;
  /** The number of draws made so far; it moves only when a call succeeds. */
  readonly position: number;
}

/** Token ids already seen: one array (for one row, or shared by every row) or one array per row. */
export type TokenIds = Int32Array | BigInt64Array | readonly number[];
export type History = TokenIds | readonly TokenIds[];

export interface ProcessOptions {
  /** [vocab] or [rows, vocab] (any leading dims are rows); default [logits.length]. */
  shape?: readonly number[];
  /** >= 0, default 1; 0 is greedy (argmax). */
  temperature?: number;
  /** Keep the topK largest (and every value tied with the k-th); 0 (default) = off. */
  topK?: number;
  /** Keep the smallest group of most probable tokens whose mass reaches topP; in (0, 1], 1 (default) = off. */
  topP?: number;
  /** Keep tokens with probability >= minP x the largest; in [0, 1), 0 (default) = off. */
  minP?: number;
  /** > 0, default 1: a seen token's logit is divided by it when positive, multiplied when negative. */
  repetitionPenalty?: number;
  /** Subtracted once from a seen token's logit (OpenAI); default 0. */
  presencePenalty?: number;
  /** Subtracted per occurrence from a seen token's logit (OpenAI); default 0. */
  frequencyPenalty?: number;
  /** Token ids already seen, for the penalties. */
  history?: History;
  /** Added to a token's logit; -Infinity bans it. */
  logitBias?: Readonly<Record<number, number>> | ReadonlyMap<number | string, number>;
}

export interface SampleOptions extends ProcessOptions {
  /** sm.random(seed), a seed (safe integer or BigInt), or none: a generator seeded from crypto.getRandomValues. */
  random?: Random | number | bigint;
  /** true: return { tokens, logProbs }, each token's log-probability under the distribution it was drawn from. */
  logProbs?: boolean;
  /** One token per row goes here. */
  out?: Int32Array;
}

export interface FilterOptions<X extends Data> extends ProcessOptions {
  out?: OutOf<X>;
}

export interface TopKOptions {
  shape?: readonly number[];
  /** Default -1. */
  axis?: number;
  /** Default true: the k largest; false: the k smallest. */
  largest?: boolean;
  /** Default true: by value, ties by index; false: in index order. */
  sorted?: boolean;
}

export interface SoftmaxWasm {
  /** A seeded generator (a non-negative safe integer or a BigInt below 2^64); none: seeded from crypto.getRandomValues. */
  random(seed?: number | bigint): Random;
  /** The next token of every row (penalties, bias, temperature, top-k, top-p, min-p, a seeded draw). */
  sample<O extends SampleOptions = SampleOptions>(
    logits: Data,
    options?: O,
  ): O extends { logProbs: true } ? { tokens: Int32Array; logProbs: Float64Array } : Int32Array;
  /** The logits sample() draws from: processed values where kept, -Infinity where cut. */
  filterLogits<X extends Data, O extends FilterOptions<X> = FilterOptions<X>>(logits: X, options?: O): Returned<X, O>;
  /** torch.topk along an axis: values (the input's dtype) and indices, of the shape with that axis set to k. */
  topK<X extends Data>(x: X, k: number, options?: TopKOptions): { values: ResultOf<X>; indices: Int32Array };
  /** torch.argmax along an axis: the first index of the largest value (NaN counts as largest). */
  argmax(x: Data, options?: { shape?: readonly number[]; axis?: number }): Int32Array;
}
