// softmax-wasm/embedded: the API of softmax-wasm, with the .wasm built into the JS (no asset).
import type { LoadOptions, SoftmaxWasm } from './index.js';

export * from './index.js';

/** load()'s options in this entry: those of softmax-wasm but locateFile (nothing to locate). */
export type EmbeddedLoadOptions = Omit<LoadOptions, 'locateFile'> & { locateFile?: never };

/** Loads a softmax-wasm instance from the .wasm embedded in this entry. */
export function load(options?: EmbeddedLoadOptions): Promise<SoftmaxWasm>;
