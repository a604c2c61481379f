// parallel.h — how one call's work is split into tasks, and who runs them.
//
// A call's work is cut into tasks by its shape alone (never by the thread
// count): run_tasks(units, per, work, body) runs body(begin, end) over
// [0, units) in tasks of `per` units, task t covering [t * per, (t + 1) * per).
// In the threaded build (threads.cc, compiled with -pthread) the calling
// thread and the pool's workers claim tasks one at a time from a shared
// counter; the calling thread always takes its share and only waits for
// tasks other threads have already claimed, so a page's main thread never
// waits on a worker that has not started. Everywhere else (the single-thread
// builds, the native tests) the tasks run in order on the calling thread.
// Either way every task runs the same code on the same data, so results do
// not depend on the thread count; an op that reduces across tasks (a loss's
// sum) stores per-sample values and sums them in sample order afterwards.
//
// The layout dispatcher (passes.h run_layouts) cuts fibres into tasks of
// about kTaskGrain elements; any other op (sampling rows, say) can call
// run_tasks with its own units.
#pragma once

#include <cstddef>

namespace smw {

// Elements per task, and the fewest elements for which a call is shared
// among threads (below, handing off costs more than it saves): measured
// with bench/threads.mjs (README, "Threads").
constexpr size_t kTaskGrain = 16384;
constexpr size_t kParallelMin = 65536;

using TaskFn = void (*)(const void* ctx, size_t begin, size_t end);

// Whether a call of `work` elements would be shared among threads now.
bool parallel_wanted(size_t work);

void run_tasks_impl(size_t units, size_t per, size_t work, TaskFn fn, const void* ctx);

template <class Body>
inline void run_tasks(size_t units, size_t per, size_t work, const Body& body) {
  if (units == 0) return;
  if (per == 0) per = 1;
  if (units <= per || !parallel_wanted(work)) {
    for (size_t b = 0; b < units; b += per) body(b, b + per < units ? b + per : units);
    return;
  }
  run_tasks_impl(
      units, per, work,
      [](const void* ctx, size_t b, size_t e) { (*static_cast<const Body*>(ctx))(b, e); }, &body);
}

}  // namespace smw
