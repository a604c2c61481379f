// vec_test.cc — the semantics vec.h promises and the kernels rely on:
// "max/min propagate NaN (wasm f32x4.max does; the scalar versions are
// written to match), so a NaN in a fibre is always seen by its max."
//
// Checked lane by lane for F32x4 / F64x2 (the SIMD128 source through SIMDe:
// x86's maxps would instead return its second operand when either is NaN)
// and for Scalar<T>, with the NaN in either operand; then through the
// reductions built on them (hmax, row_range, strided_range of passes.h) with the
// NaN at every position of fibres of every length up to 4 vectors + tail.
#include "vec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "passes.h"

namespace {

template <class V>
void max_min_propagate_nan() {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  const T others[] = {T(0), T(-1.5), T(3), inf, -inf, std::numeric_limits<T>::max()};
  for (size_t lane = 0; lane < N; ++lane) {
    for (T other : others) {
      T a[N], b[N], r[N];
      for (size_t l = 0; l < N; ++l) {
        a[l] = T(l) - T(1);
        b[l] = T(2) - T(l);
      }
      for (int side = 0; side < 3; ++side) {  // NaN in a, in b, in both
        T aa[N], bb[N];
        std::copy(a, a + N, aa);
        std::copy(b, b + N, bb);
        if (side != 1) aa[lane] = nan;
        if (side != 0) bb[lane] = nan;
        if (side == 0) bb[lane] = other;
        if (side == 1) aa[lane] = other;
        max(V::load(aa), V::load(bb)).store(r);
        EXPECT_TRUE(std::isnan(r[lane])) << "max: lane " << lane << " side " << side << " other "
                                         << other << " gave " << r[lane];
        for (size_t l = 0; l < N; ++l)
          if (l != lane) {
            EXPECT_EQ(std::max(aa[l], bb[l]), r[l]) << "max: lane " << l;
          }
        min(V::load(aa), V::load(bb)).store(r);
        EXPECT_TRUE(std::isnan(r[lane])) << "min: lane " << lane << " side " << side << " other "
                                         << other << " gave " << r[lane];
        for (size_t l = 0; l < N; ++l)
          if (l != lane) {
            EXPECT_EQ(std::min(aa[l], bb[l]), r[l]) << "min: lane " << l;
          }
      }
    }
  }
}

// A running max that sees a NaN first and ordinary values after keeps NaN
// (the loop of row_range / strided_range), and so does hmax over the lanes.
template <class V>
void running_max_keeps_nan() {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (size_t lane = 0; lane < N; ++lane) {
    T v[N];
    for (size_t l = 0; l < N; ++l) v[l] = T(-3);
    v[lane] = nan;
    V m = V::splat(-std::numeric_limits<T>::infinity());
    m = max(m, V::load(v));
    for (int k = 0; k < 5; ++k) m = max(m, V::splat(T(k * 10)));
    T r[N];
    m.store(r);
    EXPECT_TRUE(std::isnan(r[lane])) << "running max lost a NaN in lane " << lane;
    EXPECT_TRUE(std::isnan(smw::hmax(m))) << "hmax lost a NaN in lane " << lane;
  }
}

// row_range over a contiguous fibre and strided_range over kLanes fibres, with
// the NaN at every position (main loop of 4 vectors, 1-vector loop, tail).
template <class V>
void reductions_see_nan() {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  for (size_t n = 1; n <= 4 * N * 2 + N + 3; ++n) {
    for (size_t pos = 0; pos < n; ++pos) {
      std::vector<T> x(n);
      for (size_t k = 0; k < n; ++k) x[k] = T(k % 5) - T(2);
      x[(pos + 1) % n] = inf;  // a +inf elsewhere must not hide the NaN
      x[pos] = nan;
      EXPECT_TRUE(std::isnan(smw::row_range<V>(x.data(), n).max))
          << "row_range n=" << n << " NaN at " << pos;
    }
    // strided: element k of fibre l at p[k * N + l]
    for (size_t pos = 0; pos < n * N; ++pos) {
      std::vector<T> x(n * N);
      for (size_t k = 0; k < x.size(); ++k) x[k] = T(k % 7) - T(3);
      x[pos] = nan;
      T r[N];
      smw::strided_range<V>(x.data(), n, N).max.store(r);
      for (size_t l = 0; l < N; ++l) {
        if (l == pos % N)
          EXPECT_TRUE(std::isnan(r[l])) << "strided_max n=" << n << " NaN at " << pos;
        else
          EXPECT_FALSE(std::isnan(r[l])) << "strided_max n=" << n << ": NaN leaked to lane " << l;
      }
    }
  }
}

#if SOFTMAX_WASM_SIMD128
// log_of(Wide<F32x4>) (the strided log-softmax's log of the sums) against
// std::log: 2e-11 before rounding, and within half a float32 ulp of the exact log plus that,
// on totals from 1 to 2^40 (every exponent, mantissas near sqrt(2)/2 and 1)
// and just above 1, where the log is tiny.
TEST(VecLog, F32x4LogOf) {
  std::vector<double> xs;
  for (int e = 0; e <= 40; ++e)
    for (double m : {1.0, 1.0 + 1e-15, 1.2, 0.70710678118654752, 0.7071067811865476,
                     1.4142135623730951, 1.5, 1.9999999})
      xs.push_back(std::ldexp(m, e));
  for (double d = 1e-12; d < 1; d *= 3.7) xs.push_back(1.0 + d);
  for (int i = 0; i < 4000; ++i) xs.push_back(1.0 + i * 12.345);
  while (xs.size() % 4) xs.push_back(1.0);
  for (size_t i = 0; i < xs.size(); i += 4) {
    smw::Wide<smw::F32x4> w;
    w.lo = wasm_f64x2_make(xs[i], xs[i + 1]);
    w.hi = wasm_f64x2_make(xs[i + 2], xs[i + 3]);
    float r[4];
    double d[4];
    smw::log_of(w).store(r);
    wasm_v128_store(d, smw::log_f64x2_for_float(w.lo));
    wasm_v128_store(d + 2, smw::log_f64x2_for_float(w.hi));
    for (int l = 0; l < 4; ++l) {
      if (xs[i + l] < 1.0) continue;  // m < 1 above only builds larger totals
      const double exact = std::log(xs[i + l]);
      EXPECT_LE(std::fabs(d[l] - exact), 2e-11) << "log(" << xs[i + l] << ") before rounding";
      const double half_ulp =
          exact == 0.0 ? 0.0 : 0.5 * std::ldexp(1.0, std::ilogb(float(exact)) - 23);
      EXPECT_LE(std::fabs(double(r[l]) - exact), half_ulp + 2e-11) << "log(" << xs[i + l] << ")";
    }
  }
}

TEST(VecNaN, F32x4MaxMin) { max_min_propagate_nan<smw::F32x4>(); }
TEST(VecNaN, F64x2MaxMin) { max_min_propagate_nan<smw::F64x2>(); }
TEST(VecNaN, F32x4RunningMax) { running_max_keeps_nan<smw::F32x4>(); }
TEST(VecNaN, F64x2RunningMax) { running_max_keeps_nan<smw::F64x2>(); }
TEST(VecNaN, F32x4Reductions) { reductions_see_nan<smw::F32x4>(); }
TEST(VecNaN, F64x2Reductions) { reductions_see_nan<smw::F64x2>(); }
#endif
TEST(VecNaN, ScalarMaxMin) {
  max_min_propagate_nan<smw::Scalar<float>>();
  max_min_propagate_nan<smw::Scalar<double>>();
}
TEST(VecNaN, ScalarRunningMax) {
  running_max_keeps_nan<smw::Scalar<float>>();
  running_max_keeps_nan<smw::Scalar<double>>();
}
TEST(VecNaN, ScalarReductions) {
  reductions_see_nan<smw::Scalar<float>>();
  reductions_see_nan<smw::Scalar<double>>();
}

}  // namespace
