// sample.h — the next token from logits: logits processors, warpers, a
// seeded categorical draw (sample.cc), and top-k / argmax along an axis
// (top_k.cc).
//
// Semantics (README "Sampling" has the formulas): per row of `vocab` logits x,
//   1. repetition penalty r on every distinct token of the row's history:
//      y = y < 0 ? y * r : y / r                    (HF RepetitionPenaltyLogitsProcessor)
//   2. frequency / presence penalties (OpenAI): y = y - c * fp, then y = y - pp
//      for a token seen c > 0 times
//   3. logit bias: y = y + b
//   4. temperature T > 0: z = y / T. Steps 1-4 run in double and round once to
//      the dtype; a token without penalty or bias gets z = fl(x / T) (the
//      SIMD float32 pass may get it from a product by fl(1 / T) where that
//      gives the same bits: sample.cc temper_max).
//      T == 0 is greedy: the first index of the largest y, nothing else kept.
//   5. top-k: keep z >= the k-th largest z (ties with it kept, as HF).
//   6. top-p: keep z >= v_p, v_p the smallest value level v with
//      mass(z > v) < p * mass(kept), so the kept set is the smallest group of
//      most probable tokens (whole tie groups) whose mass reaches p.
//   7. min-p: keep w >= minP, w = e^(z - max) (the best token has w = 1).
//   8. draw: u in [0, 1) from Philox4x32-10 (philox.h), the token is the
//      first kept index i whose cumulative weight P(i) exceeds u * P(vocab-1).
// Every weight is w = exp_weight(z - max) (weights.h, the same bits in every
// build and in the JS reference) and every mass is the 8-lane canonical sum
// of weights.h, so the kept set and the token depend on the inputs alone:
// SIMD build, scalar build, native, Node and browsers agree bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "softmax.h"

namespace smw {

// A row whose processed logits hold a NaN or +Infinity, or are all -Infinity.
constexpr Status kBadRow = Status(7);

template <class T>
struct SampleArgs {
  const T* logits = nullptr;  // rows x vocab
  // The caller's own copy of the logits, which sample() may overwrite with
  // the processed values (the JS wrapper's scratch copy): then a row with
  // penalties or bias at T = 1 costs no O(vocab) copy, and z = x / T is
  // computed in place. Otherwise the logits are only read.
  bool logits_writable = false;
  size_t rows = 0, vocab = 0;
  double temperature = 1.0;         // >= 0; 0 = greedy
  size_t top_k = 0;                 // 0 = off
  double top_p = 1.0;               // (0, 1]; 1 = off
  double min_p = 0.0;               // [0, 1); 0 = off
  double repetition_penalty = 1.0;  // > 0
  double presence_penalty = 0.0;
  double frequency_penalty = 0.0;
  // History: row r's token ids are history[history_range[2r] .. history_range[2r+1]).
  const int32_t* history = nullptr;
  const uint32_t* history_range = nullptr;  // 2 * rows entries, or null for none
  // Logit bias: bias_count distinct token ids, ascending, and their biases.
  const int32_t* bias_ids = nullptr;
  const double* bias_values = nullptr;
  size_t bias_count = 0;
  // Generator: Philox4x32-10 key and the stream position of row 0's draw;
  // row r uses position + r.
  uint32_t key0 = 0, key1 = 0;
  uint64_t position = 0;
  // Outputs (any may be null): the token per row, its log-probability under
  // the distribution it was drawn from, and the filtered logits (rows x vocab,
  // processed values where kept, -Infinity where cut).
  int32_t* tokens = nullptr;
  double* log_probs = nullptr;
  T* filtered = nullptr;
  // Workspace of sample_workspace_bytes(...) bytes, 16-byte aligned.
  void* work = nullptr;
  // On kBadRow / kBadIndex: bad_row[0] = the row at fault, bad_row[1] = why
  // (kBadRow: 1 NaN, 2 +Infinity, 3 every logit -Infinity, after processing).
  uint32_t* bad_row = nullptr;
};

// Rows of one call are independent: the threaded build splits them into at
// most kRowSlots tasks (a function of the row count alone), each with its own
// workspace; the single-thread builds run one task.
#ifdef __EMSCRIPTEN_PTHREADS__
constexpr size_t kRowSlots = 4;
#else
constexpr size_t kRowSlots = 1;
#endif
inline size_t row_slots(size_t rows) { return rows < kRowSlots ? (rows ? rows : 1) : kRowSlots; }

// Bytes of workspace sample() needs for this vocabulary, longest history and
// row count (one workspace per task).
template <class T>
size_t sample_workspace_bytes(size_t vocab, size_t max_history, size_t rows = 1);

// Processes, filters and (when tokens or log_probs is set) draws every row.
// On an error, rows before the bad one may have been written (the JS wrapper
// hands the kernel scratch outputs and copies them only on success).
template <class T>
Status sample(const SampleArgs<T>& a);

// torch.topk along an axis of (outer, n, inner): values and indices of shape
// (outer, k, inner). NaN is larger than every number; ties go to the lower
// index; -0 == +0. sorted: by value (descending when largest), ties by index;
// unsorted: ascending index order. work: top_k_workspace_bytes(n) bytes.
template <class T>
Status top_k(const T* x, T* values, int32_t* indices, size_t outer, size_t n, size_t inner,
             size_t k, bool largest, bool sorted, void* work);
size_t top_k_workspace_bytes(size_t n, size_t outer = 1);

// torch.argmax along an axis: the first index of the largest value (the
// first NaN if there is one). n >= 1.
template <class T>
Status argmax(const T* x, int32_t* out, size_t outer, size_t n, size_t inner);

namespace detail {
// The draw's two forms, for tests/cpp: the weights of z (row max `max`) with
// z >= keep_from kept; returns the first index whose canonical prefix mass
// exceeds t (n if none) and sets *total to the kept set's mass. dense: the
// snapshot-and-replay pass; list: the candidate list.
template <class T>
size_t draw_dense(const T* z, size_t n, T max, double t, double* total);
template <class T>
size_t draw_list(const T* z, size_t n, T max, T keep_from, double t, double* total);
// The canonical mass of every token of z (row max `max`) by the dense pass,
// with exp_weight's clamp or without it (valid when every z - max >= kMin).
template <class T>
double dense_mass(const T* z, size_t n, T max, bool clamp);
// z = fl(x / temperature) as the processing pass computes it (returns the max).
template <class T>
T temper(const T* x, size_t n, double temperature, T* z);
}  // namespace detail

// Name of the sampling kernels' variant, for sm.kernels.
const char* sampling_variant();

}  // namespace smw
