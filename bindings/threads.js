// threads.js — the worker threads of the threaded build (issue 13).
//
// The threaded build (dist/softmax-threads.wasm, -pthread: shared memory and atomics) carries its
// own thread pool (cpp/threads.cc): the calling thread publishes each big call as numbered tasks
// and claims them from a shared counter alongside the workers, then waits only for the tasks
// workers already hold. This file starts those workers. Each is a Web Worker (browsers) or a
// worker_threads Worker (Node) running WORKER_MAIN below from a string (a Blob URL in browsers,
// eval in Node), so there is no worker file for a bundler or a server to find. A worker
// instantiates the same compiled module over the same shared memory, with every other import
// stubbed, takes the stack and thread-local block the calling thread allocated for it, and calls
// smw_thread_main, which sleeps in memory.atomic.wait32 between jobs and returns on quit.
//
// Workers start lazily: the first call big enough to share (kParallelMin elements) spawns them
// (Module.smwRequestThreads, from inside the call) and runs on the calling thread alone; so do the
// calls until a worker is in its loop. Nothing ever waits for a worker to start, and nothing needs
// the event loop: a worker boots on its own thread.
//
// A worker that cannot start (a page whose CSP has no `worker-src blob:` refuses the Blob URL:
// a SecurityError thrown by new Worker, or an error event before the worker ran any code; no
// memory for its stack) never entered the pool's loop, so it holds no task: the pool falls back
// to the calling thread alone. sm.threads becomes 1, the reason is the pool's `fallback` (an
// Error), and console.warn says so once per realm. A worker that dies after it started may have
// held a task: that instance is lost (`lost`), and its calls throw.

const STACK_BYTES = 256 * 1024;

/**
 * The code each worker runs. Self-contained (it is turned into a string): `post` sends a
 * message to the creator, `listen` registers the message handler.
 */
export function WORKER_MAIN(post, listen) {
  listen((d) => {
    try {
      const imports = {};
      for (const imp of WebAssembly.Module.imports(d.module)) {
        if (imports[imp.module] === undefined) imports[imp.module] = {};
        const m = imports[imp.module];
        m[imp.name] =
          imp.kind === 'memory'
            ? d.memory
            : () => {
                throw new Error(
                  `softmax-wasm worker: the kernels called the import ${imp.module}.${imp.name}, which workers do not provide`,
                );
              };
      }
      const ex = new WebAssembly.Instance(d.module, imports).exports;
      ex[d.names.stackRestore](d.stackTop);
      post({ ready: d.id });
      ex[d.names.main](d.id, d.tls);
      post({ quit: d.id });
    } catch (e) {
      post({ failed: d.id, message: String(e?.stack ? e.stack : e) });
    }
  });
}

const BROWSER_SOURCE = `(${WORKER_MAIN})((m) => postMessage(m), (f) => { self.onmessage = (e) => f(e.data); });`;
/** A worker spawner for browsers and Web Workers (a Blob URL of WORKER_MAIN). */
export function browserSpawner() {
  let url;
  return () => {
    url ??= URL.createObjectURL(new Blob([BROWSER_SOURCE], { type: 'text/javascript' }));
    const w = new Worker(url, { name: 'softmax-wasm thread' });
    return {
      post: (m) => w.postMessage(m),
      on: (onMessage, onError) => {
        w.onmessage = (e) => onMessage(e.data);
        w.onerror = (e) => onError(new Error(e.message || 'the worker did not load or failed'));
      },
      terminate: () => w.terminate(),
      worker: w,
    };
  };
}

/** Whether this realm can share wasm memory with workers (Node, or a cross-origin-isolated page). */
export function threadsPossible(hasWorkers) {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object' || !hasWorkers) return false;
  if (globalThis.crossOriginIsolated === false) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The wasm export behind a glue function (its export names are minified). The glue's wrapper
 * replaces itself with the export on its first call, so `probe` calls it once harmlessly first;
 * then the export is found by identity, whatever a bundler's minifier did to the glue's text.
 */
function exportName(M, name, exports, probe) {
  probe();
  const fn = M[name];
  for (const key of Object.keys(exports)) if (exports[key] === fn) return key;
  throw new Error(`softmax-wasm: the threaded build exports no ${name} (is softmax-threads.wasm from this version?)`);
}

let warned = false; // the fallback's console.warn: once per realm

/**
 * The Error of a worker that could not start (a CSP refusal, most likely, in a page or in a Web
 * Worker, which has a CSP of its own).
 */
function cannotStart(e) {
  const where =
    typeof document === 'object'
      ? "a page's"
      : typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope
        ? "a worker's"
        : undefined;
  return new Error(
    `softmax-wasm: cannot start a worker thread (${e?.message || e?.name || 'worker error'})` +
      (where ? `; ${where} Content-Security-Policy must allow worker-src blob: for threads` : ''),
    { cause: e },
  );
}

const pools = new WeakMap();
/** @internal The pool of an instance (tests). */
export function poolOf(sm) {
  return pools.get(sm);
}
/** @internal */
export function registerPool(sm, pool) {
  pools.set(sm, pool);
}

export class ThreadPool {
  #M;
  #module;
  #memory;
  #spawn;
  names;
  #size;
  #active;
  #workers = [];
  #started = false;
  #ready = 0;
  /**
   * The fewest elements of a call whose copies in and out of wasm memory are streamed (overlapped
   * with the workers' computing: cpp/parallel.h): the sharing threshold, or Infinity with one thread.
   */
  streamFrom = Infinity;
  /** Why the pool is unusable (an Error), or undefined. */
  lost = undefined;
  /** Why the pool fell back to the calling thread alone (an Error: the workers could not start), or undefined. */
  fallback = undefined;
  disposed = false;

  constructor(M, instance, wasmModule, memory, size, spawn) {
    this.#M = M;
    this.#module = wasmModule;
    this.#memory = memory;
    this.#spawn = spawn;
    this.#size = size;
    this.#active = size;
    this.names = {
      main: exportName(M, '_smw_thread_main', instance.exports, () => M._smw_thread_main(0xffffffff, 0)),
      stackRestore: exportName(M, 'stackRestore', instance.exports, () => M.stackRestore(M.stackSave())),
    };
    M._smw_threads_configure(size - 1, size - 1);
    /** The fewest elements of a call that is shared (kParallelMin, cpp/parallel.h). */
    this.minWork = M._smw_threads_min_work();
    this.#updateStream();
    // Called from inside the first big call (cpp/threads.cc): the workers are spawned at once, so
    // a program that never returns to its event loop (a synchronous loop of calls) gets them too;
    // a worker thread boots by itself and takes tasks once it is in its loop. A failure to spawn
    // is handled after the call (#fallBack ends the pool between calls).
    M.smwRequestThreads = () => this.#start(true);
  }

  /** How many threads run a big call (the calling thread included). */
  get threads() {
    return this.fallback ? 1 : this.#active;
  }

  set threads(k) {
    if (this.fallback) return; // size is 1: sm.threads's setter allows 1 only
    this.#active = k;
    this.#M._smw_threads_configure(this.#size - 1, k - 1);
    this.#updateStream();
  }

  #updateStream() {
    this.streamFrom = this.fallback || this.lost || this.disposed || this.#active < 2 ? Infinity : this.minWork;
  }

  /** The shared wasm memory (the stream's copies read its buffer). */
  get memory() {
    return this.#memory;
  }

  /** The most threads this pool can run (1 once it fell back). */
  get size() {
    return this.fallback ? 1 : this.#size;
  }

  /** Workers in their loop now. */
  get ready() {
    return this.#ready;
  }

  /** How many tasks the workers (not the calling thread) have run so far (tests). */
  get workerTasks() {
    return this.#M._smw_threads_worker_tasks();
  }

  /** The sum over jobs of the index of each worker's first task (how late workers woke; bench). */
  get workerLate() {
    return this.#M._smw_threads_worker_late();
  }

  /** Shares calls from `elements` on (0: the built-in threshold). For bench/threads.mjs --threshold. */
  setMinWork(elements) {
    this.#M._smw_threads_set_min_work(elements);
    this.minWork = this.#M._smw_threads_min_work();
    this.#updateStream();
  }

  /** The workers' handles (tests). */
  get workers() {
    return this.#workers;
  }

  /** Starts the workers now rather than on the first big call. Resolves when all are in their loop. */
  start() {
    this.#start();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.lost) reject(this.lost);
        else if (this.#ready === this.#size - 1 || this.disposed || this.fallback) resolve();
        else setTimeout(check, 1);
      };
      check();
    });
  }

  /** inCall: from inside a kernel call (a failure falls back once the call has returned). */
  #start(inCall = false) {
    if (this.#started || this.disposed) return;
    this.#started = true;
    const M = this.#M;
    const fallBack = inCall ? (e) => queueMicrotask(() => this.#fallBack(e)) : (e) => this.#fallBack(e);
    const tlsBytes = M._smw_threads_tls_size();
    for (let id = 0; id < this.#size - 1; id++) {
      const stack = M._malloc(STACK_BYTES) >>> 0;
      const tls = tlsBytes ? M._malloc(tlsBytes) >>> 0 : 0;
      if (!stack || (tlsBytes && !tls)) {
        fallBack(new Error("softmax-wasm: no wasm memory left for a worker thread's stack"));
        return;
      }
      let w;
      try {
        w = this.#spawn();
      } catch (e) {
        fallBack(cannotStart(e));
        return;
      }
      this.#workers.push(w);
      let started = false;
      w.on(
        (m) => {
          if (m.ready !== undefined) {
            started = true;
            this.#ready++;
          } else if (m.failed !== undefined) {
            const error = new Error(`softmax-wasm: worker thread ${m.failed} failed: ${m.message}`);
            if (started) this.#fail(error);
            else this.#fallBack(error);
          }
        },
        (e) => {
          if (started) this.#fail(new Error(`softmax-wasm: worker thread ${id} died: ${e.message}`, { cause: e }));
          else this.#fallBack(cannotStart(e));
        },
      );
      // The stack pointer must be 16-byte aligned (malloc gives 8): the compiled code relies on
      // it, e.g. addressing an alignas(16) local with an OR instead of an ADD.
      w.post({
        module: this.#module,
        memory: this.#memory,
        names: this.names,
        id,
        stackTop: (stack + STACK_BYTES) & ~15,
        tls,
      });
    }
  }

  /**
   * A worker could not start: no task is held by a worker that never entered the loop, and the
   * ones that did are idle (this runs between calls), so the calling thread goes on alone.
   */
  #fallBack(error) {
    if (this.lost || this.disposed || this.fallback) return;
    this.fallback = error;
    this.#stop();
    if (!warned) {
      warned = true;
      console.warn(`${error.message}. softmax-wasm runs on one thread (sm.threads === 1).`);
    }
  }

  #fail(error) {
    if (this.lost || this.disposed) return;
    this.lost = error;
    this.#stop();
  }

  #stop() {
    this.#updateStream();
    try {
      this.#M._smw_threads_quit();
    } catch {
      // the module may be unusable by now; the workers are terminated below anyway
    }
    for (const w of this.#workers) w.terminate();
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.#stop();
  }
}

export const STACK_SIZE = STACK_BYTES;
