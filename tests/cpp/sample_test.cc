// sample_test.cc — the sampling kernels natively (SIMDe and scalar builds):
// the generator against Random123's known answers; exp_weight's accuracy
// against long double and vector lanes against scalars bit for bit; the draw
// at exact thresholds; top-k and top-p against brute-force definitions; and a
// replay of tokens the JS reference drew (sampling_fixture.inc), so native,
// SIMDe, scalar, Node and the reference agree on thousands of draws.
#include "sample.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <random>
#include <vector>

#include "philox.h"
#include "weights.h"

namespace {

using namespace smw;

TEST(Philox, KnownAnswersOfRandom123) {
  const PhiloxBlock a = philox4x32_10(0, 0, 0, 0, 0, 0);
  EXPECT_EQ(a.x[0], 0x6627e8d5u);
  EXPECT_EQ(a.x[1], 0xe169c58du);
  EXPECT_EQ(a.x[2], 0xbc57ac4cu);
  EXPECT_EQ(a.x[3], 0x9b00dbd8u);
  const uint32_t f = 0xffffffffu;
  const PhiloxBlock b = philox4x32_10(f, f, f, f, f, f);
  EXPECT_EQ(b.x[0], 0x408f276du);
  EXPECT_EQ(b.x[1], 0x41c83b0eu);
  EXPECT_EQ(b.x[2], 0xa20bc7c6u);
  EXPECT_EQ(b.x[3], 0x6d5451fdu);
  const PhiloxBlock c =
      philox4x32_10(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(c.x[0], 0xd16cfe09u);
  EXPECT_EQ(c.x[1], 0x94fdccebu);
  EXPECT_EQ(c.x[2], 0x5001e420u);
  EXPECT_EQ(c.x[3], 0x24126ea1u);
}

TEST(Philox, UniformsAreMultiplesOf2ToMinus53InUnitInterval) {
  double sum = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = philox_uniform(7, 9, uint64_t(i) + (uint64_t(1) << 40));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_EQ(u * 0x1p53, std::floor(u * 0x1p53));
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));  // 5 sigma
}

template <class T>
void check_exp_weight(double max_ulps) {
  using c = WeightConsts<T>;
  const double eps = std::numeric_limits<T>::epsilon();
  double worst = 0.0;
  std::mt19937_64 g(5);
  std::uniform_real_distribution<double> dist(double(c::kMin), 0.0);
  for (int i = 0; i < 200000; ++i) {
    const T d = T(i < 10 ? -double(i) / 8 : dist(g));
    const long double exact = std::exp((long double)d);
    const double got = double(exp_weight(Scalar<T>{d}).v);
    worst = std::max(worst, double(std::fabs((got - exact) / exact)) / eps);
  }
  std::printf("exp_weight<%s>: max relative error %.2f ulp\n", sizeof(T) == 4 ? "float" : "double",
              worst);
  EXPECT_LE(worst, max_ulps);
  EXPECT_EQ(exp_weight(Scalar<T>{T(0)}).v, T(1));
  EXPECT_EQ(exp_weight(Scalar<T>{T(c::kMin) * T(1.0001)}).v, T(0));
  EXPECT_EQ(exp_weight(Scalar<T>{-std::numeric_limits<T>::infinity()}).v, T(0));
}

TEST(ExpWeight, AccuracyAgainstLongDouble) {
  check_exp_weight<float>(4.0);
  check_exp_weight<double>(4.0);
}

// The vector lanes of this build compute what a scalar computes, bit for bit.
template <class T>
void check_lanes_equal_scalar() {
  using V = Vec<T>;
  std::mt19937_64 g(11);
  std::uniform_real_distribution<double> dist(-120.0, 0.0);
  for (int i = 0; i < 20000; ++i) {
    T d[V::kLanes];
    for (auto& v : d) v = T(dist(g));
    const V w = exp_weight(V::load(d));
    for (size_t k = 0; k < V::kLanes; ++k) {
      const T s = exp_weight(Scalar<T>{d[k]}).v;
      const T lane = w.lane(k);
      ASSERT_EQ(lane, s) << "d = " << d[k];
    }
  }
}

TEST(ExpWeight, VectorLanesEqualScalar) {
  check_lanes_equal_scalar<float>();
  check_lanes_equal_scalar<double>();
}

// The draw: with equal logits every weight is 1, the prefix mass of token i
// is i + 1 exactly, and t = k must give token k (the first prefix > t).
template <class T>
void check_draw_at_exact_thresholds() {
  for (size_t n : {1u, 7u, 8u, 255u, 256u, 257u, 1000u, 4099u}) {
    std::vector<T> z(n, T(2.5));
    // Every k for short rows; for long ones the lane and snapshot-segment edges.
    std::vector<size_t> ks;
    for (size_t k = 0; k < n; ++k)
      if (n <= 300 || k % 256 <= 8 || k % 256 >= 248 || k + 9 >= n) ks.push_back(k);
    for (size_t k : ks) {
      double total_dense = 0.0, total_list = 0.0;
      ASSERT_EQ(detail::draw_dense(z.data(), n, T(2.5), double(k), &total_dense), k) << "n " << n;
      ASSERT_EQ(detail::draw_list(z.data(), n, T(2.5), T(2.5), double(k), &total_list), k)
          << "n " << n;
      ASSERT_EQ(total_dense, double(n));
      ASSERT_EQ(total_list, double(n));
      ASSERT_EQ(detail::draw_dense(z.data(), n, T(2.5), double(k) + 0.5, &total_dense), k);
    }
  }
  // A cut token (below keep_from) is never drawn, whatever t.
  std::vector<T> z = {T(1), T(0), T(1), T(0)};
  double total = 0.0;
  for (double t : {0.0, 0.5, 1.0, 1.5, 1.99})
    EXPECT_NE(detail::draw_list(z.data(), 4, T(1), T(1), t, &total) % 2, 1u);
}

TEST(Draw, ExactThresholds) {
  check_draw_at_exact_thresholds<float>();
  check_draw_at_exact_thresholds<double>();
}

// The dense mass pass without exp_weight's clamp (taken when every d >= kMin)
// adds the same bits as with it, and equals the scalar canonical sum.
template <class T>
void check_dense_mass_without_clamp() {
  std::mt19937_64 g(21);
  for (size_t n : {1u, 7u, 8u, 255u, 256u, 257u, 1000u, 4099u, 50257u}) {
    std::vector<T> z(n);
    std::uniform_real_distribution<double> dist(-85.9, 0.0);
    for (auto& v : z) v = T(dist(g));
    z[n / 2] = T(0);
    const T m = *std::max_element(z.begin(), z.end());
    Lanes8 scalar;
    for (size_t i = 0; i < n; ++i) scalar.add(i, weight_of(z[i], m));
    ASSERT_EQ(detail::dense_mass(z.data(), n, m, true), scalar.total()) << "n " << n;
    ASSERT_EQ(detail::dense_mass(z.data(), n, m, false), scalar.total()) << "n " << n;
  }
}

TEST(Draw, DenseMassWithAndWithoutClamp) {
  check_dense_mass_without_clamp<float>();
  check_dense_mass_without_clamp<double>();
}

// The processing pass's z = fl(x / t) (a product by fl(1 / t) where that is
// exact or checked, divides elsewhere) equals the scalar quotient bit for bit:
// random logits, quotients within a few ulps of float32 rounding midpoints,
// tiny and huge values, zeros, infinities; temperatures with short and long
// reciprocals and outside the product's range.
template <class T>
void check_temper_equals_division() {
  std::mt19937_64 g(29);
  const double temps[] = {0.8,   0.7,  0.4,     1.6,    2.0 / 3, 4.0 / 3, 1 / 1.75,  1 / 1.125,
                          0.2,   3.2,  0.5,     0.25,   4.0,     0.625,   0.9,       0.95,
                          1.1,   1.25, 5.0,     0.75,   1.0 / 3, 0.1,     0.3,       2.5,
                          1e-10, 1e20, 0x1p-64, 0x1p64, 0x1p-70, 0x1p70,  1.0000001, 0.99999999999};
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (size_t c = 0; c < 60; ++c) {
    const double t = c < std::size(temps) ? temps[c] : std::exp(uni(g) * 20 - 10);
    const size_t n = 4099;
    std::vector<T> x(n), z(n);
    for (size_t i = 0; i < n; ++i) {
      const int kind = int(i % 8);
      if (kind < 4) {
        x[i] = T((uni(g) - 0.5) * 60);
      } else if (kind < 7) {  // a quotient within a few ulps of a midpoint of T
        const T f = T((uni(g) - 0.5) * 200 * std::pow(10.0, double(int(g() % 9) - 4)));
        const double mid = (double(f) + double(std::nextafter(f, T(1e30)))) / 2;
        T v = T(mid * t);
        for (int k = int(g() % 5) - 2; k != 0; k += k > 0 ? -1 : 1)
          v = std::nextafter(v, k > 0 ? T(1e30) : T(-1e30));
        x[i] = v;
      } else {
        const T specials[] = {T(0),
                              -T(0),
                              std::numeric_limits<T>::denorm_min(),
                              std::numeric_limits<T>::min(),
                              T(1e-39),
                              T(3e38),
                              -T(3e38),
                              std::numeric_limits<T>::infinity(),
                              -std::numeric_limits<T>::infinity()};
        x[i] = specials[g() % std::size(specials)];
      }
    }
    detail::temper(x.data(), n, t, z.data());
    for (size_t i = 0; i < n; ++i) {
      const T want = T(double(x[i]) / t);
      ASSERT_TRUE(std::memcmp(&want, &z[i], sizeof(T)) == 0)
          << "t " << t << " x " << x[i] << " got " << z[i] << " want " << want;
    }
  }
}

TEST(Process, TemperatureQuotientEqualsScalarDivision) {
  check_temper_equals_division<float>();
  check_temper_equals_division<double>();
}

// The knife-edges of the product: temperatures chosen so that x / t lies
// within a few double ulps of a float32 rounding midpoint M (t = fl(x / M)),
// for normal and subnormal M (where more than 29 bits are rounded off).
TEST(Process, TemperatureQuotientAtRoundingMidpoints) {
  std::mt19937_64 g(31);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  size_t exact_ties = 0;
  for (int c = 0; c < 20000; ++c) {
    const bool subnormal = c % 4 == 3;
    const float f = subnormal ? float(double(g() % (1u << 23)) * 0x1p-149)
                              : float((0.5 + uni(g)) * std::pow(2.0, double(int(g() % 40) - 20)));
    const double mid = (double(f) + double(std::nextafter(f, 1e30f))) / 2;
    const float x = float((0.5 + uni(g)) * (subnormal ? 1e-30 : 8.0));
    const double t = double(x) / mid;
    if (!(t >= 0x1p-64 && t <= 0x1p64)) continue;
    const float want = float(double(x) / t);
    exact_ties += double(x) / t == mid;
    float xs[8], zs[8];
    for (int k = 0; k < 8; ++k) xs[k] = k == c % 8 ? x : float(k) - 3.5f;
    detail::temper(xs, 8, t, zs);
    ASSERT_TRUE(std::memcmp(&zs[c % 8], &want, 4) == 0)
        << "t " << t << " x " << x << " got " << zs[c % 8] << " want " << want;
  }
  EXPECT_GT(exact_ties, 1000u);  // the construction does reach the midpoints
}

// Runs filter-only sample() over one row.
template <class T>
std::vector<T> filtered(const std::vector<T>& x, double temperature, size_t top_k, double top_p,
                        double min_p) {
  SampleArgs<T> a;
  a.logits = x.data();
  a.rows = 1;
  a.vocab = x.size();
  a.temperature = temperature;
  a.top_k = top_k;
  a.top_p = top_p;
  a.min_p = min_p;
  std::vector<T> out(x.size());
  std::vector<char> work(sample_workspace_bytes<T>(x.size(), 0) + 16);
  uint32_t bad[2];
  a.filtered = out.data();
  a.work =
      reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(work.data()) + 15) & ~uintptr_t(15));
  a.bad_row = bad;
  EXPECT_EQ(sample(a), kOk);
  return out;
}

template <class T>
void check_top_k_by_brute_force() {
  std::mt19937 g(3);
  for (int c = 0; c < 300; ++c) {
    const size_t n = 1 + g() % 3000;
    std::vector<T> x(n);
    const int spread = 1 + int(g() % 50);
    for (auto& v : x) v = T(int(g() % spread) - spread / 2) / T(4);
    const size_t k = 1 + g() % n;
    std::vector<T> sorted = x;
    std::sort(sorted.begin(), sorted.end(), [](T p, T q) { return p > q; });
    const T vk = sorted[k - 1];
    const std::vector<T> f = filtered(x, 1.0, k, 1.0, 0.0);
    for (size_t i = 0; i < n; ++i) {
      if (x[i] >= vk)
        ASSERT_EQ(f[i], x[i]) << "n " << n << " k " << k << " i " << i;
      else
        ASSERT_EQ(f[i], -std::numeric_limits<T>::infinity())
            << "n " << n << " k " << k << " i " << i;
    }
  }
}

TEST(TopK, KeepsEveryValueTiedWithTheKth) {
  check_top_k_by_brute_force<float>();
  check_top_k_by_brute_force<double>();
}

// Top-p against its definition (sample.h, README): the lowest level v with
// mass(z > v) < p * W, masses by bins of 1/16 nat, here computed the long way.
template <class T>
void check_top_p_by_definition() {
  std::mt19937 g(4);
  for (int c = 0; c < 200; ++c) {
    const size_t n = 1 + g() % 600;
    std::vector<T> x(n);
    for (auto& v : x) v = T(int(g() % 400) - 200) / T(16) * T(c % 3 == 0 ? 0.1 : 1.0);
    const double p = 0.05 + 0.9 * double(g() % 1000) / 1000;
    const T m = *std::max_element(x.begin(), x.end());
    std::vector<double> w(n);
    Lanes8 all;
    for (size_t i = 0; i < n; ++i) all.add(i, w[i] = weight_of(x[i], m));
    const double pw = p * all.total();
    auto bin = [&](T v) {
      double d = double(v) - double(m);
      return d > -64 ? size_t(-d * 16) : size_t(1024);
    };
    std::vector<double> bin_mass(1025, 0.0);  // each bin's weights in index order
    for (size_t i = 0; i < n; ++i) bin_mass[bin(x[i])] += w[i];
    auto mass_above = [&](T v) {
      double above = 0.0;  // the bins above v's, added from the top
      for (size_t b = 0; b < bin(v); ++b) above += bin_mass[b];
      double s = 0.0;
      for (size_t i = 0; i < n; ++i)
        if (bin(x[i]) == bin(v) && x[i] > v) s += w[i];
      return above + s;
    };
    const std::vector<T> f = filtered(x, 1.0, 0, p, 0.0);
    for (size_t i = 0; i < n; ++i) {
      const bool kept = mass_above(x[i]) < pw;
      ASSERT_EQ(f[i] == x[i], kept) << "case " << c << " n " << n << " p " << p << " i " << i;
    }
  }
}

TEST(TopP, LowestLevelWithMassAboveBelowP) {
  check_top_p_by_definition<float>();
  check_top_p_by_definition<double>();
}

// ---- the fixture the JS reference wrote ----------------------------------

struct SamplingCase {
  bool f32;
  size_t rows, vocab;
  int mode;
  uint32_t gen_seed;
  double temperature;
  size_t top_k;
  double top_p, min_p, repetition_penalty, presence_penalty, frequency_penalty;
  const int32_t* history;
  size_t history_len;
  const int32_t* bias_ids;
  const double* bias_values;
  size_t bias_count;
  uint64_t seed;
  const int32_t* tokens;
};
#include "sampling_fixture.inc"

// scripts/sampling-fixture.mjs's fixtureLogits, the same integer recipe.
std::vector<double> fixture_logits(int mode, uint32_t x, size_t count) {
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    if (mode == 0)
      out[i] = (double(x % 4001) - 2000) / 128;
    else if (mode == 1)
      out[i] = (double(x % 7) - 3) / 2;
    else if (mode == 2)
      out[i] = x % 4 == 0 ? -INFINITY : (double((x >> 2) % 2001) - 1000) / 256;
    else
      out[i] = (double(x % 20001) - 10000) * 0.75;
  }
  return out;
}

// writable: sample() gets its own copy of the logits, which it may process
// in place (the JS wrapper's form); otherwise it only reads them.
template <class T>
void replay(const SamplingCase& c, size_t index, bool writable) {
  const std::vector<double> x64 = fixture_logits(c.mode, c.gen_seed, c.rows * c.vocab);
  const std::vector<T> x(x64.begin(), x64.end());
  std::vector<T> copy = x;
  SampleArgs<T> a;
  a.logits = writable ? copy.data() : x.data();
  a.logits_writable = writable;
  a.rows = c.rows;
  a.vocab = c.vocab;
  a.temperature = c.temperature;
  a.top_k = c.top_k;
  a.top_p = c.top_p;
  a.min_p = c.min_p;
  a.repetition_penalty = c.repetition_penalty;
  a.presence_penalty = c.presence_penalty;
  a.frequency_penalty = c.frequency_penalty;
  std::vector<uint32_t> ranges(2 * c.rows);
  for (size_t r = 0; r < c.rows; ++r) ranges[2 * r + 1] = uint32_t(c.history_len);
  if (c.history_len) {
    a.history = c.history;
    a.history_range = ranges.data();
  }
  a.bias_ids = c.bias_ids;
  a.bias_values = c.bias_values;
  a.bias_count = c.bias_count;
  a.key0 = uint32_t(c.seed);
  a.key1 = uint32_t(c.seed >> 32);
  std::vector<int32_t> tokens(c.rows, -1);
  std::vector<char> work(sample_workspace_bytes<T>(c.vocab, c.history_len) + 16);
  uint32_t bad[2];
  a.tokens = tokens.data();
  a.work =
      reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(work.data()) + 15) & ~uintptr_t(15));
  a.bad_row = bad;
  ASSERT_EQ(sample(a), kOk) << "case " << index;
  for (size_t r = 0; r < c.rows; ++r)
    ASSERT_EQ(tokens[r], c.tokens[r])
        << "case " << index << " row " << r << (writable ? " (in place)" : "");
}

TEST(Fixture, ReplaysTheTokensOfTheJsReference) {
  size_t draws = 0;
  for (size_t i = 0; i < sizeof kSamplingCases / sizeof kSamplingCases[0]; ++i) {
    const SamplingCase& c = kSamplingCases[i];
    for (bool writable : {false, true}) {
      if (c.f32)
        replay<float>(c, i, writable);
      else
        replay<double>(c, i, writable);
    }
    draws += c.rows;
  }
  std::printf("replayed %zu draws of the JS reference (%s)\n", draws, sampling_variant());
  EXPECT_GE(draws, 2000u);
}

// In place (logits_writable) and from read-only logits: the same filtered
// values, tokens, log-probabilities and errors, with penalties, bias and
// temperatures, sparse tokens at the row's start and end, every token sparse,
// and bad rows (NaN, +inf, all -inf after processing).
template <class T>
void check_in_place_equals_read_only() {
  std::mt19937 g(17);
  const T inf = std::numeric_limits<T>::infinity();
  for (int c = 0; c < 400; ++c) {
    const size_t rows = 1 + g() % 3, n = 1 + g() % (c % 4 == 0 ? 9 : 700);
    std::vector<T> x(rows * n);
    for (auto& v : x) v = T(int(g() % 2001) - 1000) / T(64);
    if (c % 7 == 0) x[g() % x.size()] = -inf;
    if (c % 31 == 0) x[g() % x.size()] = std::numeric_limits<T>::quiet_NaN();
    if (c % 37 == 0) x[g() % x.size()] = inf;
    std::vector<int32_t> hist;
    const size_t h = g() % (2 * n + 3);
    for (size_t i = 0; i < h; ++i) hist.push_back(int32_t(c % 5 == 0 ? i % n : g() % n));
    if (c % 3 == 0) hist.push_back(0), hist.push_back(int32_t(n - 1));
    std::vector<uint32_t> ranges(2 * rows);
    for (size_t r = 0; r < rows; ++r) ranges[2 * r + 1] = uint32_t(hist.size());
    std::vector<int32_t> bias_ids;
    std::vector<double> bias_values;
    for (size_t t = 0; t < n; ++t)
      if (g() % 5 == 0)
        bias_ids.push_back(int32_t(t)),
            bias_values.push_back(g() % 9 == 0 ? -INFINITY : double(int(g() % 9) - 4));
    const double temps[] = {1.0, 0.8, 0.7, 1.3, 0.001, 2000.0, 0.0};
    SampleArgs<T> a;
    a.rows = rows;
    a.vocab = n;
    a.temperature = temps[c % 7];
    a.top_k = c % 3 == 1 ? 1 + g() % n : 0;
    a.top_p = c % 2 ? 0.9 : 1.0;
    a.min_p = c % 5 == 2 ? 0.05 : 0.0;
    a.repetition_penalty = 1.3;
    a.presence_penalty = 0.5;
    a.frequency_penalty = 0.25;
    if (!hist.empty()) {
      a.history = hist.data();
      a.history_range = ranges.data();
    }
    a.bias_ids = bias_ids.data();
    a.bias_values = bias_values.data();
    a.bias_count = c % 2 ? bias_ids.size() : 0;
    a.key0 = uint32_t(c);
    std::vector<char> work(sample_workspace_bytes<T>(n, hist.size(), rows) + 16);
    a.work =
        reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(work.data()) + 15) & ~uintptr_t(15));
    struct Result {
      Status status;
      uint32_t bad[2];
      std::vector<T> filtered;
      std::vector<int32_t> tokens;
      std::vector<double> log_probs;
    };
    auto run = [&](bool writable) {
      Result res{kOk,
                 {0, 0},
                 std::vector<T>(rows * n),
                 std::vector<int32_t>(rows, -1),
                 std::vector<double>(rows, 0.0)};
      std::vector<T> copy = x;
      SampleArgs<T> b = a;
      b.logits = writable ? copy.data() : x.data();
      b.logits_writable = writable;
      b.bad_row = res.bad;
      b.filtered = res.filtered.data();
      b.tokens = res.tokens.data();
      b.log_probs = res.log_probs.data();
      res.status = sample(b);
      return res;
    };
    const Result ro = run(false), ip = run(true);
    ASSERT_EQ(ro.status, ip.status) << "case " << c;
    if (ro.status != kOk) {
      ASSERT_EQ(ro.bad[0], ip.bad[0]) << "case " << c;
      ASSERT_EQ(ro.bad[1], ip.bad[1]) << "case " << c;
      continue;
    }
    for (size_t i = 0; i < rows * n; ++i) {
      const T p = ro.filtered[i], q = ip.filtered[i];
      ASSERT_TRUE(p == q || (p != p && q != q)) << "case " << c << " i " << i;
      ASSERT_EQ(std::signbit(p), std::signbit(q)) << "case " << c << " i " << i;
    }
    for (size_t r = 0; r < rows; ++r) {
      ASSERT_EQ(ro.tokens[r], ip.tokens[r]) << "case " << c << " row " << r;
      ASSERT_EQ(ro.log_probs[r], ip.log_probs[r]) << "case " << c << " row " << r;
    }
  }
}

TEST(Process, InPlaceEqualsReadOnly) {
  check_in_place_equals_read_only<float>();
  check_in_place_equals_read_only<double>();
}

}  // namespace
