// Compiled (never run) with lib esnext.disposable (tests/types/tsconfig.json):
// a WasmArray is Disposable, so a `using` declaration frees it.
import { load } from '../../bindings/index.js';

export async function disposeUsage(): Promise<number> {
  const sm = await load();
  using x = sm.alloc(3);
  x.array.set([1, 2, 3]);
  const disposable: Disposable = sm.alloc(2, 'int32');
  disposable[Symbol.dispose]();
  return sm.softmax(x)[0];
}
