// vec.h — the vector types every kernel is written in.
//
// A kernel is a template over one of these types, so the same source builds:
//   * F32x4 / F64x2: WebAssembly SIMD128 (wasm_simd128.h), or natively through
//     SIMDe's simde/wasm/simd128.h (define SOFTMAX_WASM_SIMDE), bit-identical
//     to the wasm build when compiled with -ffp-contract=off;
//   * Scalar<float> / Scalar<double>: one lane, plain C++, for engines without
//     SIMD and for the tail lanes of the strided kernels.
// Vec<T> names the widest type this build has for element type T.
//
// Semantics every type keeps (tests rely on them):
//   * max/min propagate NaN (wasm f32x4.max does; the scalar versions are
//     written to match), so a NaN in a fibre is always seen by its max.
//     pmax is wasm's pseudo-max (b if a < b, else a): one x86 instruction,
//     where V8 needs about eight for the NaN-propagating max; hot loops use
//     pmax and track NaN with is_nan masks.
//   * no fused multiply-add: results do not depend on the compiler's choice.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>

#if defined(SOFTMAX_WASM_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#define SOFTMAX_WASM_SIMD128 1
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SOFTMAX_WASM_SIMD128 1
#else
#define SOFTMAX_WASM_SIMD128 0
#endif

namespace smw {

template <class T>
struct Scalar {
  using Elem = T;
  using Mask = bool;
  static constexpr size_t kLanes = 1;
  T v;

  static Scalar load(const T* p) { return {*p}; }
  void store(T* p) const { *p = v; }
  static Scalar splat(T a) { return {a}; }
  T lane(size_t) const { return v; }

  friend Scalar operator+(Scalar a, Scalar b) { return {a.v + b.v}; }
  friend Scalar operator-(Scalar a, Scalar b) { return {a.v - b.v}; }
  friend Scalar operator*(Scalar a, Scalar b) { return {a.v * b.v}; }
  friend Scalar operator/(Scalar a, Scalar b) { return {a.v / b.v}; }
  friend Scalar operator-(Scalar a) { return {-a.v}; }
  // NaN-propagating, like wasm's f32x4.max / f32x4.min.
  friend Scalar max(Scalar a, Scalar b) { return {(a.v > b.v || a.v != a.v) ? a.v : b.v}; }
  friend Scalar min(Scalar a, Scalar b) { return {(a.v < b.v || a.v != a.v) ? a.v : b.v}; }
  friend Scalar pmax(Scalar a, Scalar b) { return a.v < b.v ? b : a; }
  friend Scalar pmin(Scalar a, Scalar b) { return b.v < a.v ? b : a; }
  friend Scalar zero_where(Mask m, Scalar a) { return m ? Scalar{T(0)} : a; }
  friend Scalar keep_where(Mask m, Scalar a) { return m ? a : Scalar{T(0)}; }
  friend Mask operator<(Scalar a, Scalar b) { return a.v < b.v; }
  friend Mask operator>(Scalar a, Scalar b) { return a.v > b.v; }
  friend Mask operator==(Scalar a, Scalar b) { return a.v == b.v; }
  // Mask of the lanes that hold a finite value.
  friend Mask is_finite(Scalar a) { return a.v - a.v == T(0); }
  friend Mask is_nan(Scalar a) { return a.v != a.v; }
  friend Scalar select(Mask m, Scalar a, Scalar b) { return m ? a : b; }
  // Mask of the lanes >= skip (for a tail vector that overlaps the previous one).
  static Mask lanes_from(size_t skip) { return skip == 0; }
  // One int32 per lane (class indices), and the mask of the lanes equal to k.
  using Index = int32_t;
  static Index index(const int32_t* p) { return *p; }
  static Mask index_is(Index i, int32_t k) { return i == k; }
};

template <class T>
inline void transpose(Scalar<T>*) {}

inline bool any(bool m) { return m; }
inline bool all(bool m) { return m; }

// Bit-level helpers for the exp kernels: with magic = 1.5 * 2^(mantissa bits),
// t + magic rounds t to the nearest integer n and leaves n in the low bits.
// pow2_from_magic(p, tm) multiplies p by 2^n by adding n to p's exponent field
// (valid while the result stays a normal number; callers mask the rest).
inline Scalar<float> pow2_from_magic(Scalar<float> p, Scalar<float> tm) {
  uint32_t pb, nb;
  std::memcpy(&pb, &p.v, 4);
  std::memcpy(&nb, &tm.v, 4);
  pb += nb << 23;
  float r;
  std::memcpy(&r, &pb, 4);
  return {r};
}
inline Scalar<double> pow2_from_magic(Scalar<double> p, Scalar<double> tm) {
  uint64_t pb, nb;
  std::memcpy(&pb, &p.v, 8);
  std::memcpy(&nb, &tm.v, 8);
  pb += nb << 52;
  double r;
  std::memcpy(&r, &pb, 8);
  return {r};
}

// Horizontal reductions, done in double so that summing the per-lane partial
// sums adds no float32 rounding.
template <class T>
inline T hmax(Scalar<T> a) {
  return a.v;
}
template <class T>
inline T hmin(Scalar<T> a) {
  return a.v;
}
// hmax / hmin for vectors without NaN lanes, by pmax / pmin: a few vector
// operations instead of NaN-aware scalar maxima (V8 lowers each scalar
// f32.max to a compare-and-branch chain). Equal to hmax / hmin except that
// the sign of a zero result may differ where +0 and -0 tie.
template <class T>
inline T hpmax(Scalar<T> a) {
  return a.v;
}
template <class T>
inline T hpmin(Scalar<T> a) {
  return a.v;
}
template <class T>
inline double hsum(Scalar<T> a) {
  return double(a.v);
}

// The lanes of v picked by byte indices (see the SIMD overloads); one lane: v.
template <class T>
inline Scalar<T> pick_lanes(Scalar<T> v, const uint8_t*) {
  return v;
}

// Per-lane double accumulators of a vector type: add() and add_product()
// widen each lane to double first (a product of two floats is then exact),
// so dot products and sums of mixed signs do not lose float32 precision.
template <class V>
struct Wide;

// w.add_product of the vectors at a and b (F32x4 has a cheaper overload).
template <class V>
inline void add_product_at(Wide<V>& w, const typename V::Elem* a, const typename V::Elem* b) {
  w.add_product(V::load(a), V::load(b));
}

// For float64 data the terms are already double, so dot products use exact
// products (Dekker's TwoProduct, no FMA needed) and every sum is compensated
// (TwoSum, the rounding error of each addition kept in c): a plain double dot
// product of 50,000 terms drifts by ~1e-13, the whole error budget of the
// float64 ops, and cancels badly when the result is small. An infinite or NaN
// total is returned as it is (the compensation would turn inf into NaN).
inline void two_product(double x, double y, double& p, double& e) {
  const double split = 134217729.0;  // 2^27 + 1
  p = x * y;
  const double tx = split * x, xh = tx - (tx - x), xl = x - xh;
  const double ty = split * y, yh = ty - (ty - y), yl = y - yh;
  e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl;
}

template <class T>
struct Wide<Scalar<T>> {
  static constexpr bool kCompensated = sizeof(T) == 8;
  double a = 0.0, c = 0.0;
  void add_term(double x) {
    if (kCompensated) {
      const double t = a + x, bp = t - a, ap = t - bp;
      c += (a - ap) + (x - bp);
      a = t;
    } else {
      a += x;
    }
  }
  void add(Scalar<T> x) { add_term(double(x.v)); }
  void add_product(Scalar<T> x, Scalar<T> y) {
    if (kCompensated && std::isfinite(double(x.v) * double(y.v))) {
      double p, e;
      two_product(double(x.v), double(y.v), p, e);
      add_term(p);
      c += e;
    } else {
      add_term(double(x.v) * double(y.v));
    }
  }
  // Adds another accumulator's total (compensated too).
  void merge(const Wide& o) {
    add_term(o.a);
    c += o.c;
  }
  double lane(size_t) const { return a - a == 0.0 ? a + c : a; }
  double sum() const { return lane(0); }
};

#if SOFTMAX_WASM_SIMD128

struct MaskV {
  v128_t v;
  friend MaskV operator|(MaskV a, MaskV b) { return {wasm_v128_or(a.v, b.v)}; }
};
inline bool any(MaskV m) { return wasm_v128_any_true(m.v); }
inline bool all(MaskV m) { return wasm_i32x4_all_true(m.v); }  // 64-bit lanes: both halves set

struct F32x4 {
  using Elem = float;
  using Mask = MaskV;
  static constexpr size_t kLanes = 4;
  v128_t v;

  static F32x4 load(const float* p) { return {wasm_v128_load(p)}; }
  void store(float* p) const { wasm_v128_store(p, v); }
  static F32x4 splat(float a) { return {wasm_f32x4_splat(a)}; }
  float lane(size_t i) const {
    float t[4];
    wasm_v128_store(t, v);
    return t[i];
  }

  friend F32x4 operator+(F32x4 a, F32x4 b) { return {wasm_f32x4_add(a.v, b.v)}; }
  friend F32x4 operator-(F32x4 a, F32x4 b) { return {wasm_f32x4_sub(a.v, b.v)}; }
  friend F32x4 operator*(F32x4 a, F32x4 b) { return {wasm_f32x4_mul(a.v, b.v)}; }
  friend F32x4 max(F32x4 a, F32x4 b) { return {wasm_f32x4_max(a.v, b.v)}; }
  friend F32x4 min(F32x4 a, F32x4 b) { return {wasm_f32x4_min(a.v, b.v)}; }
  friend F32x4 pmax(F32x4 a, F32x4 b) { return {wasm_f32x4_pmax(a.v, b.v)}; }
  friend F32x4 pmin(F32x4 a, F32x4 b) { return {wasm_f32x4_pmin(a.v, b.v)}; }
  friend F32x4 zero_where(Mask m, F32x4 a) { return {wasm_v128_andnot(a.v, m.v)}; }
  friend F32x4 keep_where(Mask m, F32x4 a) { return {wasm_v128_and(a.v, m.v)}; }
  friend Mask operator<(F32x4 a, F32x4 b) { return {wasm_f32x4_lt(a.v, b.v)}; }
  friend Mask operator>(F32x4 a, F32x4 b) { return {wasm_f32x4_gt(a.v, b.v)}; }
  friend Mask is_finite(F32x4 a) {
    return {wasm_f32x4_eq(wasm_f32x4_sub(a.v, a.v), wasm_f32x4_splat(0.0f))};
  }
  friend Mask is_nan(F32x4 a) { return {wasm_f32x4_ne(a.v, a.v)}; }
  friend F32x4 select(Mask m, F32x4 a, F32x4 b) { return {wasm_v128_bitselect(a.v, b.v, m.v)}; }
  static Mask lanes_from(size_t skip) {
    return {wasm_i32x4_make(skip <= 0 ? -1 : 0, skip <= 1 ? -1 : 0, skip <= 2 ? -1 : 0,
                            skip <= 3 ? -1 : 0)};
  }
  using Index = v128_t;  // i32x4
  static Index index(const int32_t* p) { return wasm_v128_load(p); }
  static Mask index_is(Index i, int32_t k) { return {wasm_i32x4_eq(i, wasm_i32x4_splat(k))}; }
};

struct F64x2 {
  using Elem = double;
  using Mask = MaskV;
  static constexpr size_t kLanes = 2;
  v128_t v;

  static F64x2 load(const double* p) { return {wasm_v128_load(p)}; }
  void store(double* p) const { wasm_v128_store(p, v); }
  static F64x2 splat(double a) { return {wasm_f64x2_splat(a)}; }
  double lane(size_t i) const {
    double t[2];
    wasm_v128_store(t, v);
    return t[i];
  }

  friend F64x2 operator+(F64x2 a, F64x2 b) { return {wasm_f64x2_add(a.v, b.v)}; }
  friend F64x2 operator-(F64x2 a, F64x2 b) { return {wasm_f64x2_sub(a.v, b.v)}; }
  friend F64x2 operator*(F64x2 a, F64x2 b) { return {wasm_f64x2_mul(a.v, b.v)}; }
  friend F64x2 operator/(F64x2 a, F64x2 b) { return {wasm_f64x2_div(a.v, b.v)}; }
  friend F64x2 operator-(F64x2 a) { return {wasm_f64x2_neg(a.v)}; }
  friend Mask operator==(F64x2 a, F64x2 b) { return {wasm_f64x2_eq(a.v, b.v)}; }
  friend F64x2 max(F64x2 a, F64x2 b) { return {wasm_f64x2_max(a.v, b.v)}; }
  friend F64x2 min(F64x2 a, F64x2 b) { return {wasm_f64x2_min(a.v, b.v)}; }
  friend F64x2 pmax(F64x2 a, F64x2 b) { return {wasm_f64x2_pmax(a.v, b.v)}; }
  friend F64x2 pmin(F64x2 a, F64x2 b) { return {wasm_f64x2_pmin(a.v, b.v)}; }
  friend F64x2 zero_where(Mask m, F64x2 a) { return {wasm_v128_andnot(a.v, m.v)}; }
  friend F64x2 keep_where(Mask m, F64x2 a) { return {wasm_v128_and(a.v, m.v)}; }
  friend Mask operator<(F64x2 a, F64x2 b) { return {wasm_f64x2_lt(a.v, b.v)}; }
  friend Mask operator>(F64x2 a, F64x2 b) { return {wasm_f64x2_gt(a.v, b.v)}; }
  friend Mask is_finite(F64x2 a) {
    return {wasm_f64x2_eq(wasm_f64x2_sub(a.v, a.v), wasm_f64x2_splat(0.0))};
  }
  friend Mask is_nan(F64x2 a) { return {wasm_f64x2_ne(a.v, a.v)}; }
  friend F64x2 select(Mask m, F64x2 a, F64x2 b) { return {wasm_v128_bitselect(a.v, b.v, m.v)}; }
  static Mask lanes_from(size_t skip) {
    return {wasm_i64x2_make(skip <= 0 ? -1 : 0, skip <= 1 ? -1 : 0)};
  }
  using Index = v128_t;  // i64x2, sign-extended from the two int32
  static Index index(const int32_t* p) {
    return wasm_i64x2_extend_low_i32x4(wasm_v128_load64_zero(p));
  }
  static Mask index_is(Index i, int32_t k) { return {wasm_i64x2_eq(i, wasm_i64x2_splat(k))}; }
};

// Transposes the kLanes x kLanes block held in r[0..kLanes) (lane j of r[i]
// <-> lane i of r[j]): 8 shuffles for F32x4, 2 for F64x2.
inline void transpose(F32x4* r) {
  const v128_t t0 = wasm_i32x4_shuffle(r[0].v, r[1].v, 0, 4, 1, 5);
  const v128_t t1 = wasm_i32x4_shuffle(r[0].v, r[1].v, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(r[2].v, r[3].v, 0, 4, 1, 5);
  const v128_t t3 = wasm_i32x4_shuffle(r[2].v, r[3].v, 2, 6, 3, 7);
  r[0].v = wasm_i64x2_shuffle(t0, t2, 0, 2);
  r[1].v = wasm_i64x2_shuffle(t0, t2, 1, 3);
  r[2].v = wasm_i64x2_shuffle(t1, t3, 0, 2);
  r[3].v = wasm_i64x2_shuffle(t1, t3, 1, 3);
}
inline void transpose(F64x2* r) {
  const v128_t t0 = wasm_i64x2_shuffle(r[0].v, r[1].v, 0, 2);
  r[1].v = wasm_i64x2_shuffle(r[0].v, r[1].v, 1, 3);
  r[0].v = t0;
}

inline F32x4 pow2_from_magic(F32x4 p, F32x4 tm) {
  return {wasm_i32x4_add(p.v, wasm_i32x4_shl(tm.v, 23))};
}
inline F64x2 pow2_from_magic(F64x2 p, F64x2 tm) {
  return {wasm_i64x2_add(p.v, wasm_i64x2_shl(tm.v, 52))};
}

inline float hmax(F32x4 a) {
  Scalar<float> m{a.lane(0)};
  for (size_t i = 1; i < 4; ++i) m = max(m, Scalar<float>{a.lane(i)});
  return m.v;
}
inline double hmax(F64x2 a) { return max(Scalar<double>{a.lane(0)}, Scalar<double>{a.lane(1)}).v; }
inline float hmin(F32x4 a) {
  Scalar<float> m{a.lane(0)};
  for (size_t i = 1; i < 4; ++i) m = min(m, Scalar<float>{a.lane(i)});
  return m.v;
}
inline double hmin(F64x2 a) { return min(Scalar<double>{a.lane(0)}, Scalar<double>{a.lane(1)}).v; }
inline float hpmax(F32x4 a) {
  const F32x4 b = pmax(a, F32x4{wasm_i32x4_shuffle(a.v, a.v, 2, 3, 0, 1)});
  return pmax(b, F32x4{wasm_i32x4_shuffle(b.v, b.v, 1, 0, 3, 2)}).lane(0);
}
inline float hpmin(F32x4 a) {
  const F32x4 b = pmin(a, F32x4{wasm_i32x4_shuffle(a.v, a.v, 2, 3, 0, 1)});
  return pmin(b, F32x4{wasm_i32x4_shuffle(b.v, b.v, 1, 0, 3, 2)}).lane(0);
}
inline double hpmax(F64x2 a) { return pmax(a, F64x2{wasm_i64x2_shuffle(a.v, a.v, 1, 0)}).lane(0); }
inline double hpmin(F64x2 a) { return pmin(a, F64x2{wasm_i64x2_shuffle(a.v, a.v, 1, 0)}).lane(0); }
inline double hsum(F32x4 a) {
  v128_t lo = wasm_f64x2_promote_low_f32x4(a.v);
  v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a.v, a.v, 2, 3, 2, 3));
  v128_t s = wasm_f64x2_add(lo, hi);
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
}
inline double hsum(F64x2 a) { return a.lane(0) + a.lane(1); }

template <>
struct Wide<F32x4> {
  v128_t lo = wasm_f64x2_splat(0.0), hi = wasm_f64x2_splat(0.0);
  static v128_t low(F32x4 x) { return wasm_f64x2_promote_low_f32x4(x.v); }
  static v128_t high(F32x4 x) {
    return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x.v, x.v, 2, 3, 2, 3));
  }
  void add(F32x4 x) {
    lo = wasm_f64x2_add(lo, low(x));
    hi = wasm_f64x2_add(hi, high(x));
  }
  void add_product(F32x4 x, F32x4 y) {
    lo = wasm_f64x2_add(lo, wasm_f64x2_mul(low(x), low(y)));
    hi = wasm_f64x2_add(hi, wasm_f64x2_mul(high(x), high(y)));
  }
  double lane(size_t i) const {
    double t[4];
    wasm_v128_store(t, lo);
    wasm_v128_store(t + 2, hi);
    return t[i];
  }
  double sum() const { return (lane(0) + lane(2)) + (lane(1) + lane(3)); }
  void merge(const Wide& o) {
    lo = wasm_f64x2_add(lo, o.lo);
    hi = wasm_f64x2_add(hi, o.hi);
  }
};

// add_product of the 4 floats at a and b: each half loaded with a 64-bit load
// and promoted, instead of a full load and a shuffle per input.
inline void add_product_at(Wide<F32x4>& w, const float* a, const float* b) {
  const v128_t al = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(a));
  const v128_t bl = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(b));
  const v128_t ah = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(a + 2));
  const v128_t bh = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(b + 2));
  w.lo = wasm_f64x2_add(w.lo, wasm_f64x2_mul(al, bl));
  w.hi = wasm_f64x2_add(w.hi, wasm_f64x2_mul(ah, bh));
}

// Compensated like Wide<Scalar<double>>, with the same non-finite rule.
template <>
struct Wide<F64x2> {
  v128_t a = wasm_f64x2_splat(0.0), c = wasm_f64x2_splat(0.0);
  void add(F64x2 x) {
    const v128_t t = wasm_f64x2_add(a, x.v);
    const v128_t bp = wasm_f64x2_sub(t, a);
    const v128_t ap = wasm_f64x2_sub(t, bp);
    c = wasm_f64x2_add(c, wasm_f64x2_add(wasm_f64x2_sub(a, ap), wasm_f64x2_sub(x.v, bp)));
    a = t;
  }
  // TwoProduct lane by lane: the float64 path is not the hot one.
  void add_product(F64x2 x, F64x2 y) {
    double p[2], e[2];
    for (int l = 0; l < 2; ++l) {
      const double xl = l ? wasm_f64x2_extract_lane(x.v, 1) : wasm_f64x2_extract_lane(x.v, 0);
      const double yl = l ? wasm_f64x2_extract_lane(y.v, 1) : wasm_f64x2_extract_lane(y.v, 0);
      two_product(xl, yl, p[l], e[l]);
      if (!std::isfinite(p[l])) e[l] = 0.0;
    }
    add(F64x2{wasm_f64x2_make(p[0], p[1])});
    c = wasm_f64x2_add(c, wasm_f64x2_make(e[0], e[1]));
  }
  double lane(size_t i) const {
    const double ai = i == 0 ? wasm_f64x2_extract_lane(a, 0) : wasm_f64x2_extract_lane(a, 1);
    const double ci = i == 0 ? wasm_f64x2_extract_lane(c, 0) : wasm_f64x2_extract_lane(c, 1);
    return ai - ai == 0.0 ? ai + ci : ai;
  }
  void merge(const Wide& o) {
    add(F64x2{o.a});
    c = wasm_f64x2_add(c, o.c);
  }
  // The lanes' totals added with the same compensation: when they cancel, a
  // plain sum of two partials near 1 would keep only 1e-16 of a 1e-6 result.
  double sum() const {
    Wide<Scalar<double>> t;
    t.add_term(wasm_f64x2_extract_lane(a, 0));
    t.add_term(wasm_f64x2_extract_lane(a, 1));
    t.c += wasm_f64x2_extract_lane(c, 0) + wasm_f64x2_extract_lane(c, 1);
    return t.sum();
  }
};

// The lanes of v picked by the byte indices at idx (i8x16.swizzle).
inline F32x4 pick_lanes(F32x4 v, const uint8_t* idx) {
  return {wasm_i8x16_swizzle(v.v, wasm_v128_load(idx))};
}
inline F64x2 pick_lanes(F64x2 v, const uint8_t* idx) {
  return {wasm_i8x16_swizzle(v.v, wasm_v128_load(idx))};
}

template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = F32x4;
};
template <>
struct VecOf<double> {
  using type = F64x2;
};
#else
template <class T>
struct VecOf {
  using type = Scalar<T>;
};
#endif

// The widest vector this build has for element type T.
template <class T>
using Vec = typename VecOf<T>::type;

// ---- per-lane results of a Wide accumulator ---------------------------------
// Each has a generic form (lane by lane through double) and, where it pays, an
// F32x4 form that stays in vector registers; both live here.

// A vector whose lane l is f(w.lane(l)), rounded to the element type.
template <class V, class F>
inline V lanes_of(const Wide<V>& w, F f) {
  typename V::Elem t[V::kLanes];
  for (size_t l = 0; l < V::kLanes; ++l) t[l] = typename V::Elem(f(w.lane(l)));
  return V::load(t);
}

// T(1 / total) per lane.
template <class V>
inline V reciprocal(const Wide<V>& w) {
  return lanes_of<V>(w, [](double v) { return 1.0 / v; });
}

// T(log(total)) per lane (float64 data keeps std::log).
template <class V>
inline V log_of(const Wide<V>& w) {
  return lanes_of<V>(w, [](double v) { return std::log(v); });
}

// log1p(y) for y >= 0 through log, which is fast in musl and glibc where
// log1p is not (it was a third of the time of 65536 rows of 10 classes):
// with u = fl(1 + y), log(u) * y / (u - 1) is within a few ulps of log1p(y)
// (Goldberg, "What every computer scientist should know about floating-point
// arithmetic", theorem 4), so a small S - 1 keeps its relative precision.
inline double log1p_of(double y) {
  const double u = 1.0 + y;
  return u == 1.0 ? y : std::log(u) * (y / (u - 1.0));
}

// ---- a lane group's lanes as doubles ---------------------------------------
// Lanes64<V> holds one double per lane of V: Scalar<double>, F64x2, or F64x4
// (two f64x2) for F32x4. The per-sample arithmetic of a lane group (the
// cross-entropy formulas) runs on it lane-wise, without leaving vectors:
// widen(v) and narrow<V>(d) convert (narrow rounds each lane to V's element
// type), widen_mask<V>(m) carries a mask of V over, lanes(w) gives a Wide
// accumulator's per-lane totals as w.lane(l) does, and log1p_lanes(y) is
// log1p_of per lane. Each operation is the IEEE double operation per lane,
// so the results equal those of the same formulas in scalar double.
template <class V>
struct Lanes64Of;
template <class T>
struct Lanes64Of<Scalar<T>> {
  using type = Scalar<double>;
};
template <class V>
using Lanes64 = typename Lanes64Of<V>::type;

template <class T>
inline Scalar<double> widen(Scalar<T> a) {
  return {double(a.v)};
}
template <class V>
inline V narrow(Scalar<double> d) {
  return {typename V::Elem(d.v)};
}
// Lanes of V and of Lanes64<V> line up one to one except for F32x4 (below).
template <class V>
inline typename Lanes64<V>::Mask widen_mask(typename V::Mask m) {
  return m;
}
template <class T>
inline Scalar<double> lanes(const Wide<Scalar<T>>& w) {
  return {w.lane(0)};
}
inline Scalar<double> log1p_lanes(Scalar<double> y) { return {log1p_of(y.v)}; }

#if SOFTMAX_WASM_SIMD128
// float(1 / total) per lane, computed in double as lanes_of() would, without
// leaving the vector registers (the generic version is above).
inline F32x4 reciprocal(const Wide<F32x4>& w) {
  const v128_t one = wasm_f64x2_splat(1.0);
  const v128_t lo = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(one, w.lo));
  const v128_t hi = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(one, w.hi));
  return {wasm_i64x2_shuffle(lo, hi, 0, 2)};
}

// log(x) for lanes holding a normal double x > 0, to |error| <= 2e-11: a
// value that is then rounded to float32 (log_of below) is the correctly
// rounded log or its neighbour. x = 2^k m with m in [sqrt(2)/2, sqrt(2)),
// log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by its series to
// s^11 (the next term is below 1.7e-11). Other lanes give unspecified values.
inline v128_t log_f64x2_for_float(v128_t x) {
  const v128_t c = wasm_i64x2_splat(0x3fe6a09e667f3bcdLL);  // bits of sqrt(2)/2
  const v128_t ix = wasm_i64x2_sub(x, c);
  const v128_t k64 = wasm_i64x2_shr(ix, 52);
  const v128_t k = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(k64, k64, 0, 2, 0, 2));
  const v128_t m = wasm_i64x2_add(wasm_v128_and(ix, wasm_i64x2_splat(0x000fffffffffffffLL)), c);
  const v128_t one = wasm_f64x2_splat(1.0);
  const v128_t s = wasm_f64x2_div(wasm_f64x2_sub(m, one), wasm_f64x2_add(m, one));
  const v128_t z = wasm_f64x2_mul(s, s);
  v128_t p = wasm_f64x2_splat(1.0 / 11);
  for (double coef : {1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0})
    p = wasm_f64x2_add(wasm_f64x2_mul(p, z), wasm_f64x2_splat(coef));
  const v128_t log_m = wasm_f64x2_mul(wasm_f64x2_add(s, s), p);
  return wasm_f64x2_add(wasm_f64x2_mul(k, wasm_f64x2_splat(0.69314718055994530942)), log_m);
}

// float(log(total)) per lane for totals >= DBL_MIN (the generic version above
// is std::log lane by lane).
inline F32x4 log_of(const Wide<F32x4>& w) {
  const v128_t lo = wasm_f32x4_demote_f64x2_zero(log_f64x2_for_float(w.lo));
  const v128_t hi = wasm_f32x4_demote_f64x2_zero(log_f64x2_for_float(w.hi));
  return {wasm_i64x2_shuffle(lo, hi, 0, 2)};
}

// F32x4's lanes as doubles: two f64x2 (lanes 0-1 in lo, 2-3 in hi).
struct F64x4 {
  using Elem = double;
  struct Mask {
    v128_t lo, hi;
  };
  v128_t lo, hi;

  static F64x4 splat(double a) {
    const v128_t v = wasm_f64x2_splat(a);
    return {v, v};
  }
  void store(double* p) const {
    wasm_v128_store(p, lo);
    wasm_v128_store(p + 2, hi);
  }
  friend F64x4 operator+(F64x4 a, F64x4 b) {
    return {wasm_f64x2_add(a.lo, b.lo), wasm_f64x2_add(a.hi, b.hi)};
  }
  friend F64x4 operator-(F64x4 a, F64x4 b) {
    return {wasm_f64x2_sub(a.lo, b.lo), wasm_f64x2_sub(a.hi, b.hi)};
  }
  friend F64x4 operator*(F64x4 a, F64x4 b) {
    return {wasm_f64x2_mul(a.lo, b.lo), wasm_f64x2_mul(a.hi, b.hi)};
  }
  friend F64x4 operator/(F64x4 a, F64x4 b) {
    return {wasm_f64x2_div(a.lo, b.lo), wasm_f64x2_div(a.hi, b.hi)};
  }
  friend F64x4 operator-(F64x4 a) { return {wasm_f64x2_neg(a.lo), wasm_f64x2_neg(a.hi)}; }
  friend Mask operator==(F64x4 a, F64x4 b) {
    return {wasm_f64x2_eq(a.lo, b.lo), wasm_f64x2_eq(a.hi, b.hi)};
  }
  friend F64x4 select(Mask m, F64x4 a, F64x4 b) {
    return {wasm_v128_bitselect(a.lo, b.lo, m.lo), wasm_v128_bitselect(a.hi, b.hi, m.hi)};
  }
  friend F64x4 zero_where(Mask m, F64x4 a) {
    return {wasm_v128_andnot(a.lo, m.lo), wasm_v128_andnot(a.hi, m.hi)};
  }
};

template <>
struct Lanes64Of<F32x4> {
  using type = F64x4;
};
template <>
struct Lanes64Of<F64x2> {
  using type = F64x2;
};

inline F64x4 widen(F32x4 a) { return {Wide<F32x4>::low(a), Wide<F32x4>::high(a)}; }
inline F64x2 widen(F64x2 a) { return a; }
template <class V>
inline V narrow(F64x4 d) {
  return {wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(d.lo), wasm_f32x4_demote_f64x2_zero(d.hi),
                             0, 2)};
}
template <class V>
inline V narrow(F64x2 d) {
  return d;
}
template <>
inline F64x4::Mask widen_mask<F32x4>(MaskV m) {
  return {wasm_i64x2_extend_low_i32x4(m.v), wasm_i64x2_extend_high_i32x4(m.v)};
}
inline F64x4 lanes(const Wide<F32x4>& w) { return {w.lo, w.hi}; }
inline F64x2 lanes(const Wide<F64x2>& w) {
  const F64x2 a{w.a};
  return select(is_finite(a), a + F64x2{w.c}, a);
}

// float64 samples keep std::log (log1p_of) lane by lane.
inline F64x2 log1p_lanes(F64x2 y) {
  return {wasm_f64x2_make(log1p_of(wasm_f64x2_extract_lane(y.v, 0)),
                          log1p_of(wasm_f64x2_extract_lane(y.v, 1)))};
}

// float32 samples: log1p_of's identity (u = 1 + y; y where u == 1, else
// log(u) * y / (u - 1)) two lanes at a time, with the f64x2 log series above,
// relative error <= 1e-10 (near u = 1 the series is relative: m - 1 is exact),
// far inside float32's loss bound. Four std::log calls per group were a third
// of the time on rows of 10 classes.
inline v128_t log1p_f64x2(v128_t y) {
  const v128_t one = wasm_f64x2_splat(1.0);
  const v128_t u = wasm_f64x2_add(one, y);
  const v128_t q =
      wasm_f64x2_mul(log_f64x2_for_float(u), wasm_f64x2_div(y, wasm_f64x2_sub(u, one)));
  return wasm_v128_bitselect(y, q, wasm_f64x2_eq(u, one));
}
inline F64x4 log1p_lanes(F64x4 y) { return {log1p_f64x2(y.lo), log1p_f64x2(y.hi)}; }

// log1p of F32x4's lanes y >= 0 (finite) to float32 precision, all four in
// one f32x4 (two divides, no 64-bit shifts): relative error <= 2.5e-7
// (tests/cpp CrossEntropyLanes.Log1pFloatRelativeError), against 1e-10 for
// log1p_lanes but at a fraction of its cost. u = fl(1 + y) = 2^k m with m in
// [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = f / (2 + f), f = m - 1
// (exact), |s| <= 0.172, by its series to s^9 (the next term is below 2.3e-9
// relative); log u = k ln2_hi + (log m + k ln2_lo), ln2_hi with 9 trailing
// zero bits so that k ln2_hi is exact; then log1p_of's identity log(u) y /
// (u - 1). Where u == 1 (y < 2^-24) the result is y itself, taken in double
// from the input, so a tiny y keeps its full precision (below float32's
// normal range too).
inline F64x4 log1p_lanes_float(F64x4 y) {
  const v128_t y32 = wasm_i64x2_shuffle(wasm_f32x4_demote_f64x2_zero(y.lo),
                                        wasm_f32x4_demote_f64x2_zero(y.hi), 0, 2);
  const v128_t one = wasm_f32x4_splat(1.0f);
  const v128_t u = wasm_f32x4_add(one, y32);
  const v128_t c = wasm_i32x4_splat(0x3f3504f3);  // bits of float(sqrt(1/2))
  const v128_t iu = wasm_i32x4_sub(u, c);
  const v128_t k = wasm_f32x4_convert_i32x4(wasm_i32x4_shr(iu, 23));
  const v128_t f =
      wasm_f32x4_sub(wasm_i32x4_add(wasm_v128_and(iu, wasm_i32x4_splat(0x007fffff)), c), one);
  const v128_t s = wasm_f32x4_div(f, wasm_f32x4_add(f, wasm_f32x4_splat(2.0f)));
  const v128_t z = wasm_f32x4_mul(s, s);
  v128_t p = wasm_f32x4_splat(1.0f / 9);
  for (float coef : {1.0f / 7, 1.0f / 5, 1.0f / 3})
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(coef));
  const v128_t s2 = wasm_f32x4_add(s, s);
  const v128_t log_m = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_mul(s2, z), p));
  const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
  const v128_t log_u =
      wasm_f32x4_add(wasm_f32x4_mul(k, wasm_f32x4_splat(ln2_hi)),
                     wasm_f32x4_add(log_m, wasm_f32x4_mul(k, wasm_f32x4_splat(ln2_lo))));
  const v128_t q = wasm_f32x4_mul(log_u, wasm_f32x4_div(y32, wasm_f32x4_sub(u, one)));
  const v128_t tiny = wasm_f32x4_eq(u, one);
  return select(widen_mask<F32x4>(MaskV{tiny}), y, widen(F32x4{q}));
}

// ---- four short float32 rows at once ----------------------------------------

// One term of rows4_sums_f32: two elements (or, with one, the last odd one,
// the other lane 0) promoted to f64x2; with kLog a alone, else a * b.
template <bool kLog>
inline v128_t pair_term(const float* a, const float* b, bool one) {
  const v128_t x =
      wasm_f64x2_promote_low_f32x4(one ? wasm_v128_load32_zero(a) : wasm_v128_load64_zero(a));
  if (kLog) return x;
  const v128_t y =
      wasm_f64x2_promote_low_f32x4(one ? wasm_v128_load32_zero(b) : wasm_v128_load64_zero(b));
  return wasm_f64x2_mul(x, y);
}

// sum(g * s) (kLog: sum(g)) of each of the 4 consecutive rows of n floats at
// g and s, every term in double, as a vector (lane l: row l): the 4 rows in
// one loop, two elements of each at a time (64-bit loads promoted to f64x2),
// an odd last one through a 32-bit load; no masks, no per-row loops.
template <bool kLog>
inline F32x4 rows4_sums_f32(const float* g, const float* s, size_t n) {
  v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
  size_t k = 0;
  for (; k + 2 <= n; k += 2) {
    a0 = wasm_f64x2_add(a0, pair_term<kLog>(g + k, s + k, false));
    a1 = wasm_f64x2_add(a1, pair_term<kLog>(g + n + k, s + n + k, false));
    a2 = wasm_f64x2_add(a2, pair_term<kLog>(g + 2 * n + k, s + 2 * n + k, false));
    a3 = wasm_f64x2_add(a3, pair_term<kLog>(g + 3 * n + k, s + 3 * n + k, false));
  }
  if (k < n) {
    a0 = wasm_f64x2_add(a0, pair_term<kLog>(g + k, s + k, true));
    a1 = wasm_f64x2_add(a1, pair_term<kLog>(g + n + k, s + n + k, true));
    a2 = wasm_f64x2_add(a2, pair_term<kLog>(g + 2 * n + k, s + 2 * n + k, true));
    a3 = wasm_f64x2_add(a3, pair_term<kLog>(g + 3 * n + k, s + 3 * n + k, true));
  }
  const v128_t d01 =
      wasm_f64x2_add(wasm_i64x2_shuffle(a0, a1, 0, 2), wasm_i64x2_shuffle(a0, a1, 1, 3));
  const v128_t d23 =
      wasm_f64x2_add(wasm_i64x2_shuffle(a2, a3, 0, 2), wasm_i64x2_shuffle(a2, a3, 1, 3));
  return {wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(d01), wasm_f32x4_demote_f64x2_zero(d23),
                             0, 1, 4, 5)};
}
#endif

}  // namespace smw
