// jacobian.cc — explicit n x n Jacobians of softmax and log-softmax.
//
// For teaching and for small n; training code wants the backward passes
// (softmax_backward.cc), which never build this O(n^2) matrix.
//   softmax:     J_ij = (s_i * delta_ij - s_i * s_j) / T = (diag(s) - s s^T) / T
//   log-softmax: J_ij = (delta_ij - s_j) / T
// Computed in double whatever T is: e_i = exp((x_i - max) / T) with std::exp,
// S = sum e_i, s_i = e_i / S, and 1 - s_i as (sum of e_j, j != i) / S, with
// the terms equal to 1 (the max) counted apart from the others, so the
// diagonal does not cancel when s_i is near 1.
// Above kParallelMin entries (n >= 256) the rows are shared among threads
// (parallel.h), a task of about kTaskGrain entries each; results do not
// depend on the thread count.
// Float32 entries are correctly rounded or one ulp off; float64 entries carry
// the rounding of x - max and of its quotient by T (2^-53 |x - max| / T each).
// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----
//   softmaxJacobian:
//     valid range: any finite 1-D input, any temperature in (0, DBL_MAX]; computed in double; the
//       float64 bound holds for |x| / T <= 900 (with T >= 1 the quotients x / T and max / T are
//       each rounded before their difference).
//     max error of J: float32 2e-6 for outputs >= 1e-30; float64 2e-13 for outputs >= 1e-30; unit
//       |got - exact| / |exact|.
//     NaN/inf: an input holding a NaN or +inf, or all -inf, gives an all-NaN matrix; -inf entries
//       have s_i = 0.
//   logSoftmaxJacobian:
//     valid range: any finite 1-D input, any temperature in (0, DBL_MAX]; computed in double.
//     max error of J: float32 2e-6 for outputs >= 1e-30; float64 2e-13 for outputs >= 1e-30; unit
//       |got - exact| / |exact|.
//     NaN/inf: as softmaxJacobian.
// ---- end accuracy contract ----
#include "passes.h"
#include "softmax.h"

namespace smw {
namespace {

template <class T, bool kLog>
Status jacobian_op(const T* x, T* jac, size_t n, double temperature, double* e) {
  if (!valid_temperature(temperature)) return kBadTemperature;
  if (n != 0 && n > SIZE_MAX / n) return kSizeOverflow;
  if (n == 0) return kOk;
  if (!x || !jac || !e) return kNullPointer;
  double m = -kInf<double>;
  for (size_t i = 0; i < n; ++i) m = max(Scalar<double>{m}, Scalar<double>{double(x[i])}).v;
  // The n x n output is shared among threads by rows (parallel.h): row i is
  // written by one thread with the same code whatever the thread count.
  const size_t rows_per_task = std::max<size_t>(1, kTaskGrain / n);
  if (!finite(m)) {
    run_tasks(n, rows_per_task, n * n, [&](size_t begin, size_t end) {
      std::fill(jac + begin * n, jac + end * n, kNaN<T>);
    });
    return kOk;
  }
  Wide<Scalar<double>> below;  // sum of the e_i < 1, compensated
  double ones = 0.0;           // how many e_i are 1 (x_i is the max)
  for (size_t i = 0; i < n; ++i) {
    e[i] = std::exp(shifted_quotient(double(x[i]), m, temperature));
    if (e[i] < 1.0)
      below.add(Scalar<double>{e[i]});
    else
      ones += 1.0;
  }
  const double rest_sum = below.sum();
  const double sum = rest_sum + ones;
  run_tasks(n, rows_per_task, n * n, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const double si = e[i] / sum;
      // 1 - s_i without cancellation: sum - e_i is exact enough unless e_i is
      // one of the terms equal to 1, whose complement is below + (ones - 1).
      const double rest = (e[i] < 1.0 ? sum - e[i] : rest_sum + (ones - 1.0)) / sum;
      T* row = jac + i * n;
      for (size_t j = 0; j < n; ++j) {
        const double sj = e[j] / sum;
        double v;
        if (kLog)
          v = i == j ? rest : -sj;
        else
          v = i == j ? si * rest : -si * sj;
        row[j] = T(v / temperature);
      }
    }
  });
  return kOk;
}

}  // namespace

template <class T>
Status softmax_jacobian(const T* x, T* jac, size_t n, double temperature, double* work) {
  return jacobian_op<T, false>(x, jac, n, temperature, work);
}

template <class T>
Status log_softmax_jacobian(const T* x, T* jac, size_t n, double temperature, double* work) {
  return jacobian_op<T, true>(x, jac, n, temperature, work);
}

template Status softmax_jacobian<float>(const float*, float*, size_t, double, double*);
template Status softmax_jacobian<double>(const double*, double*, size_t, double, double*);
template Status log_softmax_jacobian<float>(const float*, float*, size_t, double, double*);
template Status log_softmax_jacobian<double>(const double*, double*, size_t, double, double*);

}  // namespace smw
