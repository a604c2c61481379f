// exp.h — vectorised exp for the softmax family.
//
// Method: exp(z) = 2^n * e^r with n = round(z * log2(e)) and r = z - n*ln(2),
// |r| <= ln(2)/2 (Cody-Waite: ln(2) split in a high part with trailing zero
// bits, so n * hi is exact, and a low part); e^r by a polynomial in Horner
// form; 2^n by adding n to the exponent field. The polynomial: float32, degree
// 5 with p(0) = p'(0) = 1 fitted for relative error on |r| <= 1.01 ln(2)/2
// (1.1e-7 in exact arithmetic; Taylor would need degree 6 for that); float64,
// the degree-12 Taylor polynomial (1.7e-16).
//
// exp_shifted() is the softmax kernel's exp: it takes the shifted argument
// x - m as an unevaluated sum d + e (d = fl(x - m), e its rounding error from
// TwoSum) and the temperature, and returns exp((x - m) / T). Carrying e and
// folding T into the range reduction keeps the argument exact: a plain
// float32 (x - m) / T is off by up to 0.5 ulp of a value near 87, i.e. a
// relative error of 4e-6 in the result, more than the whole error budget.
//
// Accuracy (checked against long double by tests/cpp/exp_test.cc, which
// prints the measured maxima: about 2.2 eps for both types):
//   float32: relative error <= 4 ulp (4.8e-7) for results >= 2^-125.
//   float64: relative error <= 4 ulp (8.9e-16) for results >= 2^-1021.
//   exp_shifted in a mode without TwoSum adds the rounding of d = fl(x - m):
//   half an ulp of d, over T, in exp's argument. with_exp_mode takes that
//   mode only where this stays <= 2^-20 (9.5e-7) for every result >= 1e-12
//   and <= 2^-18 (3.8e-6) for every result >= 1e-30 (the float32 softmax
//   contract, cpp/accuracy.json): always at T = 1 (|x - m| < 32 and < 128
//   there), and for most other temperatures; the exact (TwoSum) argument is
//   kept for float64, and for float32 fibres wider than 16 / T whose
//   temperature puts 27.64 T or 69.08 T just above a power of two (up to
//   1.65e-6 and 4.1e-6 rounding at the worst T), see shift_rounding.
// Range and special values:
//   exp_shifted: d + e <= 0 or d = -inf; NaN is never passed (the kernels
//   handle NaN fibres before calling). Results below 2^-125 (float32) or
//   2^-1021 (float64) are flushed to +0; -inf gives +0 (modes with kFtz; the
//   others are only used where no result is that small).
//   exp_any: any input. Underflow as above; overflow (z > 127 / 1023 in
//   log2 units) gives +inf; NaN gives NaN.
#pragma once

#include <algorithm>

#include "vec.h"

namespace smw {

template <class T>
struct ExpConsts;

template <>
struct ExpConsts<float> {
  static constexpr float kMagic = 0x1.8p23f;  // 1.5 * 2^23: t + kMagic rounds t to an integer
  static constexpr float kMinT = -125.0f;     // log2 of the smallest result kept (normal)
  static constexpr float kMaxT = 127.0f;      // log2 of the largest finite result
  static constexpr int kHiBits = 15;          // bits kept in c_hi: |n| < 2^9 keeps n * c_hi exact
  static constexpr int kDegree = 5;
  // 1, 1, then c2..c5 of the fit (exact rational least squares on 400
  // Chebyshev nodes, reweighted towards the error peaks).
  // clang-format off
  static constexpr double kCoef[kDegree + 1] = {1.0,                  1.0,
                                                0x1.fffde83b3a505p-2, 0x1.5557c7d166334p-3,
                                                0x1.573328fc34059p-5, 0x1.105e68fec93a2p-7};
  // clang-format on
};

template <>
struct ExpConsts<double> {
  static constexpr double kMagic = 0x1.8p52;
  static constexpr double kMinT = -1021.0;
  static constexpr double kMaxT = 1023.0;
  static constexpr int kHiBits = 41;  // |n| < 2^12 keeps n * c_hi exact
  static constexpr int kDegree = 12;  // Taylor: truncation error 1.7e-16 at |r| = ln2/2
  // clang-format off
  static constexpr double kCoef[kDegree + 1] = {1.0,          1.0,           1.0 / 2,
                                                1.0 / 6,      1.0 / 24,      1.0 / 120,
                                                1.0 / 720,    1.0 / 5040,    1.0 / 40320,
                                                1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800,
                                                1.0 / 479001600};
  // clang-format on
};

// ln(2) as a double-double, and log2(e).
constexpr double kLn2Hi = 0x1.62e42fefa39efp-1;
constexpr double kLn2Lo = 0x1.abc9e3b39803fp-56;
constexpr double kLog2e = 0x1.71547652b82fep0;

// Rounds x toward zero to `bits` significant bits, so that a product of it and
// an integer of (mantissa - bits) bits is exact.
inline double keep_high_bits(double x, int bits) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  int ex;
  double f = std::frexp(x, &ex);
  return std::ldexp(std::trunc(std::ldexp(f, bits)), ex - bits);
}

// Constants of exp((x - m) / T) for one temperature, computed once per call.
template <class T>
struct ExpScale {
  T k;     // log2(e) / T, picks n
  T c_hi;  // T * ln(2) = c_hi + c_lo, to about 2^-75 relative
  T c_lo;
  T inv_t;    // 1 / T
  bool unit;  // T == 1: skip the multiplication by inv_t
  double temperature;
  // Whether these constants are all normal numbers of T. Outside
  // [kRegularT, 1 / kRegularT] the kernels use the double path of
  // softmax.cc instead (an extreme temperature is rare, never fast).
  bool regular;

  explicit ExpScale(double temperature_in) : temperature(temperature_in) {
    constexpr double kRegularT = sizeof(T) == 4 ? 1e-30 : 1e-290;
    regular = temperature >= kRegularT && temperature <= 1.0 / kRegularT;
    const double t = regular ? temperature : 1.0;  // irregular: constants unused, kept finite
    // t * ln2 as an exact product of t and kLn2Hi (Dekker), plus t * kLn2Lo.
    const double split = 134217729.0;  // 2^27 + 1
    const double p = t * kLn2Hi;
    const double ta = split * t, a_hi = ta - (ta - t), a_lo = t - a_hi;
    const double tb = split * kLn2Hi, b_hi = tb - (tb - kLn2Hi), b_lo = kLn2Hi - b_hi;
    const double p_err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
    const double lo = p_err + t * kLn2Lo;
    const double hi = keep_high_bits(p, ExpConsts<T>::kHiBits);
    k = T(kLog2e / t);
    c_hi = T(hi);
    c_lo = T((p - hi) + lo);
    inv_t = T(1.0 / t);
    unit = t == 1.0;
  }
};

// (x - m) / T in double for any finite x <= m and T in (0, DBL_MAX]: the
// difference first when T < 1 (it may overflow only where the quotient
// would), the two quotients first otherwise (x - m may overflow while the
// quotient is moderate).
inline double shifted_quotient(double x, double m, double temperature) {
  return temperature < 1.0 ? (x - m) / temperature : x / temperature - m / temperature;
}

// e^r for |r| <= ~0.35, Horner form, coefficients rounded once to T.
template <class V>
inline V exp_poly(V r) {
  using T = typename V::Elem;
  using C = ExpConsts<T>;
  V p = V::splat(T(C::kCoef[C::kDegree]));
  for (int i = C::kDegree - 1; i >= 0; --i) p = p * r + V::splat(T(C::kCoef[i]));
  return p;
}

// TwoSum of x and -m: d + e == x - m exactly (for finite x, m).
template <class V>
inline void two_diff(V x, V m, V& d, V& e) {
  d = x - m;
  V bv = d - x;   // the part of d that came from -m
  V av = d - bv;  // the part that came from x
  e = (x - av) - (m + bv);
}

// What exp_shifted does for one fibre, fixed at compile time:
//   kUnitT    T == 1: no multiplication by 1/T;
//   kTwoSum   carry the rounding error e of d = fl(x - m) (else e is 0);
//   kFtz      flush results below 2^kMinT to 0 (else none can occur).
template <bool kUnitT, bool kTwoSum, bool kFtz>
struct ExpMode {
  static constexpr bool unit_t = kUnitT, two_sum = kTwoSum, ftz = kFtz;
};

// The largest rounding error of d = fl(x - m) in float32, divided by T,
// over the d of a fibre spanning `range` whose results exp(d / T) are
// >= e^-z: |d| <= min(range, z T) < 2^k gives half an ulp <= 2^(k - 25).
inline double shift_rounding(double range, double t, double z) {
  const double dmax = std::min(range, z * t);
  if (!(dmax > 0.0)) return 0.0;
  if (!std::isfinite(dmax)) return HUGE_VAL;
  int k;
  std::frexp(dmax, &k);  // dmax < 2^k
  return std::ldexp(1.0, k - 25) / t;
}

// The float32 softmax contract's split (cpp/accuracy.json): a softmax output
// y = exp(z) / S with S >= 1 is >= 1e-12 only where z >= -kZ12, >= 1e-30
// only where z >= -kZ30 (both rounded up).
constexpr double kZ12 = 27.64;  // -ln(1e-12) = 27.631
constexpr double kZ30 = 69.08;  // -ln(1e-30) = 69.078

// Calls f(ExpMode<...>{}) with the cheapest mode that keeps the accuracy
// contract for a fibre whose values span `range` = max - min:
//   * no TwoSum (float32) where the rounding of x - m (shift_rounding) is
//     <= 2^-20 for results >= 1e-12 and <= 2^-18 for results >= 1e-30: with
//     the polynomial (<= 4.8e-7) and the sums (<= 4.2e-7, kSumBlock) the
//     float32 softmax stays within 1.9e-6 < 2e-6 above 1e-12 and 4.8e-6 <
//     5e-6 in [1e-30, 1e-12). Always true at T = 1 and for range / T <= 16;
//     the TwoSum mode remains for the temperatures named in the header.
//     Float64 never skips it (the bound would be 3.6e-15).
//   * z * log2(e) <= 120: no result can fall below 2^-125, no flush needed.
template <class T, class F>
inline void with_exp_mode(const ExpScale<T>& s, double range, F f) {
  const double z = range / s.temperature;
  // At T = 1 float32 never needs it (the bound above); shift_rounding's
  // frexp and ldexp were 3% of a lane group of short rows.
  const bool two_sum =
      sizeof(T) == 8 || (!s.unit && !(shift_rounding(range, s.temperature, kZ12) <= 0x1p-20 &&
                                      shift_rounding(range, s.temperature, kZ30) <= 0x1p-18));
  const bool ftz = !(z * kLog2e <= 120.0);
  // Every combination can occur: a float32 fibre wider than 83 / T at T = 1
  // flushes without TwoSum.
  if (s.unit) {
    if (!two_sum) return ftz ? f(ExpMode<true, false, true>{}) : f(ExpMode<true, false, false>{});
    return ftz ? f(ExpMode<true, true, true>{}) : f(ExpMode<true, true, false>{});
  }
  if (!two_sum) return ftz ? f(ExpMode<false, false, true>{}) : f(ExpMode<false, false, false>{});
  return ftz ? f(ExpMode<false, true, true>{}) : f(ExpMode<false, true, false>{});
}

// exp((d + e) / T) for d + e <= 0 (or d = -inf); see the header comment.
template <class V, class M>
inline V exp_shifted(V d, V e, const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  using C = ExpConsts<T>;
  V t = d * V::splat(s.k);
  V tm = t + V::splat(C::kMagic);
  V n = tm - V::splat(C::kMagic);
  V r = (d - n * V::splat(s.c_hi)) - n * V::splat(s.c_lo);
  if (M::two_sum) r = r + e;
  if (!M::unit_t) r = r * V::splat(s.inv_t);
  V y = pow2_from_magic(exp_poly(r), tm);
  return M::ftz ? zero_where(t < V::splat(C::kMinT), y) : y;
}

// exp(x) for any x, with the underflow / overflow / NaN rules in the header:
// exp_shifted's reduction with T = 1 and no TwoSum term (x is exact), then
// +inf above the largest finite result and NaN for NaN. `s` is
// ExpScale<T>(1.0), built once by the caller.
template <class V>
inline V exp_any(V x, const ExpScale<typename V::Elem>& s) {
  using T = typename V::Elem;
  V y = exp_shifted<V, ExpMode<true, false, true>>(x, V::splat(T(0)), s);
  y = select(x * V::splat(s.k) > V::splat(ExpConsts<T>::kMaxT),
             V::splat(std::numeric_limits<T>::infinity()), y);
  return select(is_nan(x), x, y);
}

}  // namespace smw
