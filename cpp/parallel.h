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
//
// The stream (threaded build only): for a big call whose arrays the package
// copies in and out of wasm memory, bindings/softmax-wasm.js does not copy
// before and after the kernel but arms a stream (smw_stream_arm(outer)), and
// the call's first run_tasks does the copies itself through the package's
// callbacks, by outer slices: serially it copies everything in, runs, copies
// everything out; shared, it publishes the tasks as the slices they read are
// copied in (the workers start on the first ones while the calling thread
// copies the rest), and the calling thread copies out each prefix of slices
// whose tasks are done between its own tasks and while it waits. The units
// of a streamed op's run_tasks must be `outer * k` with unit u inside outer
// slice u / k (rows, slices, inner ranges of a slice, samples o * inner + i),
// and the op must read its streamed inputs and write its streamed outputs
// only inside that run_tasks; a kernel that reads them elsewhere calls
// stream_in_all() first (the package copies out what is left after the call).
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

#ifdef __EMSCRIPTEN_PTHREADS__
// The armed stream's outer slice count (0: none); threads.cc.
extern size_t stream_outer;
inline bool stream_armed() { return stream_outer != 0; }
// Copies every streamed input in now (for a kernel that reads them outside run_tasks).
void stream_in_all();
#else
constexpr bool stream_armed() { return false; }
inline void stream_in_all() {}
#endif

template <class Body>
inline void run_tasks(size_t units, size_t per, size_t work, const Body& body) {
  if (units == 0) return;
  if (per == 0) per = 1;
  if (!stream_armed() && (units <= per || !parallel_wanted(work))) {
    for (size_t b = 0; b < units; b += per) body(b, b + per < units ? b + per : units);
    return;
  }
  run_tasks_impl(
      units, per, work,
      [](const void* ctx, size_t b, size_t e) { (*static_cast<const Body*>(ctx))(b, e); }, &body);
}

}  // namespace smw
