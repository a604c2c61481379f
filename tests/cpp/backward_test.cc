// backward_test.cc — smw::softmax_backward and smw::log_softmax_backward
// against the long double reference, given the forward output y:
//   softmax:     dx = y * (dy - <dy, y>) / T
//   log-softmax: dx = (dy - exp(y) * sum(dy)) / T
//
// The final subtraction may cancel, so the bound is componentwise against the
// size of its terms:
//   |err_i| <= tol * scale_i, tol the bound of cpp/accuracy.json,
//   scale_i = |y_i| (|dy_i| + |<dy, y>|) / T           (softmax)
//   scale_i = (|dy_i| + exp(y_i) |sum dy|) / T           (log-softmax)
// plus two absolute allowances that the relative bound cannot express (they
// matter only for results near or below the smallest normal number):
//   * exp(y) follows exp_any, which flushes results below 2^-125 (2^-1021) to
//     0 (exp.h), so where exp(y_i) is below that the term exp(y_i)|sum dy|/T
//     may be lost;
//   * gradual underflow: a rounding whose result is subnormal has an absolute
//     error up to denorm_min / 2 instead of a relative one. Both formulas
//     round a subnormal product before multiplying by 1/T and round again
//     after, so the allowance is (1 + 1/T) denorm_min, twice that sum.
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
smw::Status backward(bool log, const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                     double t) {
  return log ? smw::log_softmax_backward<T>(dy, y, dx, outer, n, inner, t)
             : smw::softmax_backward<T>(dy, y, dx, outer, n, inner, t);
}

template <class T>
constexpr LD kExpFlush = std::is_same<T, float>::value ? 0x1p-125L : 0x1p-1021L;

// Runs one backward op out of place and with dx aliasing dy and y, and checks
// it against the reference.
template <class T>
void check_backward(bool log, const std::vector<T>& dy, const std::vector<T>& y, size_t outer,
                    size_t n, size_t inner, double t, const std::string& ctx, size_t offset = 0,
                    const char* table = "") {
  const size_t count = outer * n * inner;
  ASSERT_EQ(dy.size(), count);
  ASSERT_EQ(y.size(), count);
  Buffer<T> g(dy, offset), s(y, (offset + 1) % 4), out(count, (offset + 2) % 4, T(0));
  ASSERT_EQ(smw::kOk, backward<T>(log, g.data(), s.data(), out.data(), outer, n, inner, t)) << ctx;
  EXPECT_TRUE(g.guard_intact() && s.guard_intact() && out.guard_intact())
      << ctx << ": wrote before an array";
  for (size_t k = 0; k < count; ++k) {
    ASSERT_EQ(0, std::memcmp(&dy[k], g.data() + k, sizeof(T))) << ctx << ": dy modified at " << k;
    ASSERT_EQ(0, std::memcmp(&y[k], s.data() + k, sizeof(T))) << ctx << ": y modified at " << k;
  }

  const ref::Backward r = ref::backward(dy.data(), y.data(), outer, n, inner, t, log);
  std::vector<LD> allow(count, (1 + 1 / LD(t)) * LD(std::numeric_limits<T>::denorm_min()));
  if (log) {
    for (size_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < inner; ++i) {
        ref::Sum total;
        for (size_t k = 0; k < n; ++k) total.add(dy[ref::at(o, k, i, n, inner)]);
        for (size_t k = 0; k < n; ++k) {
          const size_t a = ref::at(o, k, i, n, inner);
          const LD e = std::exp(LD(y[a]));
          if (e < kExpFlush<T>) allow[a] += e * std::fabs(total.value()) / LD(t);
        }
      }
  }
  Spec spec;
  spec.op =
      std::string(log ? "log_softmax_backward/" : "softmax_backward/") + dtype_name<T>() + table;
  spec.context = ctx;
  spec.measure = Measure::kScaled;
  use_contract<T>(spec, log ? "logSoftmaxBackward" : "softmaxBackward", "dx");
  spec.n = n;
  spec.inner = inner;
  spec.scale = &r.scale;
  spec.allow = &allow;
  EXPECT_TRUE(compare(out.data(), r.dx, spec));

  // dx may alias dy or y.
  Buffer<T> g2(dy, offset), s2(y, offset);
  ASSERT_EQ(smw::kOk, backward<T>(log, g2.data(), s.data(), g2.data(), outer, n, inner, t)) << ctx;
  EXPECT_TRUE(same_bits(g2.data(), out.data(), count, ctx + " dx == dy"));
  ASSERT_EQ(smw::kOk, backward<T>(log, g.data(), s2.data(), s2.data(), outer, n, inner, t)) << ctx;
  EXPECT_TRUE(same_bits(s2.data(), out.data(), count, ctx + " dx == y"));
}

// The forward output of random logits (the reference's, rounded to T) and a
// random upstream gradient in [-1, 1].
template <class T>
void check_random(bool log, const Geometry& g, double t, double scale, uint32_t seed,
                  size_t offset = 0) {
  std::mt19937 rng(seed);
  const size_t count = g.outer * g.n * g.inner;
  const std::vector<T> x = random_logits<T>(count, scale, rng);
  const std::vector<T> dy = random_logits<T>(count, 1.0, rng);
  const std::vector<LD> yr = ref::softmax(x.data(), g.outer, g.n, g.inner, t, log);
  std::vector<T> y(count);
  for (size_t k = 0; k < count; ++k) y[k] = T(yr[k]);
  check_backward<T>(log, dy, y, g.outer, g.n, g.inner, t,
                    context(g.outer, g.n, g.inner, t, scale, seed), offset);
}

template <class T>
class BackwardTest : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(BackwardTest, Dtypes);

TYPED_TEST(BackwardTest, AllGeometries) {
  const std::vector<Geometry> geos = geometries();
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (size_t idx = 0; idx < geos.size(); ++idx) {
      const double t = temperatures()[idx % 5];
      const double scale = logit_scales()[(idx / 5) % 3];
      check_random<TypeParam>(log, geos[idx], t, scale, uint32_t(5000 + idx), idx % 4);
      if (failures_so_far() > mark) break;  // one geometry's report is enough
    }
  }
}

TYPED_TEST(BackwardTest, TemperatureScaleGrid) {
  const Geometry geos[] = {{1, 1, 1}, {3, 5, 1}, {1, 17, 1}, {2, 129, 1}, {1, 1000, 1},
                           {2, 7, 3}, {1, 9, 4}, {1, 33, 5}, {1, 4, 17},  {1, 50257, 1}};
  uint32_t seed = 500;
  for (bool log : {false, true})
    for (const Geometry& g : geos)
      for (double t : temperatures()) {
        if (!kThorough && g.n * g.inner * g.outer >= 50000) continue;  // AllGeometries has it
        for (double scale : logit_scales()) check_random<TypeParam>(log, g, t, scale, ++seed);
      }
}

// Rows of at most 16 (inner == 1) run kLanes rows at a time, the rows left
// over one by one: every n up to and past 16, row counts that are and are
// not a multiple of 4 (and of 2), T == 1 (no multiply by 1/T) and not.
TYPED_TEST(BackwardTest, ShortRows) {
  uint32_t seed = 9000;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (size_t n = 1; n <= 17; ++n)
      for (size_t outer : {4, 8, 9, 11, 64})
        for (double t : {1.0, 0.7, 3.0}) {
          ++seed;
          check_random<TypeParam>(log, {outer, n, 1}, t, logit_scales()[seed % 3], seed, seed % 4);
          if (failures_so_far() > mark) break;
        }
  }
}

// Strided axes at inner sizes that take 4, 2 and 1 vectors of fibres at a
// time and single fibres, at T == 1 and not.
TYPED_TEST(BackwardTest, StridedBlocks) {
  uint32_t seed = 9500;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (size_t inner : {8, 12, 14, 16, 20, 24, 27, 40})
      for (size_t n : {1, 2, 7, 64})
        for (double t : {1.0, 0.25}) {
          ++seed;
          check_random<TypeParam>(log, {2, n, inner}, t, logit_scales()[seed % 3], seed, seed % 4);
          if (failures_so_far() > mark) break;
        }
  }
}

// Upstream gradients of structured shapes: uniform (the result is ~0 by
// shift invariance, all cancellation), one-hot (cross-entropy), and zero.
TYPED_TEST(BackwardTest, StructuredGradients) {
  using T = TypeParam;
  std::mt19937 rng(31);
  for (bool log : {false, true}) {
    for (const Geometry& g : {Geometry{2, 9, 1}, Geometry{1, 129, 1}, Geometry{2, 5, 6},
                              Geometry{1, 1000, 1}, Geometry{1, 17, 4}}) {
      const size_t count = g.outer * g.n * g.inner;
      for (double t : {0.5, 1.0, 3.0}) {
        const std::vector<T> x = random_logits<T>(count, 5.0, rng);
        const std::vector<LD> yr = ref::softmax(x.data(), g.outer, g.n, g.inner, t, log);
        std::vector<T> y(count);
        for (size_t k = 0; k < count; ++k) y[k] = T(yr[k]);
        const std::string ctx = context(g.outer, g.n, g.inner, t, 5.0, 31);
        check_backward<T>(log, std::vector<T>(count, T(0.375)), y, g.outer, g.n, g.inner, t,
                          ctx + " uniform dy");
        check_backward<T>(log, std::vector<T>(count, T(0)), y, g.outer, g.n, g.inner, t,
                          ctx + " zero dy");
        std::vector<T> onehot(count, T(0));
        for (size_t o = 0; o < g.outer; ++o)
          for (size_t i = 0; i < g.inner; ++i)
            onehot[ref::at(o, (o * 7 + i * 3) % g.n, i, g.n, g.inner)] = T(-1.5);
        check_backward<T>(log, onehot, y, g.outer, g.n, g.inner, t, ctx + " one-hot dy");
      }
    }
  }
}

// <dy, y> (softmax) or sum(dy) (log-softmax) cancels to ~1e-6 of the sum of
// its terms' magnitudes, and one dy_i is small: the bound, relative to
// |dy_i| + |<dy, y>|, then needs the reduction itself to be accurate relative
// to its (small) result, not to the size of its terms.
TYPED_TEST(BackwardTest, ReductionCancels) {
  using T = TypeParam;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      const size_t n = seed % 5 == 0 ? 12 : 16 + 16 * (seed % 4);
      std::mt19937 rng(seed);
      const double t = seed % 2 ? 1.0 : 0.5;
      std::vector<T> x = random_logits<T>(n, 1.0, rng);
      if (log) x[0] = T(8);  // exp(y_0) close to 1: the sum's error reaches dx_0 in full
      const std::vector<LD> yr = ref::softmax(x.data(), 1, n, 1, t, log);
      std::vector<T> y(n);
      for (size_t k = 0; k < n; ++k) y[k] = T(yr[k]);
      std::vector<T> dy = random_logits<T>(n, 1.0, rng);
      dy[0] = T(1e-7);
      ref::Sum c;
      for (size_t k = 0; k + 1 < n; ++k) c.add(log ? LD(dy[k]) : LD(dy[k]) * LD(y[k]));
      const LD w = log ? LD(1) : LD(y[n - 1]);
      dy[n - 1] = T((1e-6L - c.value()) / w);
      check_backward<T>(log, dy, y, 1, n, 1, t,
                        "cancelling reduction n=" + std::to_string(n) + " T=" + std::to_string(t) +
                            " seed=" + std::to_string(seed),
                        0, " cancelling");
      // The same row 8 times (short rows run in groups from 8 rows on).
      std::vector<T> dy8, y8;
      for (int r = 0; r < 8; ++r) {
        dy8.insert(dy8.end(), dy.begin(), dy.end());
        y8.insert(y8.end(), y.begin(), y.end());
      }
      check_backward<T>(log, dy8, y8, 8, n, 1, t, "cancelling reduction x8 n=" + std::to_string(n),
                        0, " cancelling");
      if (failures_so_far() > mark) break;  // the first failing case is enough
    }
  }
}

// NaN and inf in dy or y propagate to the fibre through the dot product (sum)
// exactly as the arithmetic of the formula says; other fibres are untouched.
TYPED_TEST(BackwardTest, NonFinite) {
  using T = TypeParam;
  const T kInf = std::numeric_limits<T>::infinity(), kNaN = std::numeric_limits<T>::quiet_NaN();
  std::mt19937 rng(41);
  for (bool log : {false, true}) {
    for (size_t n : {1, 2, 3, 4, 5, 8, 9}) {
      for (size_t inner : {1, 2, 3, 4, 5}) {
        const size_t count = 2 * n * inner;
        const std::vector<T> x = random_logits<T>(count, 3.0, rng);
        const std::vector<LD> yr = ref::softmax(x.data(), 2, n, inner, 1.0, log);
        std::vector<T> y(count);
        for (size_t k = 0; k < count; ++k) y[k] = T(yr[k]);
        for (T special : {kNaN, kInf, -kInf}) {
          for (size_t pos = 0; pos < count; pos += 3) {
            std::vector<T> dy = random_logits<T>(count, 1.0, rng);
            const std::string where = " at " + std::to_string(pos) +
                                      " (outer=2, n=" + std::to_string(n) +
                                      ", inner=" + std::to_string(inner) + ")";
            std::vector<T> dy_bad = dy;
            dy_bad[pos] = special;
            check_backward<T>(log, dy_bad, y, 2, n, inner, 1.0,
                              "dy special " + show(special) + where);
            if (!(log && special == kInf)) {  // exp(+inf) = +inf: no valid forward output
              std::vector<T> y_bad = y;
              y_bad[pos] = special;
              check_backward<T>(log, dy, y_bad, 2, n, inner, 2.0,
                                "y special " + show(special) + where);
            }
          }
        }
      }
    }
  }
}

}  // namespace

namespace {

// NaN and inf in the grouped short rows and the wide strided blocks: only the
// fibre that holds one is affected.
TYPED_TEST(BackwardTest, NonFiniteGroups) {
  using T = TypeParam;
  const T kInf = std::numeric_limits<T>::infinity(), kNaN = std::numeric_limits<T>::quiet_NaN();
  std::mt19937 rng(43);
  for (bool log : {false, true}) {
    for (const Geometry& g : {Geometry{9, 3, 1}, Geometry{8, 5, 1}, Geometry{9, 10, 1},
                              Geometry{8, 16, 1}, Geometry{2, 5, 16}, Geometry{1, 6, 24}}) {
      const size_t count = g.outer * g.n * g.inner;
      const std::vector<T> x = random_logits<T>(count, 3.0, rng);
      const std::vector<LD> yr = ref::softmax(x.data(), g.outer, g.n, g.inner, 1.0, log);
      std::vector<T> y(count);
      for (size_t k = 0; k < count; ++k) y[k] = T(yr[k]);
      for (T special : {kNaN, kInf, -kInf}) {
        for (size_t pos = 0; pos < count; pos += 7) {
          const std::vector<T> dy = random_logits<T>(count, 1.0, rng);
          const std::string where =
              " at " + std::to_string(pos) + " " + context(g.outer, g.n, g.inner, 1.0, 3.0, 43);
          std::vector<T> dy_bad = dy;
          dy_bad[pos] = special;
          check_backward<T>(log, dy_bad, y, g.outer, g.n, g.inner, 1.0,
                            "dy special " + show(special) + where);
          if (!(log && special == kInf)) {
            std::vector<T> y_bad = y;
            y_bad[pos] = special;
            check_backward<T>(log, dy, y_bad, g.outer, g.n, g.inner, 0.5,
                              "y special " + show(special) + where);
          }
        }
      }
    }
  }
}

}  // namespace

namespace {

// A strided axis with inner >= 16 runs in column chunks of 2 kB (512 float32
// / 256 float64 fibres, softmax_backward.cc backward_columns), each pass 4
// rows per sweep; the inner % 4 leftover fibres take the single-lane path.
// Inner sizes below, at and above a chunk (not multiples of 4 or of the
// chunk), n around the sweeps, T == 1 (no multiply) and 0.5, out of place and
// in place (check_backward runs dx == dy and dx == y too); then NaN and inf in
// dy or y of chosen fibres (first lane of a chunk, inside a vector, last lane
// of a vector and of a chunk, first of the next chunk, leftover lanes) whose
// neighbours must come out as if alone.
TYPED_TEST(BackwardTest, ColumnChunks) {
  using T = TypeParam;
  const T kInf = std::numeric_limits<T>::infinity(), kNaN = std::numeric_limits<T>::quiet_NaN();
  uint32_t seed = 12000;
  for (bool log : {false, true}) {
    const int mark = failures_so_far();
    for (size_t inner : {16, 19, 67, 258, 300, 513, 1100}) {
      for (size_t n : {1, 3, 5, 21, 40}) {
        for (double t : {1.0, 0.5}) {
          if (failures_so_far() > mark) break;  // one report is enough
          ++seed;
          check_random<T>(log, Geometry{2, n, inner}, t, logit_scales()[seed % 3], seed, seed % 4);
        }
      }
    }
    std::mt19937 rng(17);
    for (size_t inner : {19, 67, 300, 1100}) {
      for (size_t n : {1, 3, 21}) {
        const size_t count = 2 * n * inner;
        const std::vector<T> x = random_logits<T>(count, 3.0, rng);
        const std::vector<LD> yr = ref::softmax(x.data(), 2, n, inner, 1.0, log);
        std::vector<T> y(count);
        for (size_t k = 0; k < count; ++k) y[k] = T(yr[k]);
        std::vector<T> dy = random_logits<T>(count, 1.0, rng);
        const size_t fibres[] = {0, 5, 3, 255, 256, 511, 512, inner - 1, inner - 2};
        const T specials[] = {kNaN, kInf, -kInf, kNaN, kInf, -kInf, kNaN, kInf, kNaN};
        for (size_t i = 0; i < 9; ++i) {
          const size_t j = fibres[i] % inner, o = i % 2, k = (i * 7) % n;
          const size_t at = (o * n + k) * inner + j;
          // y = +inf has no forward output of log-softmax (exp(+inf)): put it in dy.
          if (i % 3 == 1 || (log && specials[i] == kInf))
            dy[at] = specials[i];
          else
            y[at] = specials[i];
        }
        for (double t : {1.0, 0.5})
          check_backward<T>(log, dy, y, 2, n, inner, t,
                            "specials in column chunks n=" + std::to_string(n) +
                                " inner=" + std::to_string(inner) + " T=" + std::to_string(t));
      }
    }
  }
}

}  // namespace
