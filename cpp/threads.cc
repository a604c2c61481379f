// threads.cc — the thread pool of the threaded build (parallel.h), and the
// stand-in every other build links.
//
// The workers are not Emscripten pthreads: the package starts them itself
// (bindings/threads.js), each a Web Worker / worker_threads Worker that
// instantiates this same module over the shared memory, gets a stack of its
// own, and calls smw_thread_main(id), which sleeps in memory.atomic.wait32
// until a job is published. So the pool starts lazily, from JS, and a worker
// that never started simply never claims a task.
//
// A job is published as one 64-bit ticket: (job number << 40) | (task count
// << 20) | next task. Threads claim tasks with a compare-and-swap that fails
// once the job number changed or every task is claimed; the job's fields
// are read only after a claim succeeded, and the calling thread rewrites
// them only after every claimed task is done, so no thread reads a torn job.
#include <cstdint>

#include "parallel.h"

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten.h>

#include <atomic>

namespace smw {
namespace {

constexpr uint64_t kTaskBits = 20;
constexpr uint64_t kTaskMask = (uint64_t(1) << kTaskBits) - 1;
constexpr size_t kMaxTasks = kTaskMask;

struct Pool {
  std::atomic<uint64_t> ticket{0};
  std::atomic<uint32_t> done{0};
  std::atomic<int32_t> wake{0};  // bumped per job and on quit; workers wait on it
  std::atomic<uint32_t> quit{0};
  std::atomic<uint32_t> ready{0};         // workers in smw_thread_main
  std::atomic<uint32_t> worker_tasks{0};  // tasks run by workers (tests)
  uint32_t workers = 0;                   // workers the pool was asked for (threads - 1)
  uint32_t active = 0;                    // of those, how many may claim tasks
  uint32_t requested = 0;                 // whether JS was asked to start them
  size_t min_work = kParallelMin;         // bench/threads.mjs --threshold lowers it to measure
  TaskFn fn = nullptr;
  const void* ctx = nullptr;
  size_t units = 0, per = 0;
};
Pool pool;

// Claims one task of the current job; false when none is left.
bool claim(uint64_t job, uint64_t& task) {
  uint64_t t = pool.ticket.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t count = (t >> kTaskBits) & kTaskMask, next = t & kTaskMask;
    if ((t >> (2 * kTaskBits)) != job || next >= count) return false;
    if (pool.ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
      task = next;
      return true;
    }
  }
}

void run_claimed(uint64_t task) {
  const size_t b = size_t(task) * pool.per;
  const size_t e = b + pool.per < pool.units ? b + pool.per : pool.units;
  pool.fn(pool.ctx, b, e);
  pool.done.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace

// Asks the package to start the workers (bindings/threads.js); returns at once.
EM_JS(void, smw_request_threads, (), {
  if (Module["smwRequestThreads"]) Module["smwRequestThreads"]();
});
// A claimed task made no progress for long: its worker died. Throws.
EM_JS(void, smw_worker_lost, (), {
  throw new Error("softmax-wasm: a worker thread stopped in the middle of a task (it died or was " +
                  "terminated); this instance cannot be used any more");
});

bool parallel_wanted(size_t work) {
  if (work < pool.min_work || pool.active == 0) return false;
  if (pool.ready.load(std::memory_order_acquire) == 0) {
    if (!pool.requested) {
      pool.requested = 1;
      smw_request_threads();
    }
    return false;
  }
  return true;
}

void run_tasks_impl(size_t units, size_t per, size_t, TaskFn fn, const void* ctx) {
  size_t tasks = (units + per - 1) / per;
  if (tasks > kMaxTasks) {  // fewer, bigger tasks (the split stays a function of the shape)
    per = (units + kMaxTasks - 1) / kMaxTasks;
    tasks = (units + per - 1) / per;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  pool.units = units;
  pool.per = per;
  pool.done.store(0, std::memory_order_relaxed);
  const uint64_t job = (pool.ticket.load(std::memory_order_relaxed) >> (2 * kTaskBits)) + 1;
  pool.ticket.store((job << (2 * kTaskBits)) | (uint64_t(tasks) << kTaskBits),
                    std::memory_order_release);
  pool.wake.fetch_add(1, std::memory_order_release);
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&pool.wake), pool.active);
  uint64_t task;
  while (claim(job, task)) run_claimed(task);
  // Only tasks other threads already hold are left: wait for them (short).
  uint32_t seen = pool.done.load(std::memory_order_acquire);
  double since = emscripten_get_now();
  while (seen != tasks) {
    const uint32_t now = pool.done.load(std::memory_order_acquire);
    if (now != seen) {
      seen = now;
      since = emscripten_get_now();
    } else if (emscripten_get_now() - since > 10000.0) {
      smw_worker_lost();
    }
  }
}

}  // namespace smw

extern "C" {

// The pool's size (threads - 1 workers) and how many of them take tasks.
EMSCRIPTEN_KEEPALIVE void smw_threads_configure(uint32_t workers, uint32_t active) {
  smw::pool.workers = workers;
  smw::pool.active = active < workers ? active : workers;
}

// The smallest call (in elements) that is shared; 0 restores kParallelMin. For measuring it.
EMSCRIPTEN_KEEPALIVE void smw_threads_set_min_work(uint32_t work) {
  smw::pool.min_work = work ? work : smw::kParallelMin;
}

// The smallest call (in elements) that is shared now (bindings: calls below it run elsewhere).
EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_min_work() { return uint32_t(smw::pool.min_work); }

EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_worker_tasks() {
  return smw::pool.worker_tasks.load(std::memory_order_relaxed);
}

EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_ready() {
  return smw::pool.ready.load(std::memory_order_acquire);
}

// Bytes of thread-local storage a worker needs (its block is allocated by the calling thread).
EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_tls_size() { return __builtin_wasm_tls_size(); }

void __wasm_init_tls(void* block);  // made by the linker in a shared-memory build

// A worker's loop: claims tasks of each job until told to quit. Its stack is
// set by the caller (stackRestore); tls is its thread-local block, or 0.
EMSCRIPTEN_KEEPALIVE void smw_thread_main(uint32_t id, uint32_t tls) {
  using smw::pool;
  if (id == UINT32_MAX) return;  // a probe: the package resolves this export's name by a call
  if (tls) __wasm_init_tls(reinterpret_cast<void*>(uintptr_t(tls)));
  pool.ready.fetch_add(1, std::memory_order_acq_rel);
  int32_t seen = pool.wake.load(std::memory_order_acquire);
  for (;;) {
    if (pool.quit.load(std::memory_order_acquire)) break;
    if (id < pool.active) {
      const uint64_t job = pool.ticket.load(std::memory_order_acquire) >> (2 * smw::kTaskBits);
      uint64_t task;
      while (smw::claim(job, task)) {
        smw::run_claimed(task);
        pool.worker_tasks.fetch_add(1, std::memory_order_relaxed);
      }
    }
    __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int*>(&pool.wake), seen, -1);
    seen = pool.wake.load(std::memory_order_acquire);
  }
  pool.ready.fetch_sub(1, std::memory_order_acq_rel);
}

// Wakes every worker and makes it return from smw_thread_main.
EMSCRIPTEN_KEEPALIVE void smw_threads_quit() {
  using smw::pool;
  pool.quit.store(1, std::memory_order_release);
  pool.active = 0;
  pool.wake.fetch_add(1, std::memory_order_release);
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&pool.wake), ~0u);
}
}

#else

namespace smw {
bool parallel_wanted(size_t) { return false; }
void run_tasks_impl(size_t units, size_t per, size_t, TaskFn fn, const void* ctx) {
  for (size_t b = 0; b < units; b += per) fn(ctx, b, b + per < units ? b + per : units);
}
}  // namespace smw

#endif
