// reference_test.cc — checks of the oracle itself (reference.h), so a
// failure elsewhere means the kernel, not the reference, is off:
// known values, identities between the ops, a finite-difference derivative
// of the Jacobian, and the non-finite rules spelled out once by hand.
#include "reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using ref::LD;

TEST(Reference, KnownValues) {
  // The overflow example of the essay: naive exp(1000) is inf.
  const std::vector<double> x = {1000, 1001, 1002};
  const std::vector<LD> s = ref::softmax(x.data(), 1, 3, 1, 1.0, false);
  EXPECT_NEAR(double(s[0]), 0.09003057317038046, 1e-16);
  EXPECT_NEAR(double(s[1]), 0.24472847105479767, 1e-16);
  EXPECT_NEAR(double(s[2]), 0.6652409557748219, 1e-16);
  const std::vector<double> z = {0, 0}, w = {1, 2, 3};
  EXPECT_NEAR(double(ref::log_sum_exp(z.data(), 1, 2, 1)[0]), std::log(2.0), 1e-16);
  EXPECT_NEAR(double(ref::log_sum_exp(w.data(), 1, 3, 1)[0]), 3.4076059644443806, 1e-15);
}

TEST(Reference, Identities) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-20, 20);
  for (size_t n : {1, 2, 7, 33}) {
    for (size_t inner : {1, 3}) {
      std::vector<double> x(2 * n * inner);
      for (double& v : x) v = u(rng);
      for (double t : {0.1, 1.0, 7.0}) {
        const auto s = ref::softmax(x.data(), 2, n, inner, t, false);
        const auto ls = ref::softmax(x.data(), 2, n, inner, t, true);
        std::vector<double> xt(x.size());
        for (size_t k = 0; k < x.size(); ++k) xt[k] = double(LD(x[k]) / LD(t));
        const auto lse = ref::log_sum_exp(xt.data(), 2, n, inner);
        for (size_t o = 0; o < 2; ++o)
          for (size_t i = 0; i < inner; ++i) {
            LD sum = 0;
            for (size_t k = 0; k < n; ++k) {
              const size_t a = ref::at(o, k, i, n, inner);
              sum += s[a];
              // log_softmax = log(softmax) = x / T - logsumexp(x / T)
              EXPECT_NEAR(double(ls[a]), double(std::log(s[a])),
                          1e-12 * std::max(1.0, std::fabs(double(ls[a]))));
              EXPECT_NEAR(double(ls[a]), double(LD(xt[a]) - lse[o * inner + i]),
                          1e-12 * std::max(1.0, std::fabs(double(ls[a]))));
            }
            EXPECT_NEAR(double(sum), 1.0, 1e-15);
          }
      }
    }
  }
}

// The Jacobian by central differences of the softmax reference, and the
// backward references as J^T dy of the Jacobian reference.
TEST(Reference, JacobianAndBackwardAgree) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> u(-3, 3);
  for (size_t n : {1, 2, 5, 9}) {
    std::vector<double> x(n), dy(n);
    for (double& v : x) v = u(rng);
    for (double& v : dy) v = u(rng);
    for (double t : {0.5, 2.0}) {
      for (bool log : {false, true}) {
        const auto jac = ref::jacobian(x.data(), n, t, log);
        const double h = 1e-5;
        for (size_t j = 0; j < n; ++j) {
          std::vector<double> xp = x, xm = x;
          xp[j] += h;
          xm[j] -= h;
          const auto yp = ref::softmax(xp.data(), 1, n, 1, t, log);
          const auto ym = ref::softmax(xm.data(), 1, n, 1, t, log);
          for (size_t i = 0; i < n; ++i)
            EXPECT_NEAR(double(jac[i * n + j]), double((yp[i] - ym[i]) / LD(xp[j] - xm[j])), 1e-8)
                << "J[" << i << "][" << j << "] log=" << log << " T=" << t;
        }
        const auto y = ref::softmax(x.data(), 1, n, 1, t, log);
        std::vector<double> yd(n);
        for (size_t k = 0; k < n; ++k) yd[k] = double(y[k]);
        // The backward reference takes y rounded to double; compare it with
        // J^T dy of that same rounded y's Jacobian within double rounding.
        const auto b = ref::backward(dy.data(), yd.data(), 1, n, 1, t, log);
        for (size_t j = 0; j < n; ++j) {
          LD jt = 0;
          for (size_t i = 0; i < n; ++i) jt += jac[i * n + j] * LD(dy[i]);
          EXPECT_NEAR(double(b.dx[j]), double(jt), 1e-14) << "dx[" << j << "] log=" << log;
        }
      }
    }
  }
}

TEST(Reference, NonFiniteRules) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  auto sm = [](std::vector<double> x, bool log) {
    return ref::softmax(x.data(), 1, x.size(), 1, 1.0, log);
  };
  auto lse = [](std::vector<double> x) { return ref::log_sum_exp(x.data(), 1, x.size(), 1)[0]; };
  for (bool log : {false, true}) {
    for (LD v : sm({1, nan, 2}, log)) EXPECT_TRUE(std::isnan(v));
    for (LD v : sm({1, inf, 2}, log)) EXPECT_TRUE(std::isnan(v));
    for (LD v : sm({-inf, -inf}, log)) EXPECT_TRUE(std::isnan(v));
    const auto s = sm({-inf, 0, 0}, log);
    EXPECT_EQ(log ? -ref::inf_ld() : LD(0), s[0]);
    EXPECT_NEAR(double(s[1]), log ? -std::log(2.0) : 0.5, 1e-16);
  }
  EXPECT_TRUE(std::isnan(lse({inf, nan})));
  EXPECT_EQ(ref::inf_ld(), lse({-inf, inf, 3}));
  EXPECT_EQ(-ref::inf_ld(), lse({-inf, -inf}));
  EXPECT_EQ(-ref::inf_ld(), lse({}));
  EXPECT_NEAR(double(lse({-inf, 0})), 0.0, 1e-18);
  ref::Sum s;
  s.add(1);
  s.add(inf);
  s.add(2);
  EXPECT_EQ(ref::inf_ld(), s.value());
}

}  // namespace
