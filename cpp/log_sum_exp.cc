// log_sum_exp.cc — log(sum(exp(x))) along any axis, float32 and float64.
//
// Passes: max -> sum of exp(x - max) in double -> max + log(sum).
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

// log-sum-exp's layouts (passes.h run_layouts): contiguous rows one at a
// time, a strided axis kLanes fibres at a time; no short-row or column pass.
template <class T>
struct LogSumExpPasses {
  static constexpr bool kColumns = false;
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
  bool short_rows_pay(size_t) const { return false; }
  void short_rows(size_t, size_t) const {}
  template <class V, size_t>
  SMW_LAYOUT void strided(size_t o, size_t j) const {
    const T* p = x + o * n * inner + j;
    const Range<V> r = strided_range<V>(p, n, inner);
    const V ms = select(is_finite(r.max), r.max, V::splat(T(0)));
    with_exp_mode(s, lanes_range(r), [&](auto mode) {
      const Wide<V> sum = strided_exp_sum<V, decltype(mode), false>(p, nullptr, n, inner, ms, s);
      for (size_t l = 0; l < V::kLanes; ++l)
        y[o * inner + j + l] = lse_of(r.max.lane(l), sum.lane(l));
    });
  }
  void columns(size_t, size_t, size_t) const {}
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
