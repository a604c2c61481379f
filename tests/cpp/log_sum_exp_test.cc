// log_sum_exp_test.cc — smw::log_sum_exp against the long double reference.
//
// Tolerance: |error| <= tol * max(1, |ref|), tol the bound of
// cpp/accuracy.json. Non-finite rules (torch.logsumexp):
// NaN if the fibre holds a NaN, else +inf if it holds a +inf, else -inf if it
// is all -inf or empty.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "check.h"
#include "reference.h"
#include "softmax.h"

namespace {

using namespace smw_test;

template <class T>
class LogSumExpTest : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LogSumExpTest, Dtypes);

// Checks y = log_sum_exp(x) against the reference; also with y aliasing x
// (the output is a prefix of the input, written only after the elements it
// overwrites have been read).
template <class T>
void check_lse(const std::vector<T>& x, size_t outer, size_t n, size_t inner,
               const std::string& ctx, size_t offset = 0, const char* table = "") {
  ASSERT_EQ(x.size(), outer * n * inner);
  Buffer<T> in(x, offset), out(outer * inner, (offset + 1) % 4, T(0));
  ASSERT_EQ(smw::kOk, smw::log_sum_exp<T>(in.data(), out.data(), outer, n, inner)) << ctx;
  EXPECT_TRUE(in.guard_intact() && out.guard_intact()) << ctx << ": wrote before its output";
  for (size_t k = 0; k < x.size(); ++k)
    ASSERT_EQ(0, std::memcmp(&x[k], in.data() + k, sizeof(T)))
        << ctx << ": input modified at " << k;
  Spec spec;
  spec.op = std::string("log_sum_exp/") + dtype_name<T>() + table;
  spec.context = ctx;
  spec.measure = Measure::kAbsMax1;
  use_contract<T>(spec, "logSumExp", "y");
  spec.n = 1;
  spec.inner = inner;
  EXPECT_TRUE(compare(out.data(), ref::log_sum_exp(x.data(), outer, n, inner), spec));
  if (n > 0) {
    ASSERT_EQ(smw::kOk, smw::log_sum_exp<T>(in.data(), in.data(), outer, n, inner)) << ctx;
    EXPECT_TRUE(same_bits(in.data(), out.data(), outer * inner, ctx + " aliased"));
  }
}

TYPED_TEST(LogSumExpTest, AllGeometries) {
  using T = TypeParam;
  const std::vector<Geometry> geos = geometries();
  for (size_t idx = 0; idx < geos.size(); ++idx) {
    const Geometry& g = geos[idx];
    for (double scale : logit_scales()) {
      if (!kThorough && scale != logit_scales()[idx % 3]) continue;  // one scale each
      const uint32_t seed = uint32_t(3000 + 3 * idx) + uint32_t(scale);
      std::mt19937 rng(seed);
      std::vector<T> x = random_logits<T>(g.outer * g.n * g.inner, scale, rng);
      check_lse<T>(x, g.outer, g.n, g.inner, context(g.outer, g.n, g.inner, 1, scale, seed),
                   idx % 3);
      // Shifted far from 0: the result is dominated by the max.
      for (T& v : x) v += T(1e4);
      check_lse<T>(x, g.outer, g.n, g.inner,
                   context(g.outer, g.n, g.inner, 1, scale, seed) + " +1e4");
    }
    if (::testing::Test::HasFailure()) return;  // one geometry's report is enough
  }
}

TYPED_TEST(LogSumExpTest, NonFinite) {
  using T = TypeParam;
  const T kInf = std::numeric_limits<T>::infinity(), kNaN = std::numeric_limits<T>::quiet_NaN();
  std::mt19937 rng(9);
  for (size_t n : {1, 2, 3, 4, 5, 7, 8, 9, 17}) {
    for (size_t inner : {1, 2, 3, 4, 5, 9}) {
      for (T special : {kNaN, kInf, -kInf}) {
        for (size_t pos = 0; pos < n * inner; ++pos) {
          std::vector<T> x = random_logits<T>(2 * n * inner, 10.0, rng);
          x[pos] = special;
          x[n * inner + (pos * 7 + 3) % (n * inner)] = -kInf;
          check_lse<T>(x, 2, n, inner,
                       "special " + show(special) + " at " + std::to_string(pos) + " (outer=2, n=" +
                           std::to_string(n) + ", inner=" + std::to_string(inner) + ")");
        }
      }
      // NaN wins over +inf; +inf over -inf; all -inf gives -inf.
      std::vector<T> x = random_logits<T>(n * inner, 3.0, rng);
      for (size_t k = 0; k < n; ++k) x[k * inner] = -kInf;
      if (inner > 1) {
        for (size_t k = 0; k < n; ++k) x[k * inner + 1] = k % 2 ? kInf : -kInf;
      }
      if (inner > 2) {
        for (size_t k = 0; k < n; ++k) x[k * inner + 2] = k % 2 ? kInf : kNaN;
      }
      check_lse<T>(x, 1, n, inner,
                   "mixed specials n=" + std::to_string(n) + " inner=" + std::to_string(inner));
    }
  }
}

// n == 0: every fibre is empty and its log-sum-exp is -inf.
TYPED_TEST(LogSumExpTest, EmptyFibres) {
  using T = TypeParam;
  for (size_t outer : {1, 2, 3})
    for (size_t inner : {1, 4, 5}) {
      std::vector<T> y(outer * inner, T(7));
      ASSERT_EQ(smw::kOk, smw::log_sum_exp<T>(nullptr, y.data(), outer, 0, inner));
      for (T v : y) EXPECT_EQ(-std::numeric_limits<T>::infinity(), v);
    }
}

// One dominant logit and n - 1 equal ones (see softmax_test.cc): the rounding
// errors of the exp-sum all have the same sign.
TYPED_TEST(LogSumExpTest, DominantLogitEqualRest) {
  using T = TypeParam;
  std::mt19937 rng(22);
  std::uniform_real_distribution<float> u(0.0f, 20.0f);
  std::vector<float> deltas = {12.7854671f};
  for (int k = 0; k < 40; ++k) deltas.push_back(u(rng));
  for (size_t n : {64, 128, 129, 256, 1000}) {
    if (::testing::Test::HasFailure()) return;  // the first failing case is enough
    for (float delta : deltas) {
      std::vector<T> x(n, T(-delta));
      x[0] = T(0);
      check_lse<T>(x, 1, n, 1,
                   "dominant logit 0, " + std::to_string(n - 1) + " logits at " + show(-delta), 0,
                   " dominant logit");
      if (::testing::Test::HasFailure()) break;
    }
  }
}

// Any finite input: logits near the largest finite value, where x - max
// overflows for the most negative entry and the result may round to max.
TYPED_TEST(LogSumExpTest, HugeLogits) {
  using T = TypeParam;
  const T big = std::numeric_limits<T>::max();
  const std::vector<T> x = {big, T(-0.9 * big), big, T(0.5 * big), T(0), T(-big)};
  check_lse<T>(x, 1, x.size(), 1, "huge logits contiguous", 0, " huge x");
  check_lse<T>(x, 1, 3, 2, "huge logits strided", 0, " huge x");
  const std::vector<T> y = {T(-0.9 * big), T(-0.9 * big), T(-big), T(-0.5 * big)};
  check_lse<T>(y, 1, y.size(), 1, "huge negative logits", 0, " huge x");
}

}  // namespace
