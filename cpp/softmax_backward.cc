// softmax_backward.cc — vector-Jacobian products of softmax and log-softmax.
//
// The Jacobian of softmax is diag(s) - s s^T (diagonal plus rank one), so
// J^T dy = s * (dy - <dy, s>): one dot product and one elementwise pass; the
// n x n matrix is never built. For log-softmax, J = I - 1 s^T and
// J^T dy = dy - s * sum(dy) with s = exp(y). Both carry the 1/T of the
// temperature, because the forward pass computed f(x / T).
//
// Passes: dot (or sum) with every term widened to double -> elementwise.
// Accuracy: the final subtraction may cancel, so the bound is componentwise
// against the size of its terms: |error_i| <= 1e-6 * |y_i| (|dy_i| + |<dy,y>|) / T
// (softmax) and 1e-6 * (|dy_i| + exp(y_i) |sum dy|) / T (log-softmax) for
// float32; 2e-15 for float64.
// Range: any input; NaN and inf propagate through the arithmetic (a NaN or
// inf in dy or y of a fibre reaches every output of that fibre through the
// dot product). exp(y) follows exp_any (exp.h).
#include "passes.h"
#include "softmax.h"

namespace smw {
namespace {

template <class T, bool kLog>
void backward_all(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                  double temperature) {
  const ExpScale<T> unit(1.0);
  const T inv_t = T(1.0 / temperature);
  if (inner == 1) {
    using V = Vec<T>;
    const V vt = V::splat(inv_t);
    for (size_t o = 0; o < outer; ++o) {
      const T* g = dy + o * n;
      const T* s = y + o * n;
      T* out = dx + o * n;
      if (kLog) {
        const V total = V::splat(T(row_wide_sum<V>(g, nullptr, n)));
        row_map2<V>(g, s, out, n, [&](V gv, V sv) { return (gv - exp_any(sv, unit) * total) * vt; });
      } else {
        const V dot = V::splat(T(row_wide_sum<V>(g, s, n)));
        row_map2<V>(g, s, out, n, [&](V gv, V sv) { return (gv - dot) * sv * vt; });
      }
    }
    return;
  }
  for (size_t o = 0; o < outer; ++o) {
    for_each_lane_group<T>(inner, [&](size_t j, auto tag) {
      using V = decltype(tag);
      const size_t base = o * n * inner + j;
      const T* g = dy + base;
      const T* s = y + base;
      T* out = dx + base;
      const V vt = V::splat(inv_t);
      const V c = lanes_of<V>(strided_wide_sum<V>(g, kLog ? nullptr : s, n, inner),
                              [](double v) { return v; });
      for (size_t k = 0; k < n; ++k) {
        const V gv = V::load(g + k * inner), sv = V::load(s + k * inner);
        const V r = kLog ? (gv - exp_any(sv, unit) * c) * vt : (gv - c) * sv * vt;
        r.store(out + k * inner);
      }
    });
  }
}

template <class T, bool kLog>
Status backward_op(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                   double temperature) {
  if (!valid_temperature(temperature)) return kBadTemperature;
  if (Status st = check_geometry(dy, y, dx, outer, n, inner)) return st;
  backward_all<T, kLog>(dy, y, dx, outer, n, inner, temperature);
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

template Status softmax_backward<float>(const float*, const float*, float*, size_t, size_t, size_t, double);
template Status softmax_backward<double>(const double*, const double*, double*, size_t, size_t, size_t, double);
template Status log_softmax_backward<float>(const float*, const float*, float*, size_t, size_t, size_t, double);
template Status log_softmax_backward<double>(const double*, const double*, double*, size_t, size_t, size_t, double);

}  // namespace smw
