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
// Range: any input and any temperature in (0, DBL_MAX] (where 1/T overflows T,
// each element is computed in double and divided by T). NaN and inf propagate
// through the arithmetic: in softmax's VJP a NaN or inf in dy or y reaches
// every output of its fibre through the dot product; in log-softmax's, one in
// dy does (through sum(dy)) while one in y stays in its own element.
// exp(y) follows exp_any (exp.h).
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
  if (std::isfinite(double(T(1.0 / temperature))))
    backward_all<T, kLog>(dy, y, dx, outer, n, inner, temperature);
  else
    backward_double_path<T, kLog>(dy, y, dx, outer, n, inner, temperature);
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
