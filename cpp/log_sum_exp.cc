// log_sum_exp.cc — log(sum(exp(x))) along any axis, float32 and float64.
//
// Passes: max -> sum of exp(x - max) in double -> max + log(sum), in the
// layouts of softmax.cc (rows, short rows as lane groups, lane groups and
// column chunks on a strided axis); lane groups take log(sum) in vectors.
// The absolute error of log(sum) is the relative error of the sum (the exps'
// and the float32 block sums', as in softmax.cc). Non-finite rules are
// torch.logsumexp's.
// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----
//   logSumExp:
//     valid range: any finite input (the max shift prevents overflow).
//     max error of y: float32 2e-6; float64 1e-14; unit |got - exact| / max(1, |exact|).
//     NaN/inf: NaN if the fibre holds a NaN, else +inf if it holds a +inf, else -inf if it is all
//       -inf or empty.
// ---- end accuracy contract ----
#include "passes.h"
#include "softmax.h"

namespace smw {
namespace {

// The result for a fibre with max m and sum of exp(x - m) `sum`.
template <class T>
T lse_of(T m, double sum) {
  if (!finite(m)) return m;  // NaN, +inf, or -inf (all -inf / empty)
  return T(double(m) + std::log(sum));
}

// A lane group's results, stored at y: max + log S per lane, S = sum of
// exp(x - max) (at least 1: the max's own term), log S = log1p(S - 1) taken
// lane-wise in vectors (vec.h log1p_lanes: float32 groups by the f64x2
// series, relative error <= 1e-10; float64 lanes by std::log). A lane whose
// max is not finite (NaN, +inf, or -inf: all -inf) gives that max.
template <class V>
inline void store_lse_lanes(typename V::Elem* y, const Range<V>& r, V ms, const Wide<V>& sum) {
  using D = Lanes64<V>;
  const D log_sum = log1p_lanes(lanes(sum) - D::splat(1.0));
  const V result = narrow<V>(widen(ms) + log_sum);
  select(is_finite(r.max), result, r.max).store(y);
}

// log-sum-exp's layouts (passes.h run_layouts): contiguous rows one at a
// time; short rows (n <= kShortRow) kLanes at a time, transposed into one
// lane group as softmax's are; a strided axis in column chunks (passes 1 and
// 2 of softmax's, passes.h column_ranges and column_exp_sums) from
// kColumnInner on, else kLanes fibres at a time.
template <class T>
struct LogSumExpPasses {
  static constexpr bool kColumns = true;
  static constexpr size_t kStridedVectors = 1;
  const T* x;
  T* y;
  size_t n, inner;
  const ExpScale<T>& s;

  SMW_LAYOUT void row(size_t o) const {
    const T* row = x + o * n;
    const Range<T> r = row_range<Vec<T>>(row, n);
    T result = r.max;  // NaN, +inf or -inf: the result as it is (y may alias x: write last)
    if (finite(r.max)) {
      with_exp_mode(s, double(r.max) - double(r.min), [&](auto mode) {
        result =
            lse_of(r.max, row_exp_sum<Vec<T>, decltype(mode), false>(row, nullptr, n, r.max, s));
      });
    }
    y[o] = result;
  }
  bool short_rows_pay(size_t) const { return true; }
  SMW_LAYOUT void short_rows(size_t first, size_t rows) const {
    using V = Vec<T>;
    short_row_groups<V>(x, n, first, rows,
                        [&](const T* buf, size_t r) { group<V>(buf, V::kLanes, y + r); });
  }
  template <class V, size_t>
  SMW_LAYOUT void strided(size_t o, size_t j) const {
    group<V>(x + o * n * inner + j, inner, y + o * inner + j);
  }
  SMW_LAYOUT void columns(size_t o, size_t j, size_t width) const {
    using V = Vec<T>;
    constexpr size_t L = V::kLanes;
    constexpr size_t G = kColumnBlock<T> / L;
    const T* p = x + o * n * inner + j;
    const size_t groups = width / L;
    Range<V> r[G];
    V ms[G];
    Wide<V> sum[G];
    const double range = column_shifts<V>(p, n, inner, groups, r, ms);  // the chunk's exp mode
    with_exp_mode(s, range, [&](auto mode) {
      column_exp_sums<V, decltype(mode), false>(p, nullptr, n, inner, groups, ms, sum, s);
    });
    for (size_t g = 0; g < groups; ++g)
      store_lse_lanes<V>(y + o * inner + j + g * L, r[g], ms[g], sum[g]);
  }

  // The kLanes fibres of n elements at p (element k of lane l at p[k * stride + l]).
  template <class V>
  SMW_LAYOUT void group(const T* p, size_t stride, T* out) const {
    const Range<V> r = strided_range<V>(p, n, stride);
    const V ms = select(is_finite(r.max), r.max, V::splat(T(0)));
    with_exp_mode(s, lanes_range(r), [&](auto mode) {
      store_lse_lanes<V>(out, r, ms,
                         strided_exp_sum<V, decltype(mode), false>(p, nullptr, n, stride, ms, s));
    });
  }
};

template <class T>
void lse_all(const T* x, T* y, size_t outer, size_t n, size_t inner) {
  const ExpScale<T> s(1.0);
  run_layouts<T>(LogSumExpPasses<T>{x, y, n, inner, s}, outer, n, inner);
}

}  // namespace

template <class T>
Status log_sum_exp(const T* x, T* y, size_t outer, size_t n, size_t inner) {
  if (Status st = check_geometry(x, y, y, outer, n, inner)) return st;
  // The output has outer * inner elements even when the axis is empty.
  if (inner != 0 && outer > SIZE_MAX / inner) return kSizeOverflow;
  if (outer * inner != 0 && !y) return kNullPointer;
  if (n == 0) {
    std::fill(y, y + outer * inner, -kInf<T>);
    return kOk;
  }
  lse_all(x, y, outer, n, inner);
  return kOk;
}

template Status log_sum_exp<float>(const float*, float*, size_t, size_t, size_t);
template Status log_sum_exp<double>(const double*, double*, size_t, size_t, size_t);

}  // namespace smw
