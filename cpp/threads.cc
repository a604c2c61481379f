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

#include <algorithm>
#include <atomic>

namespace smw {
namespace {

constexpr uint64_t kTaskBits = 20;
constexpr uint64_t kTaskMask = (uint64_t(1) << kTaskBits) - 1;
constexpr size_t kMaxTasks = kTaskMask;

// Per-task done flags of a streamed job (copy-out of finished slices); a job
// with more tasks copies its results out after the join.
constexpr size_t kFlagTasks = 4096;

struct Pool {
  std::atomic<uint64_t> ticket{0};
  std::atomic<uint32_t> done{0};
  // Tasks [0, limit) of the current job may be claimed: all of them, except
  // in a streamed job, where it grows as the inputs are copied in. Set before
  // the job's ticket is published; workers wait on it when it holds them back.
  std::atomic<uint32_t> limit{0};
  std::atomic<uint8_t> task_done[kFlagTasks];
  size_t flagged = 0;            // tasks of the current job with a done flag
  std::atomic<int32_t> wake{0};  // bumped per job and on quit; workers wait on it
  std::atomic<uint32_t> quit{0};
  std::atomic<uint32_t> ready{0};         // workers in smw_thread_main
  std::atomic<uint32_t> worker_tasks{0};  // tasks run by workers (tests)
  std::atomic<uint32_t> worker_late{0};   // workers' first task indices, summed (bench)
  uint32_t workers = 0;                   // workers the pool was asked for (threads - 1)
  uint32_t active = 0;                    // of those, how many may claim tasks
  uint32_t requested = 0;                 // whether JS was asked to start them
  size_t min_work = kParallelMin;         // bench/threads.mjs --threshold lowers it to measure
  TaskFn fn = nullptr;
  const void* ctx = nullptr;
  size_t units = 0, per = 0;
};
Pool pool;

enum Claim { kClaimed, kNoneLeft, kNotReady };

// Claims one task of the current job: kNoneLeft once every task is claimed
// (or the job is over), kNotReady while the next one is beyond the limit.
Claim claim(uint64_t job, uint64_t& task) {
  uint64_t t = pool.ticket.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t count = (t >> kTaskBits) & kTaskMask, next = t & kTaskMask;
    if ((t >> (2 * kTaskBits)) != job || next >= count) return kNoneLeft;
    if (next >= pool.limit.load(std::memory_order_acquire)) return kNotReady;
    if (pool.ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) {
      task = next;
      return kClaimed;
    }
  }
}

void run_claimed(uint64_t task) {
  const size_t b = size_t(task) * pool.per;
  const size_t e = b + pool.per < pool.units ? b + pool.per : pool.units;
  pool.fn(pool.ctx, b, e);
  if (task < pool.flagged) pool.task_done[task].store(1, std::memory_order_release);
  pool.done.fetch_add(1, std::memory_order_acq_rel);
}

// Publishes a job of `tasks` tasks, the first `limit` of them claimable, and wakes the workers.
uint64_t publish(size_t units, size_t per, size_t tasks, size_t limit, TaskFn fn, const void* ctx) {
  pool.fn = fn;
  pool.ctx = ctx;
  pool.units = units;
  pool.per = per;
  pool.done.store(0, std::memory_order_relaxed);
  pool.limit.store(uint32_t(limit), std::memory_order_relaxed);
  const uint64_t job = (pool.ticket.load(std::memory_order_relaxed) >> (2 * kTaskBits)) + 1;
  pool.ticket.store((job << (2 * kTaskBits)) | (uint64_t(tasks) << kTaskBits),
                    std::memory_order_release);
  pool.wake.fetch_add(1, std::memory_order_release);
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&pool.wake), pool.active);
  return job;
}

// Tasks and units per task of a job: fewer, bigger tasks past kMaxTasks (the
// split stays a function of the shape).
size_t task_count(size_t units, size_t& per) {
  size_t tasks = (units + per - 1) / per;
  if (tasks > kMaxTasks) {
    per = (units + kMaxTasks - 1) / kMaxTasks;
    tasks = (units + per - 1) / per;
  }
  return tasks;
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

// The package's side of the stream (bindings/softmax-wasm.js): copies the
// outer slices [o0, o1) of every streamed input in, or of every streamed
// output out. Called on the calling thread only (workers have no imports).
EM_JS(void, smw_stream_in, (size_t o0, size_t o1), { Module["smwStream"].in(o0 >>> 0, o1 >>> 0); });
EM_JS(void, smw_stream_out, (size_t o0, size_t o1),
      { Module["smwStream"].out(o0 >>> 0, o1 >>> 0); });

size_t stream_outer = 0;

void stream_in_all() {
  if (const size_t outer = stream_outer) {
    stream_outer = 0;
    smw_stream_in(0, outer);
  }
}

namespace {

// Waits for every task of the job to be done (the calling thread's join);
// `step` runs on each turn of the wait (the stream copies out there).
template <class Step>
void join(size_t tasks, const Step& step) {
  uint32_t seen = pool.done.load(std::memory_order_acquire);
  double since = emscripten_get_now();
  while (seen != tasks) {
    step();
    const uint32_t now = pool.done.load(std::memory_order_acquire);
    if (now != seen) {
      seen = now;
      since = emscripten_get_now();
    } else if (emscripten_get_now() - since > 10000.0) {
      smw_worker_lost();
    }
  }
}

// A shared job whose inputs come in and whose results go out by outer slices
// (parallel.h, the stream): `outer` slices of k units each.
void run_streamed(size_t units, size_t per, size_t outer, TaskFn fn, const void* ctx) {
  const size_t k = units / outer;
  const size_t tasks = task_count(units, per);
  // The slices tasks [0, t) need, and the tasks whose slices [0, o) are all in.
  auto slices_of = [&](size_t t) {
    return t >= tasks ? outer : (std::min(t * per, units) + k - 1) / k;
  };
  auto tasks_within = [&](size_t o) { return o >= outer ? tasks : o * k / per; };
  // Chunks of about 1/16 of the call (one task at least) go in, and come out, at a time.
  const size_t chunk = std::max<size_t>(1, tasks / 16);
  pool.flagged = tasks <= kFlagTasks ? tasks : 0;
  for (size_t t = 0; t < pool.flagged; ++t) pool.task_done[t].store(0, std::memory_order_relaxed);
  const uint64_t job = publish(units, per, tasks, 0, fn, ctx);
  size_t in = 0, ready = 0;
  while (ready < tasks) {
    const size_t o = slices_of(std::min(tasks, ready + chunk));
    smw_stream_in(in, o);
    in = o;
    ready = tasks_within(o);
    pool.limit.store(uint32_t(ready), std::memory_order_release);
    __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&pool.limit), pool.active);
  }
  // Every slice is in: take tasks, and copy out each finished prefix between them.
  size_t out = 0, finished = 0;
  const size_t out_chunk = std::max<size_t>(1, slices_of(chunk));
  // Between its tasks the calling thread copies out chunks; waiting at the join, any progress.
  auto copy_out = [&](size_t least) {
    while (finished < pool.flagged && pool.task_done[finished].load(std::memory_order_acquire))
      ++finished;
    const size_t o = finished >= tasks ? outer : finished * per / k;  // slices whose tasks are done
    if (o > out && (o - out >= least || o == outer)) {
      smw_stream_out(out, o);
      out = o;
    }
  };
  uint64_t task;
  while (claim(job, task) == kClaimed) {
    run_claimed(task);
    copy_out(out_chunk);
  }
  join(tasks, [&] { copy_out(1); });
  pool.flagged = 0;
  if (out < outer) smw_stream_out(out, outer);
}

}  // namespace

void run_tasks_impl(size_t units, size_t per, size_t work, TaskFn fn, const void* ctx) {
  const size_t outer = stream_outer;
  if (outer) {
    stream_outer = 0;
    if (units <= per || !parallel_wanted(work)) {
      smw_stream_in(0, outer);
      for (size_t b = 0; b < units; b += per) fn(ctx, b, b + per < units ? b + per : units);
      smw_stream_out(0, outer);
      return;
    }
    if (units % outer == 0) {
      run_streamed(units, per, outer, fn, ctx);
      return;
    }
    smw_stream_in(0, outer);  // units that are not slices: the copies around the job
  }
  const size_t tasks = task_count(units, per);
  const uint64_t job = publish(units, per, tasks, tasks, fn, ctx);
  uint64_t task;
  while (claim(job, task) == kClaimed) run_claimed(task);
  // Only tasks other threads already hold are left: wait for them (short).
  join(tasks, [] {});
  if (outer) smw_stream_out(0, outer);
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

// Arms the stream of the next kernel call (parallel.h): its copied arrays hold
// `outer` slices (0 disarms). bindings/softmax-wasm.js sets Module.smwStream first.
EMSCRIPTEN_KEEPALIVE void smw_stream_arm(uint32_t outer) { smw::stream_outer = outer; }

EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_worker_tasks() {
  return smw::pool.worker_tasks.load(std::memory_order_relaxed);
}

// Sum over jobs and workers of the index of the worker's first task: the tasks
// other threads had claimed before it woke (bench/threads.mjs diagnostics).
EMSCRIPTEN_KEEPALIVE uint32_t smw_threads_worker_late() {
  return smw::pool.worker_late.load(std::memory_order_relaxed);
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
      bool first = true;
      for (;;) {
        const smw::Claim c = smw::claim(job, task);
        if (c == smw::kClaimed) {
          if (first) pool.worker_late.fetch_add(uint32_t(task), std::memory_order_relaxed);
          first = false;
          smw::run_claimed(task);
          pool.worker_tasks.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (c == smw::kNoneLeft || pool.quit.load(std::memory_order_acquire)) break;
        // A streamed job whose next task's input is still being copied in:
        // spin a little, then sleep until the limit grows (or 0.1 ms passes).
        const uint32_t limit = pool.limit.load(std::memory_order_acquire);
        int spins = 0;
        while (pool.limit.load(std::memory_order_acquire) == limit && ++spins < 4096) {
        }
        if (spins >= 4096)
          __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int*>(&pool.limit), int(limit),
                                              100000);
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
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&pool.limit), ~0u);
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
