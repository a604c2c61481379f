// jacobian_test.cc — smw::softmax_jacobian and smw::log_softmax_jacobian
// against the long double reference:
//   softmax:     J_ij = (s_i delta_ij - s_i s_j) / T
//   log-softmax: J_ij = (delta_ij - s_j) / T
// Tolerance: the relative bound of cpp/accuracy.json for entries with |ref|
// at or above its floor (1e-30); smaller entries must stay below the floor in
// magnitude.
#include <gtest/gtest.h>

#include <cfloat>
#include <limits>
#include <random>
#include <vector>

#include "check.h"
#include "reference.h"
#include "softmax.h"

namespace {

using namespace smw_test;

template <class T>
smw::Status jacobian(bool log, const T* x, T* jac, size_t n, double t, double* work) {
  return log ? smw::log_softmax_jacobian<T>(x, jac, n, t, work)
             : smw::softmax_jacobian<T>(x, jac, n, t, work);
}

template <class T>
::testing::AssertionResult jacobian_result(bool log, const std::vector<T>& x, double t,
                                           const std::string& ctx, const char* table = "") {
  const size_t n = x.size();
  Buffer<T> in(x, 1), jac(n * n, 2, T(0));
  std::vector<double> work(n);  // exactly n doubles: AddressSanitizer checks the bound
  const smw::Status st = jacobian<T>(log, in.data(), jac.data(), n, t, work.data());
  if (st != smw::kOk) return ::testing::AssertionFailure() << ctx << ": status " << st;
  if (!in.guard_intact() || !jac.guard_intact())
    return ::testing::AssertionFailure() << ctx << ": wrote before an array";
  for (size_t k = 0; k < n; ++k)
    if (std::memcmp(&x[k], in.data() + k, sizeof(T)) != 0)
      return ::testing::AssertionFailure() << ctx << ": x modified at " << k;
  Spec spec;
  spec.op =
      std::string(log ? "log_softmax_jacobian/" : "softmax_jacobian/") + dtype_name<T>() + table;
  spec.context = ctx;
  spec.measure = Measure::kRel;
  use_contract<T>(spec, log ? "logSoftmaxJacobian" : "softmaxJacobian", "J");
  spec.n = n;  // index k of J prints as (o = row i, k = column j)
  spec.inner = 1;
  return compare(jac.data(), ref::jacobian(x.data(), n, t, log), spec);
}

template <class T>
class JacobianTest : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(JacobianTest, Dtypes);

// Every fibre length up to 129 (n^2 entries), temperatures and logit scales
// rotating, and the full temperature x scale grid on a few lengths.
TYPED_TEST(JacobianTest, AllSizes) {
  using T = TypeParam;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    size_t idx = 0;
    for (size_t n : sizes()) {
      if (n > 129) continue;
      for (int rep = 0; rep < 2; ++rep, ++idx) {
        const double t = temperatures()[idx % 5], scale = logit_scales()[(idx / 5) % 3];
        const uint32_t seed = uint32_t(7000 + idx);
        std::mt19937 rng(seed);
        EXPECT_TRUE(jacobian_result<T>(log, random_logits<T>(n, scale, rng), t,
                                       context(1, n, 1, t, scale, seed)));
      }
      if (failures_so_far() > mark) break;  // one size's report is enough
    }
  }
}

TYPED_TEST(JacobianTest, TemperatureScaleGrid) {
  using T = TypeParam;
  uint32_t seed = 900;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (size_t n : {1, 2, 5, 17, 64}) {
      for (double t : temperatures())
        for (double scale : logit_scales()) {
          std::mt19937 rng(++seed);
          EXPECT_TRUE(jacobian_result<T>(log, random_logits<T>(n, scale, rng), t,
                                         context(1, n, 1, t, scale, seed)));
        }
      if (failures_so_far() > mark) break;
    }
  }
}

// One probability close to 1: its diagonal entry s_i (1 - s_i) (softmax) or
// (1 - s_i) (log-softmax) is tiny but far above 1e-30, and jacobian.cc says
// it forms 1 - s_i "as (S - e_i) / S so the diagonal does not cancel".
TYPED_TEST(JacobianTest, DiagonalNearOne) {
  using T = TypeParam;
  for (bool log : {false, true}) {
    for (T gap : {T(5), T(20), T(40), T(50), T(60)}) {
      const std::vector<T> x = {T(0), -gap, T(-gap - 1)};
      EXPECT_TRUE(jacobian_result<T>(log, x, 1.0,
                                     "x = {0, " + show(-gap) + ", " + show(T(-gap - 1)) + "} T=1",
                                     " s_i near 1"));
    }
  }
}

// Non-finite x: a NaN or +inf anywhere, or all -inf, makes every entry NaN;
// -inf entries have s_i = 0.
TYPED_TEST(JacobianTest, NonFinite) {
  using T = TypeParam;
  const T kInf = std::numeric_limits<T>::infinity(), kNaN = std::numeric_limits<T>::quiet_NaN();
  std::mt19937 rng(61);
  for (bool log : {false, true}) {
    for (size_t n : {1, 2, 3, 5, 8}) {
      for (T special : {kNaN, kInf, -kInf}) {
        for (size_t pos = 0; pos < n; ++pos) {
          std::vector<T> x = random_logits<T>(n, 4.0, rng);
          x[pos] = special;
          EXPECT_TRUE(jacobian_result<T>(log, x, 0.5,
                                         "special " + show(special) + " at " + std::to_string(pos) +
                                             " of " + std::to_string(n)));
        }
      }
      EXPECT_TRUE(jacobian_result<T>(log, std::vector<T>(n, -kInf), 1.0, "all -inf"));
    }
  }
}

// The documented temperature range (0, DBL_MAX], as for softmax.
TYPED_TEST(JacobianTest, ExtremeTemperatures) {
  using T = TypeParam;
  const std::vector<T> x = {T(1.5), T(-2), T(0.25), T(1.5), T(7), T(6.5)};
  for (bool log : {false, true}) {
    std::string wrong, first;
    for (double t :
         {1e-30, 1e-40, 1e-300, 1e-307, 1e-310, 4.9e-324, 1e30, 1e39, 1e300, 1e308, DBL_MAX}) {
      char ctx[48];
      std::snprintf(ctx, sizeof ctx, "T=%g", t);
      ::testing::AssertionResult r = jacobian_result<T>(log, x, t, ctx, " extreme T");
      if (!r) {
        wrong += (wrong.empty() ? "" : ", ") + std::string(ctx + 2);
        if (first.empty()) first = r.message();
      }
    }
    EXPECT_TRUE(wrong.empty()) << (log ? "log_softmax_jacobian<" : "softmax_jacobian<")
                               << dtype_name<T>() << ">: wrong at T = " << wrong
                               << "; first: " << first;
  }
}

}  // namespace
