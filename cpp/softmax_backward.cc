// softmax_backward.cc — vector-Jacobian products of softmax and log-softmax.
//
// The Jacobian of softmax is diag(s) - s s^T (diagonal plus rank one), so
// J^T dy = s * (dy - <dy, s>): one dot product and one elementwise pass; the
// n x n matrix is never built. For log-softmax, J = I - 1 s^T and
// J^T dy = dy - s * sum(dy) with s = exp(y). Both carry the 1/T of the
// temperature, because the forward pass computed f(x / T).
//
// Passes: dot (or sum) with every term widened to double -> elementwise.
// Layouts: long contiguous rows one at a time (passes.h row_*); rows of at
// most 16 kLanes at a time (backward_short_rows); a strided axis 4, 2 or 1
// vectors of neighbouring fibres at a time, so that each element row of
// inner values is read whole (backward_strided), or from inner = kColumnInner
// on in column chunks of kColumnBlock fibres (up to 4x that for short fibres:
// BackwardPasses::column_block) sweeping contiguous row segments
// (backward_columns, passes.h). With T == 1 the multiply by
// 1/T is left out (it would change nothing).
// The final subtraction may cancel, so the bound is componentwise against
// the size of its terms (below). Where 1/T overflows T, each element is
// computed in double and divided by T. exp(y) follows exp_any (exp.h).
// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----
//   softmaxBackward:
//     valid range: any input, any temperature in (0, DBL_MAX].
//     max error of dx: float32 2e-6; float64 5e-14; unit |got - exact| / (the size of the terms:
//       softmax |y| (|dy| + |<dy, y>|) / T, log-softmax (|dy| + exp(y) |sum dy|) / T).
//     NaN/inf: NaN and inf propagate through the arithmetic: one in dy or y reaches its whole
//       fibre through <dy, y>.
//   logSoftmaxBackward:
//     valid range: any input, any temperature in (0, DBL_MAX].
//     max error of dx: float32 2e-6; float64 5e-14; unit |got - exact| / (the size of the terms:
//       softmax |y| (|dy| + |<dy, y>|) / T, log-softmax (|dy| + exp(y) |sum dy|) / T).
//     NaN/inf: NaN and inf propagate through the arithmetic: one in dy reaches its whole fibre
//       through sum(dy), one in y stays in its element.
// ---- end accuracy contract ----
#include <utility>

#include "passes.h"
#include "softmax.h"

namespace smw {
namespace {

// dx of one vector: g the upstream gradient, s the forward output, c the
// fibre's <dy, y> (softmax) or sum(dy) (log-softmax), vt = 1/T (not applied
// when kUnit: T == 1, where the multiply would change nothing).
template <bool kLog, bool kUnit, class V>
inline V grad(V g, V s, V c, V vt, const ExpScale<typename V::Elem>& unit) {
  const V r = kLog ? g - exp_any(s, unit) * c : (g - c) * s;
  return kUnit ? r : r * vt;
}

// sum(a * b) (a alone when kLog) over a contiguous fibre, every term in double.
template <class V, bool kLog>
inline double row_reduce(const typename V::Elem* a, const typename V::Elem* b, size_t n) {
  return row_wide_sum<V>(a, kLog ? nullptr : b, n);
}

// One contiguous fibre.
template <class V, bool kLog, bool kUnit>
void backward_row(const typename V::Elem* g, const typename V::Elem* s, typename V::Elem* out,
                  size_t n, V vt, const ExpScale<typename V::Elem>& unit) {
  using T = typename V::Elem;
  const V c = V::splat(T(row_reduce<V, kLog>(g, s, n)));
  row_map2<V>(g, s, out, n, [&](V gv, V sv) { return grad<kLog, kUnit>(gv, sv, c, vt, unit); });
}

// U neighbouring vectors of kLanes fibres each along a strided axis (lane l
// of vector u is fibre u * kLanes + l; element k at p[k * inner]). With
// U < 4 the reduction alternates two accumulators over k, for more
// independent additions per iteration (measured: U = 2 with two, 0.84 ns per
// element at 256x1000x8 against 0.89 with one).
template <class V, size_t U, bool kLog, bool kUnit>
void backward_strided(const typename V::Elem* g, const typename V::Elem* s, typename V::Elem* out,
                      size_t n, size_t inner, V vt, const ExpScale<typename V::Elem>& unit) {
  constexpr size_t N = V::kLanes;
  constexpr size_t K = U >= 4 ? 1 : 2;
  Wide<V> w[U * K];
  size_t k = 0;
  for (; k + K <= n; k += K)
    for (size_t q = 0; q < K; ++q)
      for (size_t u = 0; u < U; ++u) {
        const size_t at = (k + q) * inner + u * N;
        if (kLog)
          w[q * U + u].add(V::load(g + at));
        else
          add_product_at(w[q * U + u], g + at, s + at);
      }
  for (; k < n; ++k)
    for (size_t u = 0; u < U; ++u) {
      const size_t at = k * inner + u * N;
      if (kLog)
        w[u].add(V::load(g + at));
      else
        add_product_at(w[u], g + at, s + at);
    }
  V c[U];
  for (size_t u = 0; u < U; ++u) {
    if (K == 2) w[u].merge(w[U + u]);
    c[u] = lanes_of<V>(w[u], [](double v) { return v; });
  }
  for (k = 0; k < n; ++k)
    for (size_t u = 0; u < U; ++u) {
      const size_t at = k * inner + u * N;
      grad<kLog, kUnit>(V::load(g + at), V::load(s + at), c[u], vt, unit).store(out + at);
    }
}

// backward_strided for the `width` (a multiple of kLanes, <= kBackwardChunkBlocks
// * kColumnBlock) neighbouring fibres starting at g, s and out, in column chunks (passes.h,
// kColumnInner): pass 1 sweeps rows k = 0..n-1 over the chunk's contiguous
// segment of each row (kBackwardReduceRows rows per sweep), adding each
// lane's terms to its group's Wide<V> in order k = 0, 1, ... (as
// backward_strided with U = 4 does); pass 2 writes every element from the
// group's total (kBackwardColumnRows rows per sweep). Each element is read
// before it is written and never read again, so out may alias dy or y.
// Each row of a sweep walks its own pointers, advanced by one vector per
// group, so that every load and store addresses a pointer plus a constant
// (with indices k * inner + q * L, V8 computed each address with its own lea
// and reloaded spilled bounds). Pass 1 loads each row's 4 floats whole and
// takes the high pair by a shuffle (Wide::add_product), not by a second
// 64-bit load (add_product_at): clang 14 folds the promote into a
// load64_zero whose +8 it cannot fold into the load's offset, so V8 spent a
// lea per high pair and, with 16 loads live, spilled. Measured (round 4,
// bench/VARIANTS.md): wasm 0.91-0.98x the time; natively 1.05-1.09x on data
// in cache (SIMDe's shuffle), 0.98x at 8x21x16384@1. Pass 1 reads dy and y
// from memory (a chunk's rows are 64 kB apart at 8x21x16384): 4 rows per
// sweep load and store each group's sums half as often as 2 rows, and keep 8
// streams in flight, not 4.
// Rows per sweep in pass 2: 2, not the forward pass's kColumnRows = 4. With
// 4, pass 2 keeps 12 row pointers live (4 rows of dy, y, out), likely more
// than V8 keeps in registers, and its per-element work is too small to hide
// that (measured, float32 ns/element, softmax's VJP: 1x100x1024 1.16 with 4
// rows, 0.59 with 2, 0.60 with 1, 3.8 with 8; 8x21x16384 1.96, 1.48, 1.86,
// 3.8). Pass 1 with 4 rows and pointer walks, against 2 rows and indices
// (bench/VARIANTS.md, "softmaxBackward against native, round 2"): 8x21x16384
// 0.92x the time, 1x1000x1024 0.93x; 4 rows with the old indices: 0.95x,
// 1.00x, 1x100x1024 1.12x; 8 rows (16 pointers, spilled): 1.30x.
constexpr size_t kBackwardReduceRows = 4;
constexpr size_t kBackwardColumnRows = 2;

// Chunk width (BackwardPasses::column_block): chunks of up to
// kBackwardChunkBlocks * kColumnBlock<T> fibres (16 kB), as many as keep a
// chunk within kBackwardChunkElements elements (n * width: fibres of n <= 32
// get 16 kB, 64 8 kB, 128 4 kB). Longer row segments per sweep: measured
// (float32, 8x21x16384@1, bench/VARIANTS.md "Strided axes against native,
// round 3") 2, 4, 8, 16 kB chunks 1.11, 1.05, 0.95, 0.89 ns/element in wasm
// and 0.87, 0.84, 0.77, 0.76 natively; 16 kB against 8 kB again in round 4
// (branch cebwd): wasm 0.94-0.96x, native 0.97-0.98x. The forward pass did
// not gain (its per-chunk state is 4x larger). Per fibre the arithmetic does
// not depend on the chunk, so the results are the same for every width.
constexpr size_t kBackwardChunkBlocks = 8;
constexpr size_t kBackwardChunkElements = 131072;

template <class V, bool kLog, bool kUnit>
void backward_columns(const typename V::Elem* g, const typename V::Elem* s, typename V::Elem* out,
                      size_t n, size_t inner, size_t width, V vt,
                      const ExpScale<typename V::Elem>& unit) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  constexpr size_t G = kBackwardChunkBlocks * kColumnBlock<T> / L;
  const size_t groups = width / L;
  V c[G];
  {
    Wide<V> w[G];
    for_row_sweeps<kBackwardReduceRows>(0, n, [&](size_t k, auto rows_tag) {
      constexpr size_t rows = decltype(rows_tag)::value;
      const T* a[rows];
      const T* b[rows];
      for (size_t r = 0; r < rows; ++r) {
        a[r] = g + (k + r) * inner;
        b[r] = s + (k + r) * inner;
      }
      Wide<V>* wq = w;
      for (size_t q = 0; q < groups; ++q, ++wq) {
        Wide<V> acc = *wq;
        for (size_t r = 0; r < rows; ++r) {
          if (kLog)
            acc.add(V::load(a[r]));
          else
            acc.add_product(V::load(a[r]), V::load(b[r]));
          a[r] += L;
          b[r] += L;
        }
        *wq = acc;
      }
    });
    for (size_t q = 0; q < groups; ++q) c[q] = lanes_of<V>(w[q], [](double v) { return v; });
  }
  for_row_sweeps<kBackwardColumnRows>(0, n, [&](size_t k, auto rows_tag) {
    constexpr size_t rows = decltype(rows_tag)::value;
    const T* a[rows];
    const T* b[rows];
    T* d[rows];
    for (size_t r = 0; r < rows; ++r) {
      a[r] = g + (k + r) * inner;
      b[r] = s + (k + r) * inner;
      d[r] = out + (k + r) * inner;
    }
    const V* cq = c;
    // Not unrolled by clang: V8 unrolls this small loop itself (two groups,
    // one stack check), where clang's two-group body had V8 keep both the old
    // and the advanced copies of the 7 pointers and spill them.
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
    for (size_t q = 0; q < groups; ++q, ++cq) {
      V r_out[rows];
      for (size_t r = 0; r < rows; ++r) {
        r_out[r] = grad<kLog, kUnit>(V::load(a[r]), V::load(b[r]), *cq, vt, unit);
        a[r] += L;
        b[r] += L;
      }
      for (size_t r = 0; r < rows; ++r) {
        r_out[r].store(d[r]);
        d[r] += L;
      }
    }
  });
}

// Rows this short (inner == 1) cost more in per-row work (a horizontal sum,
// a tail, a broadcast, loop set-up) than in arithmetic. They run kLanes at a
// time: a group of kLanes rows is n whole vectors, so after the rows'
// reductions the elementwise pass runs over the group's vectors with no
// tail, each lane picking its row's reduction by a byte shuffle. Each element
// is read before it is written, so out may alias dy or y. Measured (float32,
// internal kernel call, ns per element): 65536x10 1.1-1.7 -> 0.61-0.67,
// 65536x5 2.3-3.0 -> 0.76, 65536x3 3.5-6.0 -> 0.99. Transposing kLanes x
// kLanes blocks in registers and running the strided arithmetic lost (2.1 at
// 65536x10; 1.4 with n a template parameter and 2.3x the code). kShortRow
// and the rows' reductions (short_group_reduce): passes.h.

template <class V, bool kLog, bool kUnit>
void backward_short_rows(const typename V::Elem* g, const typename V::Elem* s,
                         typename V::Elem* out, size_t rows, size_t n, V vt,
                         const ExpScale<typename V::Elem>& unit) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  // pick[m]: for vector m of a group, lane j takes lane (m * L + j) / n of
  // the group's reductions.
  // Written 4 bytes at a time (little-endian): bytes row * sizeof(T) + b.
  alignas(16) uint32_t pick[kShortRow][4];
  for (size_t m = 0; m < n; ++m)
    for (size_t j = 0; j < L; ++j)
      for (size_t b = 0; b < sizeof(T); b += 4)
        pick[m][(j * sizeof(T) + b) / 4] =
            uint32_t((m * L + j) / n * sizeof(T) + b) * 0x01010101u + 0x03020100u;
  for (size_t r = 0; r + L <= rows; r += L) {
    const T* gr = g + r * n;
    const T* sr = s + r * n;
    T* outr = out + r * n;
    const V cv = short_group_reduce<V, kLog>(gr, sr, n);
    for (size_t m = 0; m < n; ++m) {
      const V gv = V::load(gr + m * L), sv = V::load(sr + m * L);
      grad<kLog, kUnit>(gv, sv, pick_lanes(cv, reinterpret_cast<const uint8_t*>(pick[m])), vt, unit)
          .store(outr + m * L);
    }
  }
}

#if SOFTMAX_WASM_SIMD128
// backward_short_rows of softmax (not log-softmax) for float32 SIMD with the
// row length a constant kN (1..kShortRow, one instantiation each): the rows'
// dot products read 4 elements per load at constant offsets from the group's
// start (the high pair of each by a shuffle), and each vector's pick of the
// rows' dots is a constant shuffle. Same sums in the same order, same grad, same results as
// backward_short_rows. Why: with n known only at run time V8 computed each
// load's address with its own lea (wasm has no scaled-index addressing: 8
// row pointers in the dots, spilled and reloaded), and i8x16.swizzle took a
// saturating add of a constant before its pshufb. Measured (bench/ab.mjs,
// bench/VARIANTS.md "Column chunks and short rows against native"):
// softmaxBackward 65536x10 0.90x, 65536x3 0.63x, 65536x16 0.87x the time.
// Log-softmax keeps backward_short_rows (its exp per vector, unrolled kN
// times, would cost more code than the 7% it gained).
template <size_t kN, size_t... kM>
struct ShortRowsF32 {
  // rows4_sums_f32<false> of the 4 rows of kN at g and s.
  __attribute__((always_inline)) static F32x4 dots(const float* g, const float* s) {
    v128_t a[4];
    // Row r's sum (the same pair terms, in order of k, as rows4_sums_f32).
    auto row = [&](size_t r) {
      const float* gr = g + r * kN;
      const float* sr = s + r * kN;
      v128_t acc = wasm_f64x2_splat(0.0);
      size_t k = 0;
      for (; k + 4 <= kN; k += 4) {
        const v128_t x = wasm_v128_load(gr + k), y = wasm_v128_load(sr + k);
        const v128_t lo =
            wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(x), wasm_f64x2_promote_low_f32x4(y));
        const v128_t hi =
            wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x, x, 2, 3, 2, 3)),
                           wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(y, y, 2, 3, 2, 3)));
        acc = wasm_f64x2_add(wasm_f64x2_add(acc, lo), hi);
      }
      if (k + 2 <= kN) {
        acc = wasm_f64x2_add(acc, pair_term<false>(gr + k, sr + k, false));
        k += 2;
      }
      if (k < kN) acc = wasm_f64x2_add(acc, pair_term<false>(gr + k, sr + k, true));
      return acc;
    };
    // From 8 elements a row on, one row at a time (not unrolled): with the
    // 4 rows unrolled clang issued every load first and V8 spilled half of
    // them (65536x10 0.96x the time this way; rows of 3 1.15x slower).
    if constexpr (kN >= 8) {
#if defined(__clang__)
#pragma clang loop unroll(disable)
#else
#pragma GCC unroll 1
#endif
      for (size_t r = 0; r < 4; ++r) a[r] = row(r);
    } else {
      for (size_t r = 0; r < 4; ++r) a[r] = row(r);
    }
    const v128_t d01 =
        wasm_f64x2_add(wasm_i64x2_shuffle(a[0], a[1], 0, 2), wasm_i64x2_shuffle(a[0], a[1], 1, 3));
    const v128_t d23 =
        wasm_f64x2_add(wasm_i64x2_shuffle(a[2], a[3], 0, 2), wasm_i64x2_shuffle(a[2], a[3], 1, 3));
    return {wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(d01), wasm_f32x4_demote_f64x2_zero(d23),
                               0, 1, 4, 5)};
  }
  // Lane j of vector m of a group takes the dot of row (4m + j) / kN.
  template <size_t m>
  static F32x4 pick(F32x4 c) {
    return {wasm_i32x4_shuffle(c.v, c.v, (4 * m) / kN, (4 * m + 1) / kN, (4 * m + 2) / kN,
                               (4 * m + 3) / kN)};
  }
  // grad's multiply by 1/T (none when kUnit: T == 1).
  template <bool kUnit>
  static F32x4 scaled(F32x4 r, F32x4 vt) {
    return kUnit ? r : r * vt;
  }
  template <bool kUnit>
  static void run(const float* g, const float* s, float* out, size_t rows, F32x4 vt) {
    for (size_t r = 0; r + 4 <= rows; r += 4) {
      const float* gr = g + r * kN;
      const float* sr = s + r * kN;
      float* outr = out + r * kN;
      const F32x4 cv = dots(gr, sr);
      // Each vector read before it is written (out may alias dy or y).
      (scaled<kUnit>((F32x4::load(gr + kM * 4) - pick<kM>(cv)) * F32x4::load(sr + kM * 4), vt)
           .store(outr + kM * 4),
       ...);
    }
  }
};

template <bool kUnit, size_t N, size_t... kM>
void short_rows_n(const float* g, const float* s, float* out, size_t rows, F32x4 vt,
                  std::index_sequence<kM...>) {
  ShortRowsF32<N, kM...>::template run<kUnit>(g, s, out, rows, vt);
}

// Runs short_rows_n for the row length n (kN + 1 = 1..kShortRow; a group of
// 4 rows of N is N vectors).
template <bool kUnit, size_t... kN>
void softmax_short_rows_f32(size_t n, const float* g, const float* s, float* out, size_t rows,
                            F32x4 vt, std::index_sequence<kN...>) {
  (void)((n == kN + 1 ? (short_rows_n<kUnit, kN + 1>(g, s, out, rows, vt,
                                                     std::make_index_sequence<kN + 1>{}),
                         true)
                      : false) ||
         ...);
}
#endif

// The four layouts of the backward passes (passes.h run_layouts): long
// rows one at a time; short rows kLanes at a time (from 8 rows: below that,
// setting up the group path costs more than it saves); a strided axis 4, 2
// or 1 vectors of neighbouring fibres at a time (whole cache lines per
// element row where inner allows), or from kColumnInner on column chunks.
template <class T, bool kLog, bool kUnit>
struct BackwardPasses {
  static constexpr bool kColumns = true;
  static constexpr size_t kStridedVectors = 4;
  const T *dy, *y;
  T* dx;
  size_t n, inner;
  T inv_t;
  const ExpScale<T>& unit;

  void row(size_t o) const {
    using V = Vec<T>;
    backward_row<V, kLog, kUnit>(dy + o * n, y + o * n, dx + o * n, n, V::splat(inv_t), unit);
  }
  bool short_rows_pay(size_t outer) const { return outer >= 8; }
  SMW_LAYOUT void short_rows(size_t first, size_t rows) const {
    using V = Vec<T>;
    const size_t at = first * n;
#if SOFTMAX_WASM_SIMD128
    if constexpr (std::is_same_v<T, float> && !kLog) {
      softmax_short_rows_f32<kUnit>(n, dy + at, y + at, dx + at, rows, V::splat(inv_t),
                                    std::make_index_sequence<kShortRow>{});
      return;
    }
#endif
    backward_short_rows<V, kLog, kUnit>(dy + at, y + at, dx + at, rows, n, V::splat(inv_t), unit);
  }
  template <class V, size_t U>
  SMW_LAYOUT void strided(size_t o, size_t j) const {
    const size_t at = o * n * inner + j;
    backward_strided<V, U, kLog, kUnit>(dy + at, y + at, dx + at, n, inner, V::splat(inv_t), unit);
  }
  // Chunk width for fibres of n (kBackwardChunkBlocks, run_layouts).
  size_t column_block(size_t n) const {
    size_t blocks = 1;
    while (blocks < kBackwardChunkBlocks &&
           2 * blocks * kColumnBlock<T> * n <= kBackwardChunkElements)
      blocks *= 2;
    return blocks * kColumnBlock<T>;
  }
  SMW_LAYOUT void columns(size_t o, size_t j, size_t width) const {
    using V = Vec<T>;
    const size_t at = o * n * inner + j;
    backward_columns<V, kLog, kUnit>(dy + at, y + at, dx + at, n, inner, width, V::splat(inv_t),
                                     unit);
  }
};

template <class T, bool kLog, bool kUnit>
void backward_all(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                  double temperature) {
  if (outer * n * inner == 0) return;
  const ExpScale<T> unit(1.0);
  const BackwardPasses<T, kLog, kUnit> passes{dy, y, dx, n, inner, T(1.0 / temperature), unit};
  run_layouts<T>(passes, outer, n, inner);
}

// Temperatures whose 1/T overflows T: every element in double, divided by T.
template <class T, bool kLog>
void backward_double_path(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                          double temperature) {
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const size_t base = o * n * inner + i;
      Wide<Scalar<double>> c;
      for (size_t k = 0; k < n; ++k) {
        const double g = double(dy[base + k * inner]), s = double(y[base + k * inner]);
        if (kLog)
          c.add(Scalar<double>{g});
        else
          c.add_product(Scalar<double>{g}, Scalar<double>{s});
      }
      const double total = c.sum();
      for (size_t k = 0; k < n; ++k) {
        const size_t j = base + k * inner;
        const double g = double(dy[j]), s = double(y[j]);
        dx[j] = T((kLog ? g - std::exp(s) * total : (g - total) * s) / temperature);
      }
    }
  }
}

template <class T, bool kLog>
Status backward_op(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                   double temperature) {
  if (!valid_temperature(temperature)) return kBadTemperature;
  if (Status st = check_geometry(dy, y, dx, outer, n, inner)) return st;
  if (temperature == 1.0)
    backward_all<T, kLog, true>(dy, y, dx, outer, n, inner, temperature);
  else if (std::isfinite(double(T(1.0 / temperature))))
    backward_all<T, kLog, false>(dy, y, dx, outer, n, inner, temperature);
  else {
    stream_in_all();  // reads dy and y outside run_tasks (parallel.h, the stream)
    backward_double_path<T, kLog>(dy, y, dx, outer, n, inner, temperature);
  }
  return kOk;
}

}  // namespace

template <class T>
Status softmax_backward(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                        double temperature) {
  return backward_op<T, false>(dy, y, dx, outer, n, inner, temperature);
}

template <class T>
Status log_softmax_backward(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                            double temperature) {
  return backward_op<T, true>(dy, y, dx, outer, n, inner, temperature);
}

template Status softmax_backward<float>(const float*, const float*, float*, size_t, size_t, size_t,
                                        double);
template Status softmax_backward<double>(const double*, const double*, double*, size_t, size_t,
                                         size_t, double);
template Status log_softmax_backward<float>(const float*, const float*, float*, size_t, size_t,
                                            size_t, double);
template Status log_softmax_backward<double>(const double*, const double*, double*, size_t, size_t,
                                             size_t, double);

}  // namespace smw
