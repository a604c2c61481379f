// passes.h — the small passes the softmax-family ops are composed of, and
// the one dispatcher that picks each fibre's layout.
//
// Where things live:
//   vec.h      the vector types (F32x4, F64x2 on SIMD128; Scalar<T>), the
//              Wide<V> double accumulators and everything else written with
//              raw wasm intrinsics, each overload next to its generic form
//              (reciprocal, log_of, log1p_lanes, rows4_sums_f32, ...);
//   exp.h      the exp and its modes (with_exp_mode);
//   passes.h   (this file) the passes of each layout and run_layouts;
//   each .cc   one op family: its per-fibre arithmetic, its passes for each
//              layout bundled in a small struct (SoftmaxPasses,
//              BackwardPasses, LogSumExpPasses, IndexLossPasses) that
//              run_layouts calls, and its status checks. cross_entropy.cc
//              writes a sample's loss and gradient once (IndexLoss and the
//              helpers after it); every layout calls them.
//
// The four layouts (see softmax.h for the (outer, n, inner) view), chosen by
// run_layouts at the end of this file, the only place that chooses:
//   rows        inner == 1: one contiguous fibre at a time (row_*): vectors
//               run along the fibre, reductions end in a horizontal sum/max;
//   short rows  inner == 1 and n <= kShortRow: kLanes rows at once, one row
//               per lane (rows_to_lanes / lanes_to_rows around the strided
//               passes, or the backward pass's own group reductions);
//   lane groups inner > 1: V::kLanes neighbouring fibres at once (strided_*):
//               lane l of every vector is fibre l, element k sits at
//               p[k * inner + l], so no reduction crosses lanes and nothing is
//               transposed; the last inner % kLanes fibres use Scalar<T>;
//   columns     inner >= kColumnInner: chunks of kColumnBlock neighbouring
//               fibres whose passes sweep each row's contiguous segment
//               (column_ranges, for_row_sweeps).
// Row passes handle the last n % kLanes elements with one full vector that
// ends at the end of the fibre and overlaps the previous one: its inputs are
// loaded before the main loop (so in-place use still sees the original
// values), the overlapping lanes are masked out of sums and recompute the
// same values where stored. A fibre shorter than one vector is padded
// through a small buffer instead (-inf for max and exp, 0 for sums).
//
// Summation: exp values are positive, so the row exp-sum adds blocks of
// kSumBlock elements in T (8 terms per lane and accumulator) and each
// block's total in double. Sums and dot products of mixed signs
// (the backward passes) widen every term to double (vec.h, Wide).
#pragma once

#include <algorithm>
#include <type_traits>

#include "exp.h"
#include "parallel.h"
#include "softmax.h"

namespace smw {

// Elements per block summed in T: 8 terms per lane and accumulator whatever
// the vector width (<= 4.2e-7 relative in float32).
template <class V>
constexpr size_t kSumBlock = 16 * V::kLanes;

template <class V>
inline V load_partial(const typename V::Elem* p, size_t k, typename V::Elem fill) {
  typename V::Elem t[V::kLanes];
  for (size_t i = 0; i < V::kLanes; ++i) t[i] = i < k ? p[i] : fill;
  return V::load(t);
}

template <class V>
inline void store_partial(typename V::Elem* p, size_t k, V v) {
  typename V::Elem t[V::kLanes];
  v.store(t);
  for (size_t i = 0; i < k; ++i) p[i] = t[i];
}

template <class T>
constexpr T kInf = std::numeric_limits<T>::infinity();
template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

template <class T>
inline bool finite(T v) {
  return v - v == T(0);
}

// ---- contiguous fibres ---------------------------------------------------

// The range of a fibre: its largest element (NaN if any is NaN, -inf for
// n == 0) and its smallest (meaningful when the largest is finite). pmax and
// pmin, with NaN tracked apart: see vec.h.
template <class T>
struct Range {
  T max, min;
};

// kTrackNaN false: NaN elements are skipped (pmax / pmin keep their first
// argument), for callers that find a NaN later from their exp-sum (a NaN
// makes it NaN), once per fibre instead of per element.
template <class V, bool kTrackNaN = true>
Range<typename V::Elem> row_range(const typename V::Elem* x, size_t n) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  V m0 = V::splat(-kInf<T>), m1 = m0;
  V l0 = V::splat(kInf<T>), l1 = l0;
  auto nan = is_nan(m0);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const V a = V::load(x + i), b = V::load(x + i + N);
    m0 = pmax(m0, a);
    m1 = pmax(m1, b);
    l0 = pmin(l0, a);
    l1 = pmin(l1, b);
    if (kTrackNaN) nan = nan | (is_nan(a) | is_nan(b));
  }
  if (i < n) {
    // The rest: one vector and/or the tail vector ending at n (overlaps are harmless here).
    const V a = n >= N ? V::load(x + std::min(i, n - N)) : load_partial<V>(x, n, x[0]);
    const V b = n >= N ? V::load(x + n - N) : a;
    m0 = pmax(m0, a);
    m1 = pmax(m1, b);
    l0 = pmin(l0, a);
    l1 = pmin(l1, b);
    if (kTrackNaN) nan = nan | (is_nan(a) | is_nan(b));
  }
  if (kTrackNaN && any(nan)) return {kNaN<T>, kNaN<T>};
  // Without NaN lanes pmax / pmin finish the job (a zero max may then come
  // out -0 where hmax gives +0: x - m and every output are the same).
  if (!kTrackNaN) return {hpmax(pmax(m0, m1)), hpmin(pmin(l0, l1))};
  return {hmax(max(m0, m1)), hmin(min(l0, l1))};
}

// exp((x - m) / T) of x (-inf gives 0), in mode M (exp.h).
template <class V, class M>
inline V exp_minus(V x, V m, const ExpScale<typename V::Elem>& s) {
  V d, e;
  if (M::two_sum)
    two_diff(x, m, d, e);
  else
    d = x - m;
  return exp_shifted<V, M>(d, e, s);
}

// Calls add(e, k) with each vector e = exp((x - m) / T) of the fibre (k: 0 or
// 1, a choice of accumulator); lanes of the tail vector that overlap the main
// loop, or pad a short fibre, are 0 in what add() sees.
template <class V, class M, bool kStore, class Add>
inline void row_exp_each(const typename V::Elem* x, typename V::Elem* y, size_t n, V vm,
                         const ExpScale<typename V::Elem>& s, Add add) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  const size_t rem = n % N;
  if (n < N) {
    if (n == 0) return;
    // The padding lanes are not part of the fibre: whatever their exp is in
    // mode M, they are not stored and are zeroed before add().
    V e = exp_minus<V, M>(load_partial<V>(x, n, -kInf<T>), vm, s);
    if (kStore) store_partial(y, n, e);
    add(zero_where(V::lanes_from(n), e), 1);
    return;
  }
  const V tail = V::load(x + n - N);  // before any store: y may be x
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    V e0 = exp_minus<V, M>(V::load(x + i), vm, s);
    V e1 = exp_minus<V, M>(V::load(x + i + N), vm, s);
    if (kStore) {
      e0.store(y + i);
      e1.store(y + i + N);
    }
    add(e0, 0);
    add(e1, 1);
  }
  for (; i + N <= n; i += N) {
    V e0 = exp_minus<V, M>(V::load(x + i), vm, s);
    if (kStore) e0.store(y + i);
    add(e0, 0);
  }
  if (rem) {
    V e = exp_minus<V, M>(tail, vm, s);
    if (kStore) e.store(y + n - N);
    add(select(V::lanes_from(N - rem), e, V::splat(T(0))), 1);
  }
}

// Sum of exp((x - m) / T) over the fibre, in double; with kStore also writes
// each exp to y. m must be finite and >= every x. Blocks of kSumBlock are
// summed in T, each block's total in double.
//
// Each instantiation must keep two callers or more (softmax.cc and
// cross_entropy.cc, log_sum_exp.cc): binaryen's -O3 inlines a function with a
// single caller whatever its size and whatever `noinline` says, and V8 ran
// this loop 1.5x slower inlined into cross-entropy's big sample function
// (bench/VARIANTS.md, "crossEntropy against native, round 3").
template <class V, class M, bool kStore>
double row_exp_sum(const typename V::Elem* x, typename V::Elem* y, size_t n, typename V::Elem m,
                   const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  const V vm = V::splat(m);
  double total = 0.0;
  size_t i = 0;
  // Main loop: 4 vectors per iteration into 4 accumulators (measured faster
  // than 1 or 2 in V8, bench/VARIANTS.md), 8 iterations per block.
  constexpr size_t kBlock4 = 4 * kSumBlock<V> / 2;
  for (; i + kBlock4 <= n; i += kBlock4) {
    V a0 = V::splat(T(0)), a1 = a0, a2 = a0, a3 = a0;
    for (size_t j = i; j < i + kBlock4; j += 4 * N) {
      const V e0 = exp_minus<V, M>(V::load(x + j), vm, s);
      const V e1 = exp_minus<V, M>(V::load(x + j + N), vm, s);
      const V e2 = exp_minus<V, M>(V::load(x + j + 2 * N), vm, s);
      const V e3 = exp_minus<V, M>(V::load(x + j + 3 * N), vm, s);
      if (kStore) {
        e0.store(y + j);
        e1.store(y + j + N);
        e2.store(y + j + 2 * N);
        e3.store(y + j + 3 * N);
      }
      a0 = a0 + e0;
      a1 = a1 + e1;
      a2 = a2 + e2;
      a3 = a3 + e3;
    }
    total += hsum((a0 + a1) + (a2 + a3));
  }
  // The rest, in blocks of kSumBlock with the tail handling of row_exp_each.
  for (; i < n; i += kSumBlock<V>) {
    V a0 = V::splat(T(0)), a1 = a0;
    row_exp_each<V, M, kStore>(x + i, kStore ? y + i : nullptr, std::min(kSumBlock<V>, n - i), vm,
                               s, [&](V e, int k) { (k ? a1 : a0) = (k ? a1 : a0) + e; });
    total += hsum(a0 + a1);
  }
  return total;
}

// y[i] = f(a[i]) for a contiguous fibre; a and y may be the same array.
template <class V, class F>
inline void row_map(const typename V::Elem* a, typename V::Elem* y, size_t n, F f) {
  constexpr size_t N = V::kLanes;
  if (n < N) {
    if (n) store_partial(y, n, f(load_partial<V>(a, n, typename V::Elem(0))));
    return;
  }
  const V tail = V::load(a + n - N);  // before any store: y may be a
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    V r0 = f(V::load(a + i));
    V r1 = f(V::load(a + i + N));
    r0.store(y + i);
    r1.store(y + i + N);
  }
  for (; i + N <= n; i += N) f(V::load(a + i)).store(y + i);
  if (i < n) f(tail).store(y + n - N);
}

// y[i] = f(a[i], b[i]) for a contiguous fibre; y may be a or b.
template <class V, class F>
inline void row_map2(const typename V::Elem* a, const typename V::Elem* b, typename V::Elem* y,
                     size_t n, F f) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  if (n < N) {
    if (n) store_partial(y, n, f(load_partial<V>(a, n, T(0)), load_partial<V>(b, n, T(0))));
    return;
  }
  const V ta = V::load(a + n - N), tb = V::load(b + n - N);  // before any store: y may be a or b
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    V r0 = f(V::load(a + i), V::load(b + i));
    V r1 = f(V::load(a + i + N), V::load(b + i + N));
    r0.store(y + i);
    r1.store(y + i + N);
  }
  for (; i + N <= n; i += N) f(V::load(a + i), V::load(b + i)).store(y + i);
  if (i < n) f(ta, tb).store(y + n - N);
}

// The last n % kLanes elements of a fibre as a vector, other lanes 0.
template <class V>
inline V tail_of(const typename V::Elem* a, size_t n) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  if (n < N) return load_partial<V>(a, n, T(0));
  return select(V::lanes_from(N - n % N), V::load(a + n - N), V::splat(T(0)));
}

// sum(a[i] * b[i]) (or sum(a[i]) when b is null), every term in double.
template <class V>
double row_wide_sum(const typename V::Elem* a, const typename V::Elem* b, size_t n) {
  constexpr size_t N = V::kLanes;
  Wide<V> w0, w1;
  size_t i = 0;
  if (b) {
    for (; i + 2 * N <= n; i += 2 * N) {
      add_product_at(w0, a + i, b + i);
      add_product_at(w1, a + i + N, b + i + N);
    }
    for (; i + N <= n; i += N) add_product_at(w0, a + i, b + i);
    if (i < n) w1.add_product(tail_of<V>(a, n), tail_of<V>(b, n));
  } else {
    for (; i + 2 * N <= n; i += 2 * N) {
      w0.add(V::load(a + i));
      w1.add(V::load(a + i + N));
    }
    for (; i + N <= n; i += N) w0.add(V::load(a + i));
    if (i < n) w1.add(tail_of<V>(a, n));
  }
  w0.merge(w1);
  return w0.sum();
}

// ---- kLanes neighbouring fibres of a strided axis -------------------------

// Lane-wise range over the n elements at p[k * inner]: max is NaN in lanes
// that hold a NaN.
template <class V>
inline Range<V> strided_range(const typename V::Elem* p, size_t n, size_t inner) {
  using T = typename V::Elem;
  V m = V::splat(-kInf<T>), l = V::splat(kInf<T>);
  auto nan = is_nan(m);
  for (size_t k = 0; k < n; ++k) {
    const V a = V::load(p + k * inner);
    m = pmax(m, a);
    l = pmin(l, a);
    nan = nan | is_nan(a);
  }
  return {select(nan, V::splat(kNaN<T>), m), l};
}

// The largest max - min over the lanes whose fibre is finite (for with_exp_mode).
// (No lane of span is NaN: hpmax, a few vector operations, where a lane
// loop of scalar converts and compares cost a short-rows group ~10%.)
template <class V>
inline double lanes_range(const Range<V>& r) {
  using T = typename V::Elem;
  const V span = select(is_finite(r.max), r.max - r.min, V::splat(T(0)));
  return std::max(0.0, double(hpmax(span)));
}

// Elements per lane summed in T before a strided exp-sum adds the block in
// double: 8, the count a row block gives each lane and accumulator.
template <class V>
constexpr size_t kStridedBlock = kSumBlock<V> / V::kLanes / 2;

// A strided axis with a large inner size runs in column blocks (softmax.cc
// softmax_columns, softmax_backward.cc backward_columns, cross_entropy.cc
// ce_index_columns): softmax_strided
// on one lane group walks n rows `inner` apart for every 16 bytes it touches,
// more concurrent streams than the prefetcher follows (1x21x65536 measured
// 3-5x slower per element than contiguous rows). From kColumnInner on, each
// pass runs over a chunk of kColumnBlock<T> neighbouring fibres at once,
// reading row k's contiguous segment x[k * inner + j0 ..) with one vector per
// lane group and keeping every group's state (range, sums) in small arrays
// that stay in L1. Per lane the arithmetic is that of softmax_strided (the
// same blocks of kStridedBlock terms summed in T, then in Wide<V>); only the
// exp mode is chosen once per chunk, from its widest finite range.
// Measured (float32, V8, bench of 1 x n x inner): from inner = 16 on the
// blocks are as fast or faster (1x1000x16 1.9 vs 2.3 ns/element, 1x1000x32
// 1.8 vs 2.3), at inner = 8 they only tie. Chunks of 128..1024 floats
// timed alike within noise; 2 kB (512 floats, 256 doubles) keeps the
// chunk's state arrays (~14 kB) in L1.
constexpr size_t kColumnInner = 16;
template <class T>
constexpr size_t kColumnBlock = 2048 / sizeof(T);

// Rows of a chunk each pass handles per sweep over its lane groups: fewer
// loads and stores of the per-group state, and R independent exps side by
// side (measured: 2 rows 15-20% faster than 1, 4 rows a few % more).
constexpr size_t kColumnRows = 4;

// Calls body(k, R) for k = k0, k0 + R, ... < end, R = kColumnRows while R
// rows remain, then 1 (R an integral_constant).
template <size_t R = kColumnRows, class Body>
inline void for_row_sweeps(size_t k0, size_t end, Body body) {
  size_t k = k0;
  for (; k + R <= end; k += R) body(k, std::integral_constant<size_t, R>{});
  for (; k < end; ++k) body(k, std::integral_constant<size_t, 1>{});
}

// Pass 1 of a column chunk: for each of its `groups` lane groups (vector g
// of the rows x + k * inner, k < n) the lane-wise range, as strided_range
// gives it: max is NaN in lanes whose fibre holds a NaN.
template <class V>
inline void column_ranges(const typename V::Elem* x, size_t n, size_t inner, size_t groups,
                          Range<V>* r) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  typename V::Mask nan[kColumnBlock<T> / L];
  for (size_t g = 0; g < groups; ++g) {
    r[g] = {V::splat(-kInf<T>), V::splat(kInf<T>)};
    nan[g] = is_nan(r[g].max);
  }
  for_row_sweeps(0, n, [&](size_t k, auto rows_tag) {
    constexpr size_t rows = decltype(rows_tag)::value;
    const T* p = x + k * inner;
    for (size_t g = 0; g < groups; ++g) {
      V m = r[g].max, l = r[g].min;
      auto seen = nan[g];
      V a[rows];
      for (size_t i = 0; i < rows; ++i) a[i] = V::load(p + i * inner + g * L);
      for (size_t i = 0; i < rows; ++i) {
        m = pmax(m, a[i]);
        l = pmin(l, a[i]);
        seen = seen | is_nan(a[i]);
      }
      r[g] = {m, l};
      nan[g] = seen;
    }
  });
  for (size_t g = 0; g < groups; ++g) r[g].max = select(nan[g], V::splat(kNaN<T>), r[g].max);
}

// Pass 1 of a column chunk with its shifts (softmax.cc softmax_columns,
// log_sum_exp.cc): column_ranges, then each group's shift ms[g], its lanes'
// maxima where finite and 0 elsewhere (the selects of softmax_strided).
// Returns the chunk's exp range for with_exp_mode: the widest max - min of
// its finite fibres (lanes_range over the whole chunk).
template <class V>
inline double column_shifts(const typename V::Elem* x, size_t n, size_t inner, size_t groups,
                            Range<V>* r, V* ms) {
  using T = typename V::Elem;
  column_ranges<V>(x, n, inner, groups, r);
  V widest = V::splat(T(0));
  for (size_t g = 0; g < groups; ++g) {
    const auto ok = is_finite(r[g].max);
    widest = max(widest, select(ok, r[g].max - r[g].min, V::splat(T(0))));
    ms[g] = select(ok, r[g].max, V::splat(T(0)));
  }
  double range = 0.0;
  for (size_t l = 0; l < V::kLanes; ++l) range = std::max(range, double(widest.lane(l)));
  return range;
}

// Pass 2 of a column chunk in exp mode M (softmax.cc softmax_columns,
// log_sum_exp.cc): exp((x - m) / T) of the chunk's `groups` lane groups
// (group g's lane maxima ms[g]), with kStore stored to y (else y is unused
// and may be null), summed per lane in blocks of kStridedBlock terms in T, each block
// total added to sum[g] in double. Within a sweep each group takes its R
// rows in order k, k + 1, ..., so every lane sees the operations of
// softmax_strided in the same order.
// A function of its own with its sizes and the exp constants by value, not a
// lambda over softmax_columns' locals: a lambda left out of line by clang
// (with_exp_mode's call) reads every captured size and constant through a
// pointer, again after each store to y (which might alias them), and binaryen
// then inlines it back anyway.
template <class V, class M, bool kStore>
void column_exp_sums(const typename V::Elem* x, typename V::Elem* y, size_t n, size_t inner,
                     size_t groups, const V* ms, Wide<V>* sum,
                     const ExpScale<typename V::Elem>& scale) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  const ExpScale<T> s = scale;  // a local copy: its constants stay in registers
  V acc[kColumnBlock<T> / L];
  for (size_t k0 = 0; k0 < n; k0 += kStridedBlock<V>) {
    for (size_t g = 0; g < groups; ++g) acc[g] = V::splat(T(0));
    for_row_sweeps(k0, std::min(n, k0 + kStridedBlock<V>), [&](size_t k, auto rows_tag) {
      constexpr size_t rows = decltype(rows_tag)::value;
      const T* p = x + k * inner;
      T* q = kStore ? y + k * inner : nullptr;
      for (size_t g = 0; g < groups; ++g) {
        const V m = ms[g];
        V a = acc[g];
        V e[rows];  // the rows' exps side by side, then stored and added in order
        for (size_t r = 0; r < rows; ++r)
          e[r] = exp_minus<V, M>(V::load(p + r * inner + g * L), m, s);
        if (kStore)
          for (size_t r = 0; r < rows; ++r) e[r].store(q + r * inner + g * L);
        for (size_t r = 0; r < rows; ++r) a = a + e[r];
        acc[g] = a;
      }
    });
    for (size_t g = 0; g < groups; ++g) sum[g].add(acc[g]);
  }
}

// Calls add(e) with each vector e = exp((x - m) / T), k = 0..n-1, and
// end_block() after every kStridedBlock of them and after the last; with
// kStore also writes each e to y (which may be x).
template <class V, class M, bool kStore, class Add, class EndBlock>
inline void strided_exp_each(const typename V::Elem* x, typename V::Elem* y, size_t n, size_t inner,
                             V m, const ExpScale<typename V::Elem>& s, Add add,
                             EndBlock end_block) {
  for (size_t k0 = 0; k0 < n; k0 += kStridedBlock<V>) {
    const size_t end = std::min(n, k0 + kStridedBlock<V>);
    for (size_t k = k0; k < end; ++k) {
      const V e = exp_minus<V, M>(V::load(x + k * inner), m, s);
      if (kStore) e.store(y + k * inner);
      add(e);
    }
    end_block();
  }
}

// Lane-wise sum of exp((x - m) / T) in double; with kStore writes each exp.
// As in row_exp_sum, blocks are summed in T first.
template <class V, class M, bool kStore>
inline Wide<V> strided_exp_sum(const typename V::Elem* x, typename V::Elem* y, size_t n,
                               size_t inner, V m, const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  Wide<V> w;
  V acc = V::splat(T(0));
  strided_exp_each<V, M, kStore>(
      x, y, n, inner, m, s, [&](V e) { acc = acc + e; },
      [&] {
        w.add(acc);
        acc = V::splat(T(0));
      });
  return w;
}

// Lane-wise sum(a * b) (or sum(a) when b is null), every term in double.
template <class V>
inline Wide<V> strided_wide_sum(const typename V::Elem* a, const typename V::Elem* b, size_t n,
                                size_t inner) {
  Wide<V> w;
  for (size_t k = 0; k < n; ++k) {
    if (b)
      w.add_product(V::load(a + k * inner), V::load(b + k * inner));
    else
      w.add(V::load(a + k * inner));
  }
  return w;
}

// ---- short rows, kLanes at a time ---------------------------------------

// Rows this short cost more in per-row work (reductions across lanes, a
// tail) than in exps; the ops run them kLanes at a time instead, transposed
// into a small buffer so that each lane holds one row, through their strided
// kernels (inner = kLanes).
constexpr size_t kShortRow = 16;

// The kLanes x kLanes block of rows src + i * src_stride (i < kLanes) to
// dst + j * dst_stride, transposed in registers: lane i of row j goes to
// lane j of row i.
template <class V>
inline void transpose_block(const typename V::Elem* src, size_t src_stride, typename V::Elem* dst,
                            size_t dst_stride) {
  V r[V::kLanes];
  for (size_t i = 0; i < V::kLanes; ++i) r[i] = V::load(src + i * src_stride);
  transpose(r);
  for (size_t j = 0; j < V::kLanes; ++j) r[j].store(dst + j * dst_stride);
}

// Copies kLanes rows of n contiguous elements (row l at x + l * n) into the
// strided layout of one lane group: element k of row l to buf[k * kLanes + l].
// Blocks of kLanes columns are transposed in registers; the last block ends
// at column n and may overlap the one before (it rewrites the same values).
template <class V>
inline void rows_to_lanes(const typename V::Elem* x, size_t n, typename V::Elem* buf) {
  constexpr size_t L = V::kLanes;
  if (n < L) {
    for (size_t k = 0; k < n * L; ++k) buf[k] = x[k % L * n + k / L];
    return;
  }
  for (size_t k0 = 0; k0 < n; k0 += L) {
    const size_t k = std::min(k0, n - L);
    transpose_block<V>(x + k, n, buf + k * L, L);
  }
}

// The inverse of rows_to_lanes: lane l of buf back to row l at y + l * n.
template <class V>
inline void lanes_to_rows(const typename V::Elem* buf, size_t n, typename V::Elem* y) {
  constexpr size_t L = V::kLanes;
  if (n < L) {
    for (size_t k = 0; k < n * L; ++k) y[k % L * n + k / L] = buf[k];
    return;
  }
  for (size_t k0 = 0; k0 < n; k0 += L) {
    const size_t k = std::min(k0, n - L);
    transpose_block<V>(buf + k * L, L, y + k, n);
  }
}

// Short rows [first, first + rows) of n <= kShortRow elements (rows a multiple
// of kLanes), kLanes at a time: each group copied into one lane group of a
// buffer (rows_to_lanes), then body(buf, r), r the group's first row
// (the short_rows of softmax.cc, log_sum_exp.cc and cross_entropy.cc).
template <class V, class Body>
inline void short_row_groups(const typename V::Elem* x, size_t n, size_t first, size_t rows,
                             Body body) {
  alignas(16) typename V::Elem buf[kShortRow * V::kLanes];
  for (size_t r = first; r < first + rows; r += V::kLanes) {
    rows_to_lanes<V>(x + r * n, n, buf);
    body(buf, r);
  }
}

// The reductions of short rows for the backward passes (softmax_backward.cc):
// sum(a * b), or sum(a) when kLog, of one row of n, every term in double:
// whole vectors and one masked vector ending at n (n >= kLanes), else one
// lane at a time.
template <class V, bool kLog>
double short_reduce(const typename V::Elem* a, const typename V::Elem* b, size_t n) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  if (n < L) {
    Wide<Scalar<T>> w;
    for (size_t k = 0; k < n; ++k) {
      if (kLog)
        w.add(Scalar<T>{a[k]});
      else
        w.add_product(Scalar<T>{a[k]}, Scalar<T>{b[k]});
    }
    return w.sum();
  }
  Wide<V> w;
  size_t k = 0;
  for (; k + L <= n; k += L) {
    if (kLog)
      w.add(V::load(a + k));
    else
      add_product_at(w, a + k, b + k);
  }
  if (k < n) {
    const auto tail = V::lanes_from(L - n % L);
    if (kLog)
      w.add(keep_where(tail, V::load(a + n - L)));
    else
      w.add_product(keep_where(tail, V::load(a + n - L)), keep_where(tail, V::load(b + n - L)));
  }
  return w.sum();
}

// short_reduce of kLanes consecutive rows of n, as a vector (lane l: row l);
// float32 SIMD has its own loop over the 4 rows at once (vec.h rows4_sums_f32).
template <class V, bool kLog>
inline V short_group_reduce(const typename V::Elem* g, const typename V::Elem* s, size_t n) {
  using T = typename V::Elem;
  alignas(16) T c[V::kLanes];
  for (size_t l = 0; l < V::kLanes; ++l) c[l] = T(short_reduce<V, kLog>(g + l * n, s + l * n, n));
  return V::load(c);
}
#if SOFTMAX_WASM_SIMD128
template <>
inline F32x4 short_group_reduce<F32x4, false>(const float* g, const float* s, size_t n) {
  return rows4_sums_f32<false>(g, s, n);
}
template <>
inline F32x4 short_group_reduce<F32x4, true>(const float* g, const float* s, size_t n) {
  return rows4_sums_f32<true>(g, s, n);
}
#endif

// ---- the one layout dispatcher ---------------------------------------------

// Runs an op over the outer * inner fibres of an (outer, n, inner) tensor,
// each in one of the four layouts (the header comment); the op object says
// what each layout does:
//   op.row(o)                   the contiguous fibre o (inner == 1);
//   op.short_rows(o, rows)      rows [o, o + rows), o and rows multiples of
//                               kLanes (inner == 1, n <= kShortRow);
//   op.strided<V, U>(o, j)      U vectors of V (V::kLanes * U neighbouring
//                               fibres) at inner position j of slice o;
//   op.columns(o, j, width)     the column chunk of `width` fibres (a multiple
//                               of kLanes, <= the op's chunk width) at j;
// and which layouts it takes:
//   op.short_rows_pay(outer)    whether short rows are worth it here;
//   Op::kColumns                whether it has a column pass (from inner >=
//                               kColumnInner on; else lane groups);
//   Op::kStridedVectors         the most vectors a lane-group call takes
//                               (1, 2 or 4: 4, then 2, then 1 are used);
//   op.column_block(n)          optional: its chunk width for fibres of n, a
//                               multiple of kColumnBlock<T> (without it,
//                               kColumnBlock<T>; column_block_of).
// The last inner % kLanes fibres of each slice run as lane groups of
// Scalar<T>.
//
// Threads (parallel.h): the fibres are cut into tasks of about kTaskGrain
// elements, by the shape alone: groups of rows (a multiple of kLanes), or
// ranges of a slice's inner positions (multiples of the op's chunk width, a
// multiple of kColumnBlock<T>, itself a multiple of 4 * kLanes), or groups of
// whole slices. A task makes exactly
// the calls the whole run makes for its fibres, so every fibre gets the same
// layout, with or without threads. Within a task fibres go in order; the op
// must not depend on the order of tasks (a loss stores per-sample values).
//
// The ops mark their layout methods SMW_LAYOUT (not inlined): with every
// layout inlined into one function V8 compiled the hot loops worse (measured
// with bench/ab.mjs: cross-entropy's column chunks 1.2x slower; with them out
// of line, softmax and log-softmax rows ran 10-15% faster than before the
// dispatcher). A layout method runs once per call, row or lane group, so the
// calls cost nothing measurable, except per short row: the backward row
// (0.1 us a row of 256) and cross-entropy's columns measured best inline.
#define SMW_LAYOUT __attribute__((noinline))

// The chunk width of an op's column passes: op.column_block(n) where the op
// has one (softmax_backward.cc: wider chunks for short fibres), else
// kColumnBlock<T>.
template <class T, class Op>
auto column_block_of(const Op& op, size_t n, int) -> decltype(op.column_block(n)) {
  return op.column_block(n);
}
template <class T, class Op>
size_t column_block_of(const Op&, size_t, long) {
  return kColumnBlock<T>;
}

template <class T, class Op>
void run_layouts(const Op& op, size_t outer, size_t n, size_t inner, bool threads = true) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const size_t work = threads ? outer * n * inner : 0;  // 0: never shared
  if (inner == 1) {
    const bool short_rows = L > 1 && n <= kShortRow && op.short_rows_pay(outer);
    const size_t short_end = short_rows ? outer - outer % L : 0;
    // Rows longer than kTaskGrain go one a task (32x50257: 32 tasks, not 8 of
    // kLanes rows, so the last ones leave less of a tail); shorter rows in
    // multiples of kLanes (short rows are grouped by kLanes).
    size_t per = n ? kTaskGrain / n : kTaskGrain;
    per = per == 0 ? 1 : per < L ? L : per - per % L;
    run_tasks(outer, per, work, [&](size_t b, size_t e) {
      size_t o = b;
      if (o < short_end) {
        const size_t stop = e < short_end ? e : short_end;
        op.short_rows(o, stop - o);
        o = stop;
      }
      for (; o < e; ++o) op.row(o);
    });
    return;
  }
  const size_t vector_part = inner - inner % L;
  const bool columns = Op::kColumns && inner >= kColumnInner;
  const size_t block = columns ? column_block_of<T>(op, n, 0) : kColumnBlock<T>;
  // 4-vector lane groups run up to q4, then one 2-vector group up to q2;
  // where 2 is the most (kStridedVectors == 2), 2-vector groups up to q2.
  const size_t q4 = Op::kStridedVectors >= 4 ? inner - inner % (4 * L) : 0;
  const size_t q2 = Op::kStridedVectors == 2                          ? inner - inner % (2 * L)
                    : Op::kStridedVectors >= 2 && q4 + 2 * L <= inner ? q4 + 2 * L
                                                                      : q4;
  // The fibres [j0, j1) of slice o, as the whole run would make them.
  auto slice_part = [&](size_t o, size_t j0, size_t j1) {
    size_t j = j0;
    if (columns) {
      for (; j < vector_part && j < j1; j += block)
        op.columns(o, j, std::min(block, vector_part - j));
      j = std::max(j0, std::min(j1, vector_part));
    } else if constexpr (L > 1) {
      if constexpr (Op::kStridedVectors >= 4)
        for (; j + 4 * L <= j1 && j < q4; j += 4 * L) op.template strided<V, 4>(o, j);
      if constexpr (Op::kStridedVectors >= 4) {
        if (j == q4 && q2 > q4 && q2 <= j1) {
          op.template strided<V, 2>(o, j);
          j += 2 * L;
        }
      } else if constexpr (Op::kStridedVectors == 2) {
        for (; j < q2 && j + 2 * L <= j1; j += 2 * L) op.template strided<V, 2>(o, j);
      }
      for (; j + L <= j1 && j < vector_part; j += L) op.template strided<V, 1>(o, j);
    }
    for (; j < j1; ++j) op.template strided<Scalar<T>, 1>(o, j);
  };
  const size_t slice = n * inner;
  if (slice >= 2 * kTaskGrain && inner > block) {
    // Big slices: tasks of `width` inner positions (the last one of a slice may be shorter).
    size_t width = n ? kTaskGrain / n : kTaskGrain;
    width = width < block ? block : width - width % block;
    const size_t parts = (inner + width - 1) / width;
    run_tasks(outer * parts, 1, work, [&](size_t b, size_t e) {
      for (size_t u = b; u < e; ++u) {
        const size_t o = u / parts, j0 = u % parts * width;
        slice_part(o, j0, std::min(inner, j0 + width));
      }
    });
  } else {
    const size_t per = slice ? std::max<size_t>(1, kTaskGrain / slice) : outer;
    run_tasks(outer, per, work, [&](size_t b, size_t e) {
      for (size_t o = b; o < e; ++o) slice_part(o, 0, inner);
    });
  }
}

// Shared argument checks of the (outer, n, inner) ops.
inline Status check_geometry(const void* a, const void* b, const void* c, size_t outer, size_t n,
                             size_t inner) {
  if (n != 0 && inner != 0 && outer > SIZE_MAX / n / inner) return kSizeOverflow;
  if (outer * n * inner == 0) return kOk;
  if (!a || !b || !c) return kNullPointer;
  return kOk;
}

inline bool valid_temperature(double t) { return t > 0.0 && t <= 1.7976931348623157e308; }

}  // namespace smw
