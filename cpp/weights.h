// weights.h — the sampler's weights and masses, defined so that every build
// computes the same bits (and tests/reference-sampling.mjs can repeat them in
// JavaScript, whose doubles follow the same IEEE rules):
//
//   w = exp_weight(d), d = z - max <= 0 computed in the logits' dtype T: e^d
//     by Cody-Waite range reduction in T, n = round(d * log2 e) (by adding
//     1.5 * 2^(mantissa bits)), r = (d - n ln2_hi) - n ln2_lo, e^r by its
//     Taylor polynomial (degree 6 for float32, 12 for float64) in Horner
//     form, times 2^n (added to the exponent field). Only +, -, * of T in a
//     fixed order: a SIMD lane and a scalar compute the same value, and no
//     FMA is allowed (-ffp-contract=off). exp_weight(0) = 1 exactly.
//     Range: d >= -86 (float32) / -707 (float64); below (and -inf): +0.
//     Accuracy: relative error <= 4 ulp of T (tests/cpp/sample_test.cc
//     measures it against long double).
//   mass of a set of tokens = the 8-lane canonical sum: token i's weight goes
//     to lane i mod 8 (i counted from the row's start), each lane adds in index
//     order, and the lanes are combined as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
//     Cut tokens add nothing (adding +0 changes no lane). A SIMD build keeps
//     the lanes in four F64x2 accumulators, a scalar build in eight doubles:
//     the same additions, so the same sums. The canonical sum is monotone: the
//     mass of a subset never exceeds the mass of the set.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vec.h"

namespace smw {

// Constants of exp_weight per element type. float32 logits get float32
// weights (degree 6, relative error <= 4 float32 ulp, i.e. <= 5e-7: below what
// the float32 rounding of the logits themselves does to e^z once |z| > 4);
// float64 logits get double weights (degree 12, <= 4 double ulp).
template <class T>
struct WeightConsts;

template <>
struct WeightConsts<double> {
  static constexpr double kMin = -707.0;                   // below: weight 0 (2^n stays normal)
  static constexpr double kMagic = 0x1.8p52;               // t + kMagic rounds t to an integer
  static constexpr double kLog2e = 0x1.71547652b82fep0;    // log2(e)
  static constexpr double kLn2Hi = 0x1.62e42feep-1;        // ln 2 to 32 bits: n * kLn2Hi is exact
  static constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;  // ln 2 - kLn2Hi
  static constexpr int kDegree = 12;
  static constexpr double kCoef[kDegree + 1] = {1.0,
                                                1.0,
                                                1.0 / 2,
                                                1.0 / 6,
                                                1.0 / 24,
                                                1.0 / 120,
                                                1.0 / 720,
                                                1.0 / 5040,
                                                1.0 / 40320,
                                                1.0 / 362880,
                                                1.0 / 3628800,
                                                1.0 / 39916800,
                                                1.0 / 479001600};
};

template <>
struct WeightConsts<float> {
  static constexpr float kMin = -86.0f;
  static constexpr float kMagic = 0x1.8p23f;
  static constexpr float kLog2e = float(0x1.71547652b82fep0);
  static constexpr float kLn2Hi = 0x1.62e4p-1f;                                          // 17 bits
  static constexpr float kLn2Lo = float(0.69314718055994530942 - double(0x1.62e4p-1f));  // the rest
  static constexpr int kDegree = 6;
  static constexpr float kCoef[kDegree + 1] = {1.0f,
                                               1.0f,
                                               float(1.0 / 2),
                                               float(1.0 / 6),
                                               float(1.0 / 24),
                                               float(1.0 / 120),
                                               float(1.0 / 720)};
};

// e^d for lanes d <= 0 of float or double vectors, as described above.
// kClamp = false: for lanes known to hold d >= kMin only (the caller checked
// the row's smallest d), which is where the clamp and the zeroing change
// nothing: the same bits, two fewer constants and three fewer operations.
template <class V, bool kClamp = true>
inline V exp_weight(V d) {
  using T = typename V::Elem;
  using c = WeightConsts<T>;
  const V lo = V::splat(c::kMin);
  const V dc = kClamp ? pmax(d, lo) : d;  // -inf and tiny d computed as kMin, zeroed below
  const V t = dc * V::splat(c::kLog2e) + V::splat(c::kMagic);
  const V n = t - V::splat(c::kMagic);
  const V r = (dc - n * V::splat(c::kLn2Hi)) - n * V::splat(c::kLn2Lo);
  V p = V::splat(c::kCoef[c::kDegree]);
  for (int k = c::kDegree - 1; k >= 0; --k) p = p * r + V::splat(c::kCoef[k]);
  const V w = pow2_from_magic(p, t);
  return kClamp ? zero_where(d < lo, w) : w;
}

// The weight of one token: e^(z - m) with d = z - m in T.
template <class T>
inline double weight_of(T z, T m) {
  return double(exp_weight(Scalar<T>{T(z - m)}).v);
}

// The eight lanes of the canonical sum, scalar form.
struct Lanes8 {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  void add(size_t i, double w) { a[i & 7] += w; }
  double total() const { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); }
};

// The widest double vectors of this build; kPartsOf8 of them hold 8 tokens.
using VecD = Vec<double>;
constexpr size_t kPartsOf8 = 8 / VecD::kLanes;

// The weights of 8 consecutive tokens, as kPartsOf8 double vectors.
#if SOFTMAX_WASM_SIMD128
inline void weights8(const float* z, float m, F64x2* out) {
  const F32x4 mv = F32x4::splat(m);
  const v128_t a = exp_weight(F32x4::load(z) - mv).v, b = exp_weight(F32x4::load(z + 4) - mv).v;
  out[0].v = wasm_f64x2_promote_low_f32x4(a);
  out[1].v = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 2, 3));
  out[2].v = wasm_f64x2_promote_low_f32x4(b);
  out[3].v = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 2, 3));
}
inline void weights8(const double* z, double m, F64x2* out) {
  for (size_t j = 0; j < 4; ++j) out[j] = exp_weight(F64x2::load(z + 2 * j) - F64x2::splat(m));
}
#else
template <class T>
inline void weights8(const T* z, T m, Scalar<double>* out) {
  for (size_t j = 0; j < 8; ++j) out[j].v = weight_of(z[j], m);
}
#endif

// The weights of 8 consecutive tokens stored as 8 doubles.
template <class T>
inline void weights8_to(const T* z, T m, double* out) {
  VecD w[kPartsOf8];
  weights8(z, m, w);
  for (size_t j = 0; j < kPartsOf8; ++j) w[j].store(out + j * VecD::kLanes);
}

// 8 consecutive values as kPartsOf8 double vectors.
#if SOFTMAX_WASM_SIMD128
inline void load8(const float* p, F64x2* out) {
  const v128_t a = wasm_v128_load(p), b = wasm_v128_load(p + 4);
  out[0].v = wasm_f64x2_promote_low_f32x4(a);
  out[1].v = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 2, 3));
  out[2].v = wasm_f64x2_promote_low_f32x4(b);
  out[3].v = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 2, 3));
}
inline void load8(const double* p, F64x2* out) {
  for (size_t j = 0; j < 4; ++j) out[j] = F64x2::load(p + 2 * j);
}
#else
template <class T>
inline void load8(const T* p, Scalar<double>* out) {
  for (size_t j = 0; j < 8; ++j) out[j].v = double(p[j]);
}
#endif

// The lanes of kPartsOf8 accumulators as a Lanes8.
inline Lanes8 lanes_of(const VecD* acc) {
  Lanes8 l;
  for (size_t j = 0; j < kPartsOf8; ++j)
    for (size_t k = 0; k < VecD::kLanes; ++k) l.a[j * VecD::kLanes + k] = acc[j].lane(k);
  return l;
}

}  // namespace smw
