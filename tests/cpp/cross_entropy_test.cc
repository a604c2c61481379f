// cross_entropy_test.cc — smw::cross_entropy with index targets against a long
// double reference, on the geometries of its three paths: long contiguous
// rows (one sample at a time), short rows (n <= kShortRow, kLanes rows at a
// time, transposed) and a strided class axis (kLanes neighbouring samples),
// with row counts and inner sizes that do and do not fill the vectors.
// Every case mixes ignored targets, weights and label smoothing, and some put
// NaN, +inf or -inf into a few samples so that lane groups fall back to the
// per-sample path next to groups that do not.
//
// Tolerances are the contract of cpp/accuracy.json: loss within
// tol * max(1, |loss|, w) per sample, gradient within tol * max |grad|.
// Per-sample losses are returned in T, so half an
// ulp of T (up to 6e-8 relative in float32) is allowed on top of that for
// them; the 'mean' total is a double and gets the contract alone. The
// in-place call (gradient into the logits) must give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "reference.h"
#include "softmax.h"
#include "vec.h"

namespace {

using namespace smw_test;
using ref::LD;

// The contract's loss and gradient bounds (cpp/accuracy.json); the measured
// maxima are printed with the other maxima.
template <class T>
const double kLossTol = contract_bound<T>("crossEntropy", "loss");
template <class T>
const double kGradTol = contract_bound<T>("crossEntropy", "grad");

struct Case {
  size_t outer, classes, inner;
  bool weighted;
  double eps;
  int32_t ignore_index;
  bool non_finite;
};

struct Expected {
  std::vector<LD> loss, grad;  // per sample; d (sum of losses) / dx
  LD denom = 0;
};

// torch's cross_entropy, reduction 'none', with the non-finite rules of
// cross_entropy.cc (a NaN, +inf or all -inf fibre: loss NaN, or 0 when
// ignored, and an all-NaN gradient row).
template <class T>
Expected reference(const std::vector<T>& x, const std::vector<int32_t>& target,
                   const std::vector<T>& w, const Case& c) {
  const size_t C = c.classes;
  Expected r;
  r.loss.assign(c.outer * c.inner, 0);
  r.grad.assign(x.size(), 0);
  LD weight_sum = 0;
  for (size_t k = 0; k < C; ++k) weight_sum += w.empty() ? 1 : LD(w[k]);
  const LD eps = c.eps, ec = eps / LD(C);
  for (size_t o = 0; o < c.outer; ++o) {
    for (size_t i = 0; i < c.inner; ++i) {
      const size_t s = o * c.inner + i;
      const std::vector<LD> f = ref::fibre(x.data(), o, i, C, c.inner);
      const bool ignored = target[s] == c.ignore_index;
      LD m = -ref::inf_ld();
      bool nan = false;
      for (LD v : f) {
        nan = nan || std::isnan(v);
        m = std::max(m, v);
      }
      if (nan || !std::isfinite(m)) {
        r.loss[s] = ignored ? 0 : ref::nan_ld();
        for (size_t k = 0; k < C; ++k) r.grad[ref::at(o, k, i, C, c.inner)] = ref::nan_ld();
        continue;
      }
      if (ignored) continue;
      const size_t t = size_t(target[s]);
      const LD wt = w.empty() ? 1 : LD(w[t]);
      r.denom += wt;
      ref::Sum sum;
      for (LD v : f) sum.add(std::exp(v - m));
      const LD lse = m + std::log(sum.value());
      ref::Sum loss;
      loss.add(-(1 - eps) * wt * (f[t] - lse));
      for (size_t k = 0; k < C; ++k) {
        const LD wk = w.empty() ? 1 : LD(w[k]);
        if (eps != 0) loss.add(-ec * wk * (f[k] - lse));
        const LD p = std::exp(f[k] - lse);
        r.grad[ref::at(o, k, i, C, c.inner)] =
            ((1 - eps) * wt + ec * weight_sum) * p - ec * wk - (k == t ? (1 - eps) * wt : 0);
      }
      r.loss[s] = loss.value();
    }
  }
  return r;
}

template <class T>
std::string describe(const Case& c, uint32_t seed) {
  return std::string(dtype_name<T>()) + " (outer=" + std::to_string(c.outer) +
         ", C=" + std::to_string(c.classes) + ", inner=" + std::to_string(c.inner) + ")" +
         (c.weighted ? " weighted" : "") + " eps=" + std::to_string(c.eps) +
         " ignore=" + std::to_string(c.ignore_index) + (c.non_finite ? " non-finite" : "") +
         " seed=" + std::to_string(seed);
}

// Logits: most samples uniform in [-5, 5], some confident (one class 20
// above the rest), some with a -inf class; with c.non_finite a few samples
// hold a NaN, a +inf or only -inf.
template <class T>
std::vector<T> logits(const Case& c, std::mt19937& rng) {
  const size_t C = c.classes;
  std::vector<T> x = random_logits<T>(c.outer * C * c.inner, 5.0, rng);
  std::uniform_int_distribution<int> kind(0, 19), cls(0, int(C) - 1);
  const T inf = std::numeric_limits<T>::infinity();
  for (size_t o = 0; o < c.outer; ++o) {
    for (size_t i = 0; i < c.inner; ++i) {
      auto at = [&](size_t k) -> T& { return x[ref::at(o, k, i, C, c.inner)]; };
      switch (kind(rng)) {
        case 0:
          at(size_t(cls(rng))) += T(20);
          break;  // confident
        case 1:
          if (C > 1) at(size_t(cls(rng))) = -inf;
          break;  // p = 0 for one class
        case 2:
          if (c.non_finite) at(size_t(cls(rng))) = std::numeric_limits<T>::quiet_NaN();
          break;
        case 3:
          if (c.non_finite) at(size_t(cls(rng))) = inf;
          break;
        case 4:
          if (c.non_finite)
            for (size_t k = 0; k < C; ++k) at(k) = -inf;
          break;
        default:
          break;
      }
    }
  }
  return x;
}

template <class T>
void check_case(const Case& c, uint32_t seed) {
  const std::string ctx = describe<T>(c, seed);
  std::mt19937 rng(seed);
  const size_t C = c.classes, samples = c.outer * c.inner, count = samples * C;
  const std::vector<T> x = logits<T>(c, rng);
  std::vector<int32_t> target(samples);
  std::uniform_int_distribution<int32_t> cls(0, int32_t(C) - 1);
  std::bernoulli_distribution ignore(0.2);
  for (int32_t& t : target) t = ignore(rng) ? c.ignore_index : cls(rng);
  std::vector<T> w;
  if (c.weighted) {
    // No zero weight: 0 * -inf is NaN in the smoothing term, which the
    // reference above does not model.
    const T choices[] = {T(0.5), T(1), T(2), T(3.25)};
    std::uniform_int_distribution<int> pick(0, 3);
    for (size_t k = 0; k < C; ++k) w.push_back(choices[pick(rng)]);
  }
  const Expected want = reference(x, target, w, c);

  smw::LossArgs<T> a;
  a.target_index = target.data();
  a.weight = w.empty() ? nullptr : w.data();
  a.outer = c.outer;
  a.classes = C;
  a.inner = c.inner;
  a.ignore_index = c.ignore_index;
  a.label_smoothing = c.eps;
  a.reduction = smw::kReduceNone;

  // Out of place, reduction 'none'.
  Buffer<T> in(x, seed % 3), grad(count, (seed + 1) % 3, T(0));
  std::vector<T> loss(samples);
  a.input = in.data();
  a.grad = grad.data();
  a.loss_none = loss.data();
  ASSERT_EQ(smw::kOk, smw::cross_entropy<T>(a)) << ctx;
  EXPECT_TRUE(in.guard_intact() && grad.guard_intact()) << ctx;
  for (size_t s = 0; s < samples; ++s) {
    const LD r = want.loss[s];
    if (std::isnan(r)) {
      EXPECT_TRUE(std::isnan(loss[s]))
          << ctx << ": loss[" << s << "] " << show(loss[s]) << ", want NaN";
    } else if (std::isinf(r)) {
      EXPECT_EQ(LD(loss[s]), r) << ctx << ": loss[" << s << "]";
    } else {
      const double err = double(std::fabs(LD(loss[s]) - r));
      const T rt = T(std::fabs(r));
      const double half_ulp =
          0.5 * double(std::nextafter(rt, std::numeric_limits<T>::infinity()) - rt);
      // A loss carries w times the absolute error of log S, w the largest
      // class weight that enters it (the target's; any with smoothing).
      const size_t tg = size_t(target[s]);
      double wt = target[s] == c.ignore_index || w.empty() ? 1.0 : double(w[tg]);
      if (c.eps != 0 && !w.empty())
        wt = std::max(wt, double(*std::max_element(w.begin(), w.end())));
      const double unit = std::max({1.0, double(std::fabs(r)), wt});
      max_errors().note(std::string("cross_entropy loss/") + dtype_name<T>(), err / unit, ctx);
      EXPECT_LE(err, kLossTol<T> * unit + half_ulp)
          << ctx << ": loss[" << s << "] " << show(loss[s]) << ", ref " << show_ld(r);
    }
  }
  LD scale = 0;
  for (LD g : want.grad)
    if (std::isfinite(g)) scale = std::max(scale, std::fabs(g));
  for (size_t j = 0; j < count; ++j) {
    const LD r = want.grad[j];
    if (std::isnan(r)) {
      EXPECT_TRUE(std::isnan(grad.data()[j]))
          << ctx << ": grad[" << j << "] " << show(grad.data()[j]) << ", want NaN";
      continue;
    }
    const double err = double(std::fabs(LD(grad.data()[j]) - r));
    if (scale > 0)
      max_errors().note(std::string("cross_entropy grad/") + dtype_name<T>(), err / double(scale),
                        ctx);
    EXPECT_LE(err, kGradTol<T> * double(scale))
        << ctx << ": grad[" << j << "] " << show(grad.data()[j]) << ", ref " << show_ld(r);
  }

  // In place: the gradient written over the logits, same bits.
  std::vector<T> loss2(samples);
  a.input = in.data();
  a.grad = in.data();
  a.loss_none = loss2.data();
  ASSERT_EQ(smw::kOk, smw::cross_entropy<T>(a)) << ctx;
  EXPECT_TRUE(same_bits(in.data(), grad.data(), count, ctx));
  EXPECT_TRUE(same_bits(loss2.data(), loss.data(), samples, ctx + " (loss)"));

  // 'mean' (when every sample is finite): the per-sample results scaled by
  // the counted weights; the loss only, without a gradient.
  if (!c.non_finite && want.denom > 0) {
    double total = 0;
    a.input = in.data();
    std::copy(x.begin(), x.end(), in.data());
    a.grad = nullptr;
    a.loss_none = nullptr;
    a.loss_total = &total;
    a.reduction = smw::kReduceMean;
    ASSERT_EQ(smw::kOk, smw::cross_entropy<T>(a)) << ctx;
    ref::Sum sum;
    for (LD l : want.loss) sum.add(l);
    const LD r = sum.value() / want.denom;
    if (std::isinf(r))
      EXPECT_EQ(LD(total), r) << ctx << " (mean)";
    else
      EXPECT_LE(std::fabs(LD(total) - r), kLossTol<T> * std::max<LD>(1, std::fabs(r)))
          << ctx << " (mean)";
  }
}

template <class T>
class CrossEntropyTest : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CrossEntropyTest, Dtypes);

template <class T>
void run_geometries(const std::vector<Geometry>& geos, uint32_t seed) {
  for (const Geometry& g : geos) {
    for (bool weighted : {false, true})
      for (double eps : {0.0, 0.125})
        for (bool non_finite : {false, true}) {
          // ignore_index -100, or a valid class so that ignored samples share
          // a lane group with samples of that class elsewhere.
          const int32_t ignore = (seed % 2) ? -100 : int32_t(seed % g.n);
          const int mark = failures_so_far();
          check_case<T>({g.outer, g.n, g.inner, weighted, eps, ignore, non_finite}, ++seed);
          if (failures_so_far() > mark) return;  // one case's report is enough
        }
  }
}

// Rows of n <= 16 go kLanes at a time; row counts that are and are not
// multiples of 4 (float32) and 2 (float64); 17 is the first long row. Then
// every other n up to 16: float32 rows of 4..16 classes each have a path of
// their own (cross_entropy.cc ce_short_group<V, C>).
TYPED_TEST(CrossEntropyTest, ShortRows) {
  std::vector<Geometry> geos;
  for (size_t outer : {1, 3, 4, 5, 8, 37, 64})
    for (size_t n : {1, 2, 3, 5, 10, 16, 17}) geos.push_back({outer, n, 1});
  for (size_t outer : {4, 5, 8, 37})
    for (size_t n : {4, 6, 7, 8, 9, 11, 12, 13, 14, 15}) geos.push_back({outer, n, 1});
  run_geometries<TypeParam>(geos, 100);
}

// A strided class axis: inner sizes below, at and above the vector width,
// multiples of it and not, and class counts across the exp-sum blocks (8).
// Two lane groups at once (ce_index_lanes_u) from 2 kLanes on, then one,
// then single lanes: 12 and 15 (float32: a pair, a group, a pair and 3
// lanes; float64: 3 pairs, 3 pairs and a group and a lane).
TYPED_TEST(CrossEntropyTest, StridedClassAxis) {
  std::vector<Geometry> geos;
  for (size_t outer : {1, 3})
    for (size_t n : {1, 2, 7, 8, 9, 33, 100})
      for (size_t inner : {2, 3, 4, 5, 7, 8, 9, 12, 15}) geos.push_back({outer, n, inner});
  run_geometries<TypeParam>(geos, 500);
}

// A strided class axis with inner >= 16 runs in column chunks of 2 kB
// (512 float32 / 256 float64 samples): inner sizes below, at and above a
// chunk, none a multiple of 4 or of the chunk (leftover lanes go one at a
// time), class counts 1..40 across the row sweeps (4) and exp-sum blocks
// (8); non-finite samples make single lane groups of a chunk fall back.
TYPED_TEST(CrossEntropyTest, ColumnChunks) {
  std::vector<Geometry> geos;
  for (size_t inner : {17, 30, 259, 515, 1031, 1099})
    for (size_t n : {1, 3, 5, 9, 21, 40})
      geos.push_back({inner > 600 ? size_t(1) : size_t(2), n, inner});
  run_geometries<TypeParam>(geos, 1300);
}

// Long contiguous rows (one sample at a time), for the same contract.
TYPED_TEST(CrossEntropyTest, LongRows) {
  run_geometries<TypeParam>({{3, 33, 1}, {2, 129, 1}, {2, 1000, 1}}, 900);
}

// Confident samples keep their tiny losses to relative precision on every
// path (short rows, strided axis, column chunks, long rows), with and without
// the gradient (a long row counts S - 1 in its gradient pass, or from the exps
// again without one): the target's logit 30 above the others gives loss =
// log1p((C - 1) e^-30) ~ 1e-12, which a log of 1 + S - 1 with an absolute
// error (or a float sum of S) would lose entirely. Every third sample's
// target is another class (loss 30 + that; S - 1 is then taken plainly), so
// lane groups mix the two kinds and must still count S - 1 apart for the
// lanes whose target is the max.
TYPED_TEST(CrossEntropyTest, ConfidentSamplesKeepRelativePrecision) {
  using T = TypeParam;
  for (const bool with_grad : {true, false})
    for (const Geometry g : std::vector<Geometry>{
             {8, 10, 1}, {2, 10, 8}, {2, 10, 37}, {3, 40, 1}, {2, 1001, 1}, {13, 3, 1}}) {
      const size_t samples = g.outer * g.inner, count = samples * g.n;
      std::vector<T> x(count, T(0));
      std::vector<int32_t> target(samples);
      std::vector<T> loss(samples), grad(count);
      for (size_t o = 0; o < g.outer; ++o)
        for (size_t i = 0; i < g.inner; ++i) {
          const size_t s = o * g.inner + i, t = (s * 7) % g.n;
          target[s] = int32_t(s % 3 == 2 ? (t + 1) % g.n : t);
          x[(o * g.n + t) * g.inner + i] = T(30);
        }
      smw::LossArgs<T> a{};
      a.input = x.data();
      a.target_index = target.data();
      a.outer = g.outer;
      a.classes = g.n;
      a.inner = g.inner;
      a.ignore_index = -100;
      a.reduction = smw::kReduceNone;
      a.loss_none = loss.data();
      a.grad = with_grad ? grad.data() : nullptr;
      ASSERT_EQ(smw::kOk, smw::cross_entropy<T>(a));
      const long double top = std::log1p((long double)(g.n - 1) * std::exp(-30.0L));
      for (size_t s = 0; s < samples; ++s) {
        const long double want = s % 3 == 2 ? 30.0L + top : top;
        EXPECT_LE(std::fabs((long double)loss[s] - want) / want, 1e-6L)
            << "C=" << g.n << " inner=" << g.inner << (with_grad ? " grad" : " loss only")
            << " loss[" << s << "] " << loss[s] << ", want " << double(want);
      }
    }
}

#if SOFTMAX_WASM_SIMD128
// The largest relative error of a lane-group log1p (log1p_lanes or
// log1p_lanes_float) against long double log1p over ys, four at a time;
// every point is also checked against `bound`.
template <class Log1p>
double worst_log1p_error(std::vector<double> ys, Log1p log1p, double bound) {
  while (ys.size() % 4) ys.push_back(0.5);
  double worst = 0.0;
  for (size_t i = 0; i < ys.size(); i += 4) {
    const smw::F64x4 v{wasm_f64x2_make(ys[i], ys[i + 1]), wasm_f64x2_make(ys[i + 2], ys[i + 3])};
    double got[4];
    log1p(v).store(got);
    for (size_t l = 0; l < 4; ++l) {
      const long double want = std::log1p((long double)ys[i + l]);
      const double err = want == 0 ? std::fabs(got[l]) : double(std::fabs(got[l] - want) / want);
      worst = std::max(worst, err);
      EXPECT_LE(err, bound) << "y = " << ys[i + l] << ": " << got[l] << ", want " << double(want);
    }
  }
  return worst;
}

// log1p_lanes of a float32 lane group (log S = log1p(S - 1) of four
// samples): within 1e-10 relative of log1p for S - 1 from 0 to 1e12, on
// decades, powers of two and values next to them.
TEST(CrossEntropyLanes, Log1pLanesRelativeError) {
  std::vector<double> ys = {0.0, 0x1p-60, 0x1p-52, 0x1p-30, 1.0, 2.0, 0x1p20};
  for (int i = -300; i <= 120; ++i) {
    const double y = std::pow(10.0, i / 10.0);
    ys.insert(ys.end(), {y, std::nextafter(y, 0.0), y * (1 + 1e-9), std::ldexp(1.0, i / 4)});
  }
  const double worst = worst_log1p_error(
      ys, [](smw::F64x4 v) { return smw::log1p_lanes(v); }, 1e-10);
  std::printf("[max errors] log1p_lanes (float32 lane groups)      %.3e\n", worst);
}

// log1p_lanes_float (the float32 lane groups' log S): within 2.5e-7 relative
// of log1p for S - 1 from 0 to 1e7 (rows of up to 10^7 classes), on a dense
// sweep of every binade, decades, powers of two and their neighbours, and
// values below float32's normal range (taken in double: exact there).
TEST(CrossEntropyLanes, Log1pFloatRelativeError) {
  std::vector<double> ys = {0.0,     0x1p-149, 0x1p-130, 0x1p-126, 0x1p-60, 0x1p-25,
                            0x1p-24, 0x1p-23,  1.0,      2.0,      0x1p20};
  for (int i = -400; i <= 70; ++i) {
    const double y = std::pow(10.0, i / 10.0);
    ys.insert(ys.end(), {y, std::nextafter(y, 0.0), y * (1 + 1e-9), std::ldexp(1.0, i / 4),
                         std::nextafter(std::ldexp(1.0, i / 4), 0.0)});
  }
  // Every float32 u = 1 + y near 1 and sqrt(2) binade edges, and a fine sweep of [0, 64).
  for (int i = 1; i < 4096; ++i) ys.push_back(i * 0x1p-30);
  for (int i = 0; i < 200000; ++i) ys.push_back(i * (64.0 / 200000) + 0x1p-40 * (i % 7));
  for (double c : {0.41421356237309503, 1.8284271247461903, 4.656854249492381})
    for (int i = -2000; i <= 2000; ++i) ys.push_back(c + i * 0x1p-24);
  // (rounding y to float32 is part of the error)
  const double worst = worst_log1p_error(
      ys, [](smw::F64x4 v) { return smw::log1p_lanes_float(v); }, 2.5e-7);
  std::printf("[max errors] log1p_lanes_float (float32 lane groups) %.3e\n", worst);
}
#endif

// nll_loss: loss -w_t x_t and a gradient row of zeros but -w_t * scale at the
// target, exactly, on contiguous rows and strided class axes (samples of a
// slice go together, their zeros as contiguous segments), with an
// ignore_index that is a class, every reduction, and in place (the gradient
// into the input) with the same bits.
TYPED_TEST(CrossEntropyTest, NllLossExact) {
  using T = TypeParam;
  for (const Geometry g : std::vector<Geometry>{{5, 7, 1}, {3, 21, 9}, {2, 5, 1031}}) {
    const size_t samples = g.outer * g.inner, count = samples * g.n;
    std::vector<T> x(count), w(g.n);
    for (size_t k = 0; k < count; ++k) x[k] = T(-0.25 * double((k * 37) % 101));
    for (size_t c = 0; c < g.n; ++c) w[c] = T(0.5 + 0.25 * double(c % 3));
    std::vector<int32_t> target(samples);
    for (size_t s = 0; s < samples; ++s) target[s] = int32_t((s * 5 + s / 3) % g.n);
    const int32_t ignore = 2;  // a class: its samples count nothing
    for (int32_t reduction : {smw::kReduceNone, smw::kReduceMean, smw::kReduceSum}) {
      std::vector<T> loss(samples), grad(count, T(7)), inplace = x;
      double total = 0.0;
      smw::LossArgs<T> a{};
      a.input = x.data();
      a.target_index = target.data();
      a.weight = w.data();
      a.outer = g.outer;
      a.classes = g.n;
      a.inner = g.inner;
      a.ignore_index = ignore;
      a.reduction = reduction;
      a.loss_none = loss.data();
      a.loss_total = &total;
      a.grad = grad.data();
      ASSERT_EQ(smw::kOk, smw::nll_loss<T>(a));
      double denom = 0.0, sum = 0.0;
      for (size_t s = 0; s < samples; ++s)
        if (target[s] != ignore) denom += double(w[size_t(target[s])]);
      const double scale = reduction == smw::kReduceMean ? 1.0 / denom : 1.0;
      for (size_t o = 0; o < g.outer; ++o)
        for (size_t i = 0; i < g.inner; ++i) {
          const size_t s = o * g.inner + i;
          const bool on = target[s] != ignore;
          const size_t t = size_t(target[s]);
          const double l = on ? -double(w[t]) * double(x[(o * g.n + t) * g.inner + i]) : 0.0;
          sum += l;
          if (reduction == smw::kReduceNone) {
            EXPECT_EQ(T(l), loss[s]) << "sample " << s;
          }
          for (size_t k = 0; k < g.n; ++k) {
            const T want = on && k == t ? T(-double(w[t]) * scale) : T(0);
            EXPECT_EQ(want, grad[(o * g.n + k) * g.inner + i])
                << "C=" << g.n << " inner=" << g.inner << " sample " << s << " class " << k;
          }
        }
      if (reduction == smw::kReduceSum) {
        EXPECT_EQ(sum, total);
      } else if (reduction == smw::kReduceMean) {
        EXPECT_EQ(sum / denom, total);
      }
      a.input = inplace.data();
      a.grad = inplace.data();
      ASSERT_EQ(smw::kOk, smw::nll_loss<T>(a));
      EXPECT_EQ(0, std::memcmp(inplace.data(), grad.data(), count * sizeof(T)))
          << "in place, C=" << g.n << " inner=" << g.inner;
    }
  }
}

// The target check of an unweighted index target (check_loss: four targets
// at a time where SIMD128, the rest one by one): one bad value at every
// position of batches that end in each tail length gives kBadIndex before
// anything is written; without one, 'mean' divides by the count of targets
// not ignored (a loss of log C per counted sample on all-zero logits).
TEST(CrossEntropyTargets, EveryBadIndexFoundBeforeAnyWrite) {
  const size_t C = 3;
  for (int32_t ignore : {-100, 2, INT32_MIN}) {
    for (size_t n = 1; n <= 13; ++n) {
      std::vector<float> x(n * C, 0.0f), grad(n * C, 7.0f);
      std::vector<int32_t> t(n);
      size_t counted = 0;
      for (size_t s = 0; s < n; ++s) {
        t[s] = s % 4 == 1 ? ignore : int32_t(s % C);
        counted += t[s] != ignore;
      }
      double total = -1.0;
      smw::LossArgs<float> a;
      a.input = x.data();
      a.target_index = t.data();
      a.outer = n;
      a.classes = C;
      a.inner = 1;
      a.ignore_index = ignore;
      a.loss_total = &total;
      a.grad = grad.data();
      ASSERT_EQ(smw::cross_entropy(a), smw::kOk) << "n " << n;
      if (counted) {
        EXPECT_NEAR(total, std::log(double(C)), 1e-6) << "n " << n << " ignore " << ignore;
      }
      for (size_t at = 0; at < n; ++at) {
        for (int32_t bad : {-1, int32_t(C), INT32_MIN, INT32_MAX, -100}) {
          if (bad == ignore) continue;
          std::vector<int32_t> tb = t;
          tb[at] = bad;
          std::fill(grad.begin(), grad.end(), 7.0f);
          total = -1.0;
          a.target_index = tb.data();
          EXPECT_EQ(smw::cross_entropy(a), smw::kBadIndex)
              << "n " << n << " at " << at << " value " << bad;
          EXPECT_EQ(smw::nll_loss(a), smw::kBadIndex)
              << "n " << n << " at " << at << " value " << bad;
          EXPECT_EQ(total, -1.0);
          EXPECT_TRUE(std::all_of(grad.begin(), grad.end(), [](float g) { return g == 7.0f; }));
        }
      }
    }
  }
}

}  // namespace
