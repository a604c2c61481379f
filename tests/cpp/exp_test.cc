// exp_test.cc — the accuracy block of cpp/exp.h, checked as stated:
//
//   float32: relative error <= 4 ulp (4.8e-7) for results >= 2^-125.
//   float64: relative error <= 4 ulp (8.9e-16) for results >= 2^-1021.
//   exp_shifted: d + e <= 0 or d = -inf; results below 2^-125 (float32) or
//     2^-1021 (float64) are flushed to +0; -inf gives +0.
//   exp_any: any input; underflow as above; overflow (z > 127 / 1023 in
//     log2 units) gives +inf; NaN gives NaN.
//
// "4 ulp" is checked both ways: as the figure in brackets says,
// |got - exp| / exp <= 4 eps (eps = 2^-23, 2^-52), and in units of the ulp
// of the exact result, |got - exp| <= 4 ulp(exp) (up to twice as strict).
// Both the widest vector of the build (smw::Vec<T>: F32x4 / F64x2 through
// SIMDe, or Scalar<T> in the scalar build) and smw::Scalar<T> are swept, with
// d + e = x - m from smw::two_diff of random (x, m) pairs, as the kernels
// call it, against std::exp in long double of ((long double)x - m) / T.
//
// Around each threshold the kernel decides with t = fl(d * log2(e) / T), a
// few roundings away from the exact z log2(e); inside that band (1e-4 log2
// units for float32, 1e-11 for float64) either outcome is accepted, but a
// result that is not flushed must still meet the error bound.
#include "exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "check.h"
#include "vec.h"

namespace {

using smw_test::LD;

template <class T>
struct Lim;
template <>
struct Lim<float> {
  static constexpr LD kMinT = -125, kMaxT = 127, kBand = 1e-4L;
};
template <>
struct Lim<double> {
  static constexpr LD kMinT = -1021, kMaxT = 1023, kBand = 1e-11L;
};

constexpr LD kLog2e = 1.44269504088896340735992468100189214L;
constexpr LD kLn2 = 0.693147180559945309417232121458176568L;

// Samples per (temperature, vector type). The Debug + sanitizer build runs
// the SIMDe intrinsics unoptimised, so it sweeps an eighth as densely.
constexpr size_t kSamples = smw_test::kThorough ? size_t(1) << 18 : size_t(1) << 15;

template <class T>
constexpr LD eps() {
  return LD(std::numeric_limits<T>::epsilon());
}

// ulp of a positive normal value of type T.
template <class T>
LD ulp_of(LD v) {
  return std::ldexp(LD(1), std::ilogb(v) - (std::numeric_limits<T>::digits - 1));
}

bool positive_zero(LD v) { return v == 0 && !std::signbit(v); }

// The largest errors of one sweep and the worst input.
struct Stats {
  LD max_rel = 0, max_ulp = 0;
  std::string worst;
  size_t fails = 0;
  std::string first_fail;

  void fail(const std::string& what) {
    if (fails++ == 0) first_fail = what;
  }
};

template <class T>
std::string describe(const char* name, T x, T m, double t, T got, LD ref) {
  char b[256];
  std::snprintf(b, sizeof b, "%s x=%.*Lg m=%.*Lg T=%g: got %.*Lg, exp %.21Lg", name,
                std::numeric_limits<T>::max_digits10, LD(x), std::numeric_limits<T>::max_digits10,
                LD(m), t, std::numeric_limits<T>::max_digits10, LD(got), ref);
  return b;
}

// Checks one result given the exact log2 of the true value (t_exact) and the
// true value itself.
// `what` describes the input; it is called only when something is reported.
// extra_rel: an allowance added to the 4-eps bound (the rounding of x - m that
// the cheaper exp modes accept, exp.h with_exp_mode).
template <class T, class What>
void check_one(Stats& st, LD t_exact, LD ref, T got, bool overflow_rule, What what,
               LD extra_rel = 0) {
  const LD g = got;
  if (t_exact < Lim<T>::kMinT - Lim<T>::kBand) {
    if (!positive_zero(g)) st.fail("not flushed to +0: " + what());
    return;
  }
  if (overflow_rule && t_exact > Lim<T>::kMaxT + Lim<T>::kBand) {
    if (!(std::isinf(g) && g > 0)) st.fail("not +inf on overflow: " + what());
    return;
  }
  const bool in_band = t_exact < Lim<T>::kMinT + Lim<T>::kBand ||
                       (overflow_rule && t_exact > Lim<T>::kMaxT - Lim<T>::kBand);
  if (in_band && (positive_zero(g) || (std::isinf(g) && g > 0))) return;
  if (!std::isfinite(g)) {
    st.fail("not finite: " + what());
    return;
  }
  const LD rel = std::fabs(g - ref) / ref;
  const LD ulps = std::fabs(g - ref) / ulp_of<T>(ref);
  if (rel > st.max_rel) {
    st.max_rel = rel;
    st.worst = what();
  }
  if (ulps > st.max_ulp) st.max_ulp = ulps;
  if (!(rel <= 4 * eps<T>() + extra_rel && ulps <= 4 + 2 * extra_rel / eps<T>()))
    st.fail("error " + std::to_string(double(rel / eps<T>())) + " eps, " +
            std::to_string(double(ulps)) + " ulp: " + what());
}

void report(const std::string& name, const Stats& st, LD eps_t) {
  std::printf("[exp] %-44s max rel %.3Le (%.2Lf eps), max %.2Lf ulp; worst %s\n", name.c_str(),
              st.max_rel, st.max_rel / eps_t, st.max_ulp, st.worst.c_str());
  smw_test::max_errors().note("exp " + name, double(st.max_rel), st.worst);
}

// ---- exp_shifted --------------------------------------------------------------

// Random (x, m) pairs with (x - m) / T spread densely over [zmin, 0]
// (default (kMinT - 4) ln 2), some very close to 0, m of any sign and
// magnitude 1e-3..1e3, plus x == m and, if with_inf, x == -inf.
template <class T>
void shifted_pairs(double temperature, std::mt19937& rng, std::vector<T>& xs, std::vector<T>& ms,
                   LD zmin = (Lim<T>::kMinT - 4) * kLn2, bool with_inf = true) {
  std::uniform_real_distribution<double> uz(double(zmin), 0.0), u01(0.0, 1.0), lg(-3.0, 3.0),
      tiny(-12.0, 0.0);
  xs.clear();
  ms.clear();
  for (size_t k = 0; k < kSamples; ++k) {
    const double m = (u01(rng) < 0.5 ? -1 : 1) * std::pow(10.0, lg(rng));
    double z;
    switch (k % 16) {
      case 0:
        z = -std::pow(10.0, tiny(rng));
        break;  // near 0
      case 1:
        z = 0;
        break;  // x == m
      default:
        z = uz(rng);
    }
    const T mt = T(m);
    T xt = T(double(mt) + z * temperature);
    if (xt > mt) xt = mt;
    if (with_inf && k % 997 == 5) xt = -std::numeric_limits<T>::infinity();
    xs.push_back(xt);
    ms.push_back(mt);
  }
}

// Sweeps exp_shifted in mode M over the domain the kernels use it on
// (with_exp_mode): the exact mode over the whole range; without flush only
// above 2^-120; without TwoSum only for (x - m) / T >= -16, where the bound
// grows by the accepted rounding of x - m, 2^-24 |x - m| / T (float32 only).
template <class V, class M>
Stats sweep_shifted(double temperature, uint32_t seed) {
  using T = typename V::Elem;
  std::mt19937 rng(seed);
  std::vector<T> xs, ms;
  LD zmin = (Lim<T>::kMinT - 4) * kLn2;
  if (!M::ftz) zmin = -120 * kLn2;
  if (!M::two_sum) zmin = -16;
  shifted_pairs<T>(temperature, rng, xs, ms, zmin, M::ftz);
  const smw::ExpScale<T> s(temperature);
  Stats st;
  T out[V::kLanes];
  for (size_t k = 0; k + V::kLanes <= xs.size(); k += V::kLanes) {
    V d, e;
    smw::two_diff(V::load(&xs[k]), V::load(&ms[k]), d, e);
    if (!M::two_sum) e = V::splat(T(0));
    smw::exp_shifted<V, M>(d, e, s).store(out);
    for (size_t l = 0; l < V::kLanes; ++l) {
      const T x = xs[k + l], m = ms[k + l];
      const LD z = (LD(x) - LD(m)) / LD(temperature);
      const LD ref = std::exp(z);
      const T got = out[l];
      const LD extra =
          M::two_sum ? 0 : std::ldexp(LD(1), -std::numeric_limits<T>::digits) * std::fabs(z);
      check_one<T>(
          st, z * kLog2e, ref, got, false,
          [&] { return describe("exp_shifted", x, m, temperature, got, ref); }, extra);
    }
  }
  return st;
}

template <class V>
void run_shifted(const char* vname) {
  using T = typename V::Elem;
  uint32_t seed = 100;
  for (double t : smw_test::temperatures()) {
    std::vector<std::pair<std::string, Stats>> runs;
    char name[96];
    if (t == 1.0) {
      std::snprintf(name, sizeof name, "exp_shifted<%s, unit> T=1", vname);
      runs.emplace_back(name, sweep_shifted<V, smw::ExpMode<true, true, true>>(t, ++seed));
      std::snprintf(name, sizeof name, "exp_shifted<%s, unit, no flush> T=1", vname);
      runs.emplace_back(name, sweep_shifted<V, smw::ExpMode<true, true, false>>(t, ++seed));
      std::snprintf(name, sizeof name, "exp_shifted<%s, unit, fast> T=1", vname);
      runs.emplace_back(name, sweep_shifted<V, smw::ExpMode<true, false, false>>(t, ++seed));
    }
    std::snprintf(name, sizeof name, "exp_shifted<%s> T=%g", vname, t);
    runs.emplace_back(name, sweep_shifted<V, smw::ExpMode<false, true, true>>(t, ++seed));
    std::snprintf(name, sizeof name, "exp_shifted<%s, fast> T=%g", vname, t);
    runs.emplace_back(name, sweep_shifted<V, smw::ExpMode<false, false, false>>(t, ++seed));
    for (const auto& r : runs) {
      report(r.first, r.second, eps<T>());
      EXPECT_EQ(0u, r.second.fails) << r.first << ": " << r.second.fails
                                    << " results break the bound; first: " << r.second.first_fail;
    }
  }
}

// ---- exp_any --------------------------------------------------------------------

template <class T>
std::vector<T> any_inputs(std::mt19937& rng) {
  using Bits = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  const LD lo = (Lim<T>::kMinT - 4) * kLn2, hi = (Lim<T>::kMaxT + 4) * kLn2;
  std::uniform_real_distribution<double> u{double(lo), double(hi)}, tiny{-40.0, 0.0};
  std::uniform_int_distribution<Bits> bits;
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<T> xs = {T(0),
                       -T(0),
                       inf,
                       -inf,
                       std::numeric_limits<T>::quiet_NaN(),
                       -std::numeric_limits<T>::quiet_NaN(),
                       std::numeric_limits<T>::signaling_NaN(),
                       std::numeric_limits<T>::max(),
                       std::numeric_limits<T>::lowest(),
                       std::numeric_limits<T>::min(),
                       std::numeric_limits<T>::denorm_min(),
                       -std::numeric_limits<T>::denorm_min(),
                       T(Lim<T>::kMaxT * kLn2),
                       T(Lim<T>::kMinT * kLn2),
                       T((Lim<T>::kMaxT + 1) * kLn2),
                       T(std::log(std::numeric_limits<T>::max())),
                       T(std::log(std::numeric_limits<T>::min()))};
  while (xs.size() < kSamples) {
    const size_t k = xs.size();
    if (k % 8 == 0) {  // any bit pattern: huge, tiny, subnormal, NaN payloads
      Bits b = bits(rng);
      T v;
      std::memcpy(&v, &b, sizeof v);
      xs.push_back(v);
    } else if (k % 8 == 1) {  // tiny arguments of both signs
      xs.push_back(T((k % 16 == 1 ? 1 : -1) * std::pow(10.0, tiny(rng))));
    } else {
      xs.push_back(T(u(rng)));
    }
  }
  while (xs.size() % 4) xs.push_back(T(1));
  return xs;
}

template <class V>
Stats sweep_any(uint32_t seed) {
  using T = typename V::Elem;
  std::mt19937 rng(seed);
  const std::vector<T> xs = any_inputs<T>(rng);
  const smw::ExpScale<T> s(1.0);
  Stats st;
  T out[V::kLanes];
  for (size_t k = 0; k + V::kLanes <= xs.size(); k += V::kLanes) {
    smw::exp_any(V::load(&xs[k]), s).store(out);
    for (size_t l = 0; l < V::kLanes; ++l) {
      const T x = xs[k + l];
      if (std::isnan(x)) {
        if (!std::isnan(out[l])) st.fail(describe("exp_any", x, T(0), 1.0, out[l], LD(x)));
        continue;
      }
      const LD ref = std::exp(LD(x));
      const T got = out[l];
      check_one<T>(st, LD(x) * kLog2e, ref, got, true,
                   [&] { return describe("exp_any", x, T(0), 1.0, got, ref); });
    }
  }
  return st;
}

template <class V>
void run_any(const char* vname) {
  using T = typename V::Elem;
  const Stats st = sweep_any<V>(7);
  const std::string name = std::string("exp_any<") + vname + ">";
  report(name, st, eps<T>());
  EXPECT_EQ(0u, st.fails) << name << ": " << st.fails
                          << " results break the stated rules; first: " << st.first_fail;
}

// The vector type names, for the report.
template <class V>
const char* vec_name() {
  using T = typename V::Elem;
  const bool f32 = std::is_same<T, float>::value;
  if (std::is_same<V, smw::Scalar<T>>::value) return f32 ? "Scalar<float>" : "Scalar<double>";
  return f32 ? "F32x4" : "F64x2";
}

TEST(ExpShifted, Float32Vec) { run_shifted<smw::Vec<float>>(vec_name<smw::Vec<float>>()); }
TEST(ExpShifted, Float32Scalar) { run_shifted<smw::Scalar<float>>("Scalar<float>"); }
TEST(ExpShifted, Float64Vec) { run_shifted<smw::Vec<double>>(vec_name<smw::Vec<double>>()); }
TEST(ExpShifted, Float64Scalar) { run_shifted<smw::Scalar<double>>("Scalar<double>"); }

TEST(ExpAny, Float32Vec) { run_any<smw::Vec<float>>(vec_name<smw::Vec<float>>()); }
TEST(ExpAny, Float32Scalar) { run_any<smw::Scalar<float>>("Scalar<float>"); }
TEST(ExpAny, Float64Vec) { run_any<smw::Vec<double>>(vec_name<smw::Vec<double>>()); }
TEST(ExpAny, Float64Scalar) { run_any<smw::Scalar<double>>("Scalar<double>"); }

// The exact special cases of the accuracy block, lane by lane: each lane of
// a vector gets the special value while the others hold ordinary arguments.
template <class V>
void special_lanes() {
  using T = typename V::Elem;
  const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
  const smw::ExpScale<T> unit(1.0), hot(0.5);
  for (size_t lane = 0; lane < V::kLanes; ++lane) {
    T x[V::kLanes], m[V::kLanes], out[V::kLanes];
    for (size_t l = 0; l < V::kLanes; ++l) {
      x[l] = T(-1.5) * T(l + 1);
      m[l] = T(0.25);
    }
    // exp_shifted: x = -inf gives +0.
    x[lane] = -inf;
    V d, e;
    smw::two_diff(V::load(x), V::load(m), d, e);
    smw::exp_shifted<V, smw::ExpMode<true, true, true>>(d, e, unit).store(out);
    EXPECT_TRUE(positive_zero(out[lane])) << "exp_shifted(-inf) lane " << lane << ": " << out[lane];
    smw::exp_shifted<V, smw::ExpMode<false, true, true>>(d, e, hot).store(out);
    EXPECT_TRUE(positive_zero(out[lane])) << "exp_shifted(-inf), T=0.5, lane " << lane;
    for (size_t l = 0; l < V::kLanes; ++l)
      if (l != lane) {
        EXPECT_GT(out[l], T(0)) << "lane " << l << " disturbed by a -inf lane";
      }
    // exp_any: NaN -> NaN, -inf -> +0, +inf -> +inf, 0 -> 1.
    const T specials[] = {nan, -inf, inf, T(0), -T(0)};
    for (T sp : specials) {
      x[lane] = sp;
      smw::exp_any(V::load(x), unit).store(out);
      if (std::isnan(sp)) {
        EXPECT_TRUE(std::isnan(out[lane])) << "exp_any(NaN) lane " << lane;
      } else if (sp == -inf) {
        EXPECT_TRUE(positive_zero(out[lane])) << "exp_any(-inf) lane " << lane << ": " << out[lane];
      } else if (sp == inf) {
        EXPECT_EQ(inf, out[lane]) << "exp_any(+inf) lane " << lane;
      } else {
        EXPECT_EQ(T(1), out[lane]) << "exp_any(" << sp << ") lane " << lane;
      }
      for (size_t l = 0; l < V::kLanes; ++l)
        if (l != lane) {
          EXPECT_NEAR(double(out[l]), std::exp(double(x[l])), 4e-7 * std::exp(double(x[l])))
              << "lane " << l << " disturbed by a special lane";
        }
    }
  }
}

TEST(ExpSpecial, Lanes) {
  special_lanes<smw::Vec<float>>();
  special_lanes<smw::Vec<double>>();
  special_lanes<smw::Scalar<float>>();
  special_lanes<smw::Scalar<double>>();
}

}  // namespace
