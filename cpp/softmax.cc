// softmax.cc — softmax and log-softmax along any axis, float32 and float64.
//
// Passes (contiguous fibre): max and min -> exp((x - max) / T) stored while
// summing -> multiply by 1 / sum (softmax), or max and min -> sum of exp ->
// (x - max) / T - log(sum) (log-softmax). The range max - min picks the
// cheapest exp that keeps the bounds below (exp.h, with_exp_mode). A strided
// axis runs the same passes on kLanes fibres at once (passes.h), or, from
// inner = kColumnInner on, on chunks of kColumnBlock neighbouring fibres
// that read each row's contiguous segment (softmax_columns).
//
// Why the bounds below hold (float32): the exp is within 4.8e-7 (exp.h), the
// sums 4.2e-7 (kSumBlock), and the rounding of x - max, where the exp takes
// it rounded (with_exp_mode: at T = 1 always), adds at most 9.5e-7 to
// outputs >= 1e-12 (|x - max| < 32 there) and 3.8e-6 to outputs in [1e-30,
// 1e-12) (|x - max| < 128): 1.9e-6 < 2e-6 and 4.8e-6 < 5e-6, the owner's
// split contract (issue #12; PyTorch's float32 kernels round x - max too).
// Where the temperature would make that rounding larger (exp.h,
// shift_rounding) the argument is carried exactly (TwoSum), so large logits
// and small temperatures lose nothing. Temperatures below 1e-30 or above 1e30
// (float64: 1e-290, 1e290) take a double path with std::exp. Non-finite
// rules are PyTorch's.
// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----
//   softmax:
//     valid range: any finite input, any temperature in (0, DBL_MAX].
//     max error of y: float32 5e-6 in [1e-30, 1e-12), 2e-6 for outputs >= 1e-12; float64 1e-14
//       for outputs >= 1e-30; unit |got - exact| / |exact|.
//     NaN/inf: a fibre holding a NaN or +inf, or all -inf, becomes all NaN; -inf entries of other
//       fibres give 0; outputs below 2^-125 (float64: 2^-1021) may be flushed to +0.
//   logSoftmax:
//     valid range: any finite input, any temperature in (0, DBL_MAX].
//     max error of y: float32 2e-6; float64 1e-14; unit |got - exact| / max(1, |exact|).
//     NaN/inf: as softmax, with -inf entries giving -inf.
// ---- end accuracy contract ----
#include "softmax.h"

#include <type_traits>

#include "passes.h"

namespace smw {
namespace {

template <class T, bool kLog>
void softmax_row(const T* x, T* y, size_t n, const ExpScale<T>& s) {
  using V = Vec<T>;
  // NaN is not tracked per element: it makes the exp-sum NaN, checked once.
  const Range<T> r = row_range<V, false>(x, n);
  const T m = r.max;
  if (!finite(m)) {
    std::fill(y, y + n, kNaN<T>);
    return;
  }
  with_exp_mode(s, double(m) - double(r.min), [&](auto mode) {
    using M = decltype(mode);
    const double sum = row_exp_sum<V, M, !kLog>(x, kLog ? nullptr : y, n, m, s);
    if (std::isnan(sum)) {
      std::fill(y, y + n, kNaN<T>);
      return;
    }
    if (kLog) {
      const V lse = V::splat(T(std::log(sum)));
      const V vm = V::splat(m), inv_t = V::splat(s.inv_t);
      row_map<V>(x, y, n, [&](V v) { return (M::unit_t ? v - vm : (v - vm) * inv_t) - lse; });
    } else {
      const V scale = V::splat(T(1.0 / sum));
      row_map<V>(y, y, n, [&](V v) { return v * scale; });
    }
  });
}

template <class V, bool kLog>
void softmax_strided(const typename V::Elem* x, typename V::Elem* y, size_t n, size_t inner,
                     const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  const Range<V> r = strided_range<V>(x, n, inner);
  const auto ok = is_finite(r.max);
  const V ms = select(ok, r.max, V::splat(T(0)));
  const V nan = V::splat(kNaN<T>);
  // Lanes whose fibre holds a NaN or +inf, or is all -inf, end up NaN; the
  // select is skipped when every lane is finite (the usual case).
  const bool all_ok = all(ok);
  with_exp_mode(s, lanes_range(r), [&](auto mode) {
    using M = decltype(mode);
    const Wide<V> sum = strided_exp_sum<V, M, !kLog>(x, y, n, inner, ms, s);
    if (kLog) {
      const V lse = log_of(sum);
      const V inv_t = V::splat(s.inv_t);
      for (size_t k = 0; k < n; ++k) {
        V d = V::load(x + k * inner) - ms;
        if (!M::unit_t) d = d * inv_t;
        d = d - lse;
        (all_ok ? d : select(ok, d, nan)).store(y + k * inner);
      }
    } else {
      const V scale = reciprocal(sum);
      for (size_t k = 0; k < n; ++k) {
        const V v = V::load(y + k * inner) * scale;
        (all_ok ? v : select(ok, v, nan)).store(y + k * inner);
      }
    }
  });
}

// Column chunks (kColumnInner, kColumnBlock, kColumnRows, for_row_sweeps):
// passes.h.

// Pass 3 of softmax_columns: y = y * scale[g] (softmax) or y = (x - ms[g]) *
// 1/T - scale[g] (log-softmax, scale = log(sum); kUnit: T == 1, no multiply),
// and NaN in the lanes of groups that are not all finite (kAllOk: none such,
// no select).
template <class V, bool kLog, bool kUnit, bool kAllOk>
void column_outputs(const typename V::Elem* x, typename V::Elem* y, size_t n, size_t inner,
                    size_t groups, const V* ms, const V* scale, const typename V::Mask* ok,
                    typename V::Elem inv_t_value) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  const V nan = V::splat(kNaN<T>), inv_t = V::splat(inv_t_value);
  for_row_sweeps(0, n, [&](size_t k, auto rows_tag) {
    constexpr size_t rows = decltype(rows_tag)::value;
    const T* p = x + k * inner;
    T* q = y + k * inner;
    for (size_t g = 0; g < groups; ++g) {
      const V c = scale[g];
      V v[rows];
      if (kLog) {
        const V m = ms[g];
        for (size_t r = 0; r < rows; ++r) v[r] = V::load(p + r * inner + g * L) - m;
        for (size_t r = 0; r < rows; ++r) {
          if (!kUnit) v[r] = v[r] * inv_t;
          v[r] = v[r] - c;
        }
      } else {
        for (size_t r = 0; r < rows; ++r) v[r] = V::load(q + r * inner + g * L) * c;
      }
      for (size_t r = 0; r < rows; ++r)
        (kAllOk ? v[r] : select(ok[g], v[r], nan)).store(q + r * inner + g * L);
    }
  });
}

// softmax_strided for the `width` (a multiple of kLanes, <= kColumnBlock)
// neighbouring fibres starting at x and y (column chunks: kColumnInner,
// kColumnBlock, kColumnRows, for_row_sweeps in passes.h).
template <class V, bool kLog>
void softmax_columns(const typename V::Elem* x, typename V::Elem* y, size_t n, size_t inner,
                     size_t width, const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  using Mask = typename V::Mask;
  constexpr size_t L = V::kLanes;
  constexpr size_t G = kColumnBlock<T> / L;
  const size_t groups = width / L;
  V ms[G], scale[G];
  Mask ok[G];
  Wide<V> sum[G];
  double range;  // the widest max - min of the chunk's finite fibres
  // Pass 1 (column_shifts): lane-wise max (NaN where the fibre holds a NaN)
  // and min, the groups' shifts and the chunk's range; which lanes are finite.
  {
    Range<V> r[G];
    range = column_shifts<V>(x, n, inner, groups, r, ms);
    for (size_t g = 0; g < groups; ++g) ok[g] = is_finite(r[g].max);
  }
  bool all_ok = true;
  for (size_t g = 0; g < groups; ++g) all_ok = all_ok && all(ok[g]);
  // Pass 2 (column_exp_sums), in the exp mode of the chunk's widest range.
  with_exp_mode(s, range, [&](auto mode) {
    column_exp_sums<V, decltype(mode), !kLog>(x, y, n, inner, groups, ms, sum, s);
  });
  // Pass 3 (column_outputs), with the lane's scale (softmax) or log(sum).
  for (size_t g = 0; g < groups; ++g) scale[g] = kLog ? log_of(sum[g]) : reciprocal(sum[g]);
  const bool unit = !kLog || s.unit;
  if (all_ok) {
    if (unit)
      column_outputs<V, kLog, true, true>(x, y, n, inner, groups, ms, scale, ok, s.inv_t);
    else
      column_outputs<V, kLog, false, true>(x, y, n, inner, groups, ms, scale, ok, s.inv_t);
  } else {
    if (unit)
      column_outputs<V, kLog, true, false>(x, y, n, inner, groups, ms, scale, ok, s.inv_t);
    else
      column_outputs<V, kLog, false, false>(x, y, n, inner, groups, ms, scale, ok, s.inv_t);
  }
}

// The four layouts of softmax and log-softmax (passes.h run_layouts).
template <class T, bool kLog>
struct SoftmaxPasses {
  static constexpr bool kColumns = true;
  static constexpr size_t kStridedVectors = 1;
  const T* x;
  T* y;
  size_t n, inner;
  const ExpScale<T>& s;

  SMW_LAYOUT void row(size_t o) const { softmax_row<T, kLog>(x + o * n, y + o * n, n, s); }
  // Short rows (kShortRow), kLanes at a time, transposed into a buffer with
  // one row per lane, through softmax_strided.
  bool short_rows_pay(size_t) const { return true; }
  SMW_LAYOUT void short_rows(size_t first, size_t rows) const {
    using V = Vec<T>;
    short_row_groups<V>(x, n, first, rows, [&](T* buf, size_t r) {
      softmax_strided<V, kLog>(buf, buf, n, V::kLanes, s);
      lanes_to_rows<V>(buf, n, y + r * n);
    });
  }
  template <class V, size_t>
  SMW_LAYOUT void strided(size_t o, size_t j) const {
    const size_t at = o * n * inner + j;
    softmax_strided<V, kLog>(x + at, y + at, n, inner, s);
  }
  SMW_LAYOUT void columns(size_t o, size_t j, size_t width) const {
    const size_t at = o * n * inner + j;
    softmax_columns<Vec<T>, kLog>(x + at, y + at, n, inner, width, s);
  }
};

// Temperatures outside ExpScale's regular range: every fibre in double with
// std::exp (exact to a double rounding, slow, and only for such temperatures).
template <class T, bool kLog>
void softmax_double_path(const T* x, T* y, size_t outer, size_t n, size_t inner,
                         double temperature) {
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const T* p = x + o * n * inner + i;
      T* q = y + o * n * inner + i;
      Scalar<double> m{-kInf<double>};
      for (size_t k = 0; k < n; ++k) m = max(m, Scalar<double>{double(p[k * inner])});
      if (!finite(m.v)) {
        for (size_t k = 0; k < n; ++k) q[k * inner] = kNaN<T>;
        continue;
      }
      double sum = 0.0;
      for (size_t k = 0; k < n; ++k)
        sum += std::exp(shifted_quotient(double(p[k * inner]), m.v, temperature));
      const double log_sum = std::log(sum);
      for (size_t k = 0; k < n; ++k) {
        const double z = shifted_quotient(double(p[k * inner]), m.v, temperature);
        q[k * inner] = T(kLog ? z - log_sum : std::exp(z) / sum);
      }
    }
  }
}

template <class T, bool kLog>
Status softmax_op(const T* x, T* y, size_t outer, size_t n, size_t inner, double temperature) {
  if (!valid_temperature(temperature)) return kBadTemperature;
  if (Status st = check_geometry(x, y, y, outer, n, inner)) return st;
  const ExpScale<T> s(temperature);
  if (s.regular) {
    const SoftmaxPasses<T, kLog> passes{x, y, n, inner, s};
    run_layouts<T>(passes, outer, n, inner);
  } else {
    stream_in_all();  // reads x outside run_tasks (parallel.h, the stream)
    softmax_double_path<T, kLog>(x, y, outer, n, inner, temperature);
  }
  return kOk;
}

}  // namespace

template <class T>
Status softmax(const T* x, T* y, size_t outer, size_t n, size_t inner, double temperature) {
  return softmax_op<T, false>(x, y, outer, n, inner, temperature);
}

template <class T>
Status log_softmax(const T* x, T* y, size_t outer, size_t n, size_t inner, double temperature) {
  return softmax_op<T, true>(x, y, outer, n, inner, temperature);
}

template Status softmax<float>(const float*, float*, size_t, size_t, size_t, double);
template Status softmax<double>(const double*, double*, size_t, size_t, size_t, double);
template Status log_softmax<float>(const float*, float*, size_t, size_t, size_t, double);
template Status log_softmax<double>(const double*, double*, size_t, size_t, size_t, double);

const char* kernel_variant() {
#if SOFTMAX_WASM_SIMD128
  return "simd128_rr2_p5f32_p12f64_u4_3pass_shortrows4_colchunks2k_bwd16k_ce2g";
#else
  return "scalar_rr2_p5f32_p12f64_u4_3pass_colchunks2k_bwd16k";
#endif
}

}  // namespace smw
