// vec_test.cc — the semantics vec.h promises and the kernels rely on:
// "max/min propagate NaN (wasm f32x4.max does; the scalar versions are
// written to match), so a NaN in a fibre is always seen by its max."
//
// Checked lane by lane for F32x4 / F64x2 (the SIMD128 source through SIMDe:
// x86's maxps would instead return its second operand when either is NaN)
// and for Scalar<T>, with the NaN in either operand; then through the
// reductions built on them (hmax, row_range, strided_range of passes.h) with the
// NaN at every position of fibres of every length up to 4 vectors + tail.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "passes.h"
#include "vec.h"

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
        EXPECT_TRUE(std::isnan(r[lane])) << "max: lane " << lane << " side " << side
                                         << " other " << other << " gave " << r[lane];
        for (size_t l = 0; l < N; ++l)
          if (l != lane) {
            EXPECT_EQ(std::max(aa[l], bb[l]), r[l]) << "max: lane " << l;
          }
        min(V::load(aa), V::load(bb)).store(r);
        EXPECT_TRUE(std::isnan(r[lane])) << "min: lane " << lane << " side " << side
                                         << " other " << other << " gave " << r[lane];
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
