// sample.cc — logits processors, warpers and the categorical draw (sample.h
// states the semantics; weights.h the weights and masses; philox.h the
// generator).
//
// Per row, without sorting the vocabulary:
//   process   z = processed logits, their max and min in one dense pass, in
//             place when the logits are the caller's own copy (the history and
//             bias tokens computed in double first, written after the pass, so
//             penalties cost O(history)); fl(x / T) by a product with
//             fl(1 / T) where that is exact (checked per block of 8, or for
//             every x at once for temperatures like 0.8), else f64x2 divides;
//             x itself at T = 1. NaN, +inf and all -inf are seen from the max.
//   top-k     the k-th largest value by a buffered threshold select: a buffer of
//             at most max(2k, k + 64) values above a running threshold; when it
//             fills, nth_element keeps its k largest and raises the threshold.
//             Blocks of a SIMD width with nothing above the threshold are
//             skipped with one compare. O(n); then the kept tokens (z >= v_k,
//             ties included) are gathered into a list in index order.
//   top-p     the mass W of the tokens still kept (one exp pass by chunks of
//             256: weights into a buffer, then into the eight lanes; without
//             exp_weight's clamp when the row's min is within 86 of the max; its lane
//             snapshots serve the draw when top-p cuts nothing); candidates
//             z >= m - D, D = ln(2n / ((1 - p) W)): the tokens below weigh less
//             than (1 - p) W / 2 together, so the threshold bin is among the
//             candidates (checked; else every token is binned); the threshold
//             bin's distinct values sorted; a binary search over them for the
//             lowest level v with mass(z > v) < p * W. A row whose kept tokens
//             all sit at the max keeps them all (one level).
//   min-p     w >= minP on the list; without a list, candidates gathered from
//             z >= m + log(minP) - slack first.
//   draw      u * W, W the canonical mass of the kept set; the first token whose
//             canonical prefix mass exceeds it. Dense rows (temperature only)
//             keep the eight lanes every 256 tokens and replay one segment.
#include "sample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <vector>

#include "parallel.h"
#include "philox.h"
#include "weights.h"

namespace smw {
namespace {

constexpr size_t kSnapEvery = 256;   // tokens between snapshots of the eight lanes
constexpr size_t kBins = 1024;       // top-p's bins of d in (-64, 0]; bin kBins holds d <= -64
constexpr double kFirstDepth = 8.0;  // top-p's first candidates: d >= -8

template <class T>
struct Cand {
  uint32_t idx;
  T z;
  double w;
};

size_t align16(size_t b) { return (b + 15) & ~size_t(15); }

// The workspace, carved in this order (sample_workspace_bytes sums the same).
template <class T>
struct Work {
  T* z = nullptr;              // vocab: processed values
  Cand<T>* cand = nullptr;     // vocab: candidates in index order
  Cand<T>* members = nullptr;  // vocab: top-p's threshold bin
  T* levels = nullptr;         // vocab: distinct values of the candidates
  T* sel = nullptr;            // vocab + 64: the top-k select buffer
  double* snaps = nullptr;     // 8 * (vocab / kSnapEvery + 1)
  int32_t* hist = nullptr;     // max_history: one row's history, sorted
  double* bins = nullptr;      // kBins + 1: top-p's bin masses
  double* weights = nullptr;   // vocab: every token's weight, kept by top-p's first pass

  static size_t layout(size_t vocab, size_t max_history, char* base, Work* w) {
    size_t off = 0;
    auto take = [&](size_t bytes) {
      char* p = base ? base + off : nullptr;
      off += align16(bytes);
      return p;
    };
    char* z = take(vocab * sizeof(T));
    char* cand = take(vocab * sizeof(Cand<T>));
    char* members = take(vocab * sizeof(Cand<T>));
    char* levels = take(vocab * sizeof(T));
    char* sel = take((vocab + 64) * sizeof(T));
    char* snaps = take(8 * (vocab / kSnapEvery + 1) * sizeof(double));
    char* hist = take(max_history * sizeof(int32_t));
    char* bins = take((kBins + 1) * sizeof(double));
    char* weights = take(vocab * sizeof(double));
    if (w) {
      w->z = reinterpret_cast<T*>(z);
      w->cand = reinterpret_cast<Cand<T>*>(cand);
      w->members = reinterpret_cast<Cand<T>*>(members);
      w->levels = reinterpret_cast<T*>(levels);
      w->sel = reinterpret_cast<T*>(sel);
      w->snaps = reinterpret_cast<double*>(snaps);
      w->hist = reinterpret_cast<int32_t*>(hist);
      w->bins = reinterpret_cast<double*>(bins);
      w->weights = reinterpret_cast<double*>(weights);
    }
    return off;
  }
};

template <class T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

// ---- process -----------------------------------------------------------------

// z = fl(x / temperature) (the quotient in double, rounded once to T), or a
// copy of x when !divide, from src to dst (which may be src itself); returns
// the max (pmax, NaN lanes tracked apart: NaN if any) and sets *min_out to
// the min (NaN lanes ignored). One pass; the division by two f64x2 divides
// per four floats. (A product by fl(1 / t) with a check for the lanes whose
// rounding it could change is exact too, but the check made it no faster:
// bench/VARIANTS.md, round 3.)
// Whether fl(x * r), r = fl(1 / t), equals fl64(x / t) for every float32 x
// (then the product needs no check): r has at most 29 significant bits, so
// x * r is exact in double, and t * r = 1 + e with -2^-55 <= e <= 2^-54, so
// x / t = x r (1 + d) with |d| < 2^-54: less than half an ulp of x r from it,
// which is therefore the quotient rounded to double. t = 0.8 (r = 1.25,
// e = 2^-54) is such a temperature. t * r = p + err exactly (Dekker's
// product, no FMA).
inline bool exact_reciprocal(double t, double r) {
  uint64_t bits;
  std::memcpy(&bits, &r, 8);
  if ((bits & 0xffffffu) != 0 || !(t >= 0x1p-64 && t <= 0x1p64)) return false;
  const double split = 134217729.0;  // 2^27 + 1
  const double p = t * r;
  const double ta = split * t, t_hi = ta - (ta - t), t_lo = t - t_hi;
  const double ra = split * r, r_hi = ra - (ra - r), r_lo = r - r_hi;
  const double err = ((t_hi * r_hi - p) + t_hi * r_lo + t_lo * r_hi) + t_lo * r_lo;
  const double e = (p - 1.0) + err;
  return e >= -0x1p-55 && e <= 0x1p-54;
}

template <class T>
T temper_max(const T* src, size_t n, double temperature, bool divide, T* dst, T* min_out) {
  using V = Vec<T>;
  [[maybe_unused]] constexpr size_t L = V::kLanes;
  Scalar<T> m{kNegInf<T>}, lo{-kNegInf<T>};
  bool nan = false;
  size_t i = 0;
#if SOFTMAX_WASM_SIMD128
  if (n >= L) {
    V mv = V::splat(kNegInf<T>), minv = V::splat(-kNegInf<T>);
    typename V::Mask bad = is_nan(V::splat(T(0)));
    const v128_t tv = wasm_f64x2_splat(temperature);
    if constexpr (sizeof(T) == 4) {
      // fl(x / t) from q = fl(x * fl(1 / t)) where that is exact (see above),
      // eight floats at a time; a block with a risky lane is divided.
      const bool by_product = divide && temperature >= 0x1p-64 && temperature <= 0x1p64;
      if (by_product) {
        const double r = 1.0 / temperature;
        const v128_t rv = wasm_f64x2_splat(r);
        const bool exact = exact_reciprocal(temperature, r);
        // Midpoint: (low word + 8 - 2^28) & 0x1ffffff0 == 0 iff the low 29
        // bits of q are within 8 of 0x10000000.
        const v128_t mid_add = wasm_i32x4_splat(8 - 0x10000000),
                     mid_keep = wasm_i32x4_splat(0x1ffffff0);
        // Tiny: 0 < |x| <= X, X >= 2^-126 * t (1 + 2^-20) (then |q| >= 2^-126
        // elsewhere): |x| bits + 0x7fffffff < X bits + 0x80000000, signed.
        const float tiny_x =
            std::nextafter(float(0x1p-126 * temperature * (1.0 + 0x1p-20)), -kNegInf<float>);
        uint32_t tiny_bits;
        std::memcpy(&tiny_bits, &tiny_x, 4);
        const v128_t abs_mask = wasm_i32x4_splat(0x7fffffff),
                     tiny_add = wasm_i32x4_splat(0x7fffffff);
        const v128_t tiny_lim = wasm_i32x4_splat(int32_t(tiny_bits + 1u + 0x7fffffffu));
        auto product = [&](v128_t v, v128_t& qlo, v128_t& qhi) {
          qlo = wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(v), rv);
          qhi = wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)),
                               rv);
        };
        auto quotient = [&](v128_t v) {
          const v128_t qlo = wasm_f64x2_div(wasm_f64x2_promote_low_f32x4(v), tv);
          const v128_t qhi = wasm_f64x2_div(
              wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)), tv);
          return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(qlo),
                                    wasm_f32x4_demote_f64x2_zero(qhi), 0, 1, 4, 5);
        };
        auto tiny = [&](v128_t v) {
          return wasm_i32x4_gt(tiny_lim, wasm_i32x4_add(wasm_v128_and(v, abs_mask), tiny_add));
        };
        auto demote = [](v128_t qlo, v128_t qhi) {
          return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(qlo),
                                    wasm_f32x4_demote_f64x2_zero(qhi), 0, 1, 4, 5);
        };
        for (; exact && i + 2 * L <= n; i += 2 * L) {
          const v128_t a = wasm_v128_load(src + i), b = wasm_v128_load(src + i + L);
          v128_t a0, a1, b0, b1;
          product(a, a0, a1);
          product(b, b0, b1);
          V va, vb;
          va.v = demote(a0, a1);
          vb.v = demote(b0, b1);
          va.store(dst + i);
          vb.store(dst + i + L);
          mv = pmax(mv, pmax(va, vb));
          minv = pmin(minv, pmin(va, vb));
          bad = bad | is_nan(va) | is_nan(vb);
        }
        for (; i + 2 * L <= n; i += 2 * L) {
          const v128_t a = wasm_v128_load(src + i), b = wasm_v128_load(src + i + L);
          v128_t a0, a1, b0, b1;
          product(a, a0, a1);
          product(b, b0, b1);
          const v128_t la = wasm_i32x4_shuffle(a0, a1, 0, 2, 4, 6),
                       lb = wasm_i32x4_shuffle(b0, b1, 0, 2, 4, 6);
          const v128_t ta = wasm_v128_and(wasm_i32x4_add(la, mid_add), mid_keep);
          const v128_t tb = wasm_v128_and(wasm_i32x4_add(lb, mid_add), mid_keep);
          const v128_t risky =
              wasm_v128_or(wasm_i32x4_eq(wasm_u32x4_min(ta, tb), wasm_i32x4_splat(0)),
                           wasm_v128_or(tiny(a), tiny(b)));
          V va, vb;
          if (!wasm_v128_any_true(risky)) {
            va.v = demote(a0, a1);
            vb.v = demote(b0, b1);
          } else {
            va.v = quotient(a);
            vb.v = quotient(b);
          }
          va.store(dst + i);
          vb.store(dst + i + L);
          mv = pmax(mv, pmax(va, vb));
          minv = pmin(minv, pmin(va, vb));
          bad = bad | is_nan(va) | is_nan(vb);
        }
      }
    }
    for (; i + L <= n; i += L) {
      V v = V::load(src + i);
      if (divide) {
        if constexpr (sizeof(T) == 4) {
          const v128_t qlo = wasm_f64x2_div(wasm_f64x2_promote_low_f32x4(v.v), tv);
          const v128_t qhi = wasm_f64x2_div(
              wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v.v, v.v, 2, 3, 2, 3)), tv);
          v.v = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(qlo),
                                   wasm_f32x4_demote_f64x2_zero(qhi), 0, 1, 4, 5);
        } else {
          v.v = wasm_f64x2_div(v.v, tv);
        }
      }
      v.store(dst + i);
      mv = pmax(mv, v);
      minv = pmin(minv, v);
      bad = bad | is_nan(v);
    }
    m.v = hmax(mv);
    lo.v = hmin(minv);
    nan = any(bad);
  }
#endif
  for (; i < n; ++i) {
    const T v = divide ? T(double(src[i]) / temperature) : src[i];
    dst[i] = v;
    nan = nan || v != v;
    m = pmax(m, Scalar<T>{v});
    lo = pmin(lo, Scalar<T>{v});
  }
  *min_out = lo.v;
  return nan ? std::numeric_limits<T>::quiet_NaN() : m.v;
}

// The row's max (NaN if it holds a NaN) and its min (NaN ignored). pmax and
// pmin (one instruction each) with the NaN lanes tracked apart: the
// NaN-propagating max costs V8 about eight.
template <class T>
T row_max(const T* z, size_t n, T* min_out) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  Scalar<T> m{kNegInf<T>}, lo{-kNegInf<T>};
  bool nan = false;
  size_t i = 0;
  if (n >= 2 * L) {
    V m0 = V::splat(kNegInf<T>), m1 = m0, l0 = V::splat(-kNegInf<T>), l1 = l0;
    typename V::Mask bad = is_nan(V::splat(T(0)));
    for (; i + 2 * L <= n; i += 2 * L) {
      const V a = V::load(z + i), b = V::load(z + i + L);
      m0 = pmax(m0, a);
      m1 = pmax(m1, b);
      l0 = pmin(l0, a);
      l1 = pmin(l1, b);
      bad = bad | is_nan(a) | is_nan(b);
    }
    m.v = hmax(pmax(m0, m1));
    lo.v = hmin(pmin(l0, l1));
    nan = any(bad);
  }
  for (; i < n; ++i) {
    nan = nan || z[i] != z[i];
    m = pmax(m, Scalar<T>{z[i]});
    lo = pmin(lo, Scalar<T>{z[i]});
  }
  *min_out = lo.v;
  return nan ? std::numeric_limits<T>::quiet_NaN() : m.v;
}

// The row's processed values z, their max (NaN if any is NaN) and a lower
// bound of their min (exact but for the non-writable form below). The
// sparse tokens (history and bias ids) get their values in double first,
// kept in w.members; then one dense pass (fl(x / T), or the max alone); then
// the sparse values are written and the max updated.
//   * logits_writable (the caller's own copy of the row): in place. Before
//     the dense pass the sparse tokens are given the value of a token that
//     is not sparse (neutral for the max and the min), so nothing costs
//     O(vocab) but the pass itself (only the max and min at T = 1).
//   * otherwise: into w.z; a sparse token that held the max and was lowered
//     makes the max stale: recomputed. The min is that of the values before
//     the sparse ones were written and after (a lower bound).
// Without sparse tokens at T = 1, z is x itself. Returns kBadIndex for a
// history id outside [0, vocab).
template <class T>
Status process_row(const SampleArgs<T>& a, size_t r, Work<T>& w, const T*& z_out, T& max_out,
                   T& min_out) {
  const size_t n = a.vocab;
  const T* x = a.logits + r * n;
  size_t h = 0;
  if (a.history_range) {
    const uint32_t begin = a.history_range[2 * r], end = a.history_range[2 * r + 1];
    h = end - begin;
    std::memcpy(w.hist, a.history + begin, h * sizeof(int32_t));
    for (size_t i = 0; i < h; ++i)
      if (w.hist[i] < 0 || size_t(w.hist[i]) >= n) return kBadIndex;
    std::sort(w.hist, w.hist + h);
  }
  const double temperature = a.temperature;
  const bool divide = temperature > 0.0 && temperature != 1.0;
  if (!divide && h == 0 && a.bias_count == 0) {
    z_out = x;
    max_out = row_max(x, n, &min_out);
    return kOk;
  }
  // The sparse tokens' values, in ascending id order: merge the sorted
  // history ids (with counts) and the bias ids.
  Cand<T>* sparse = w.members;
  size_t count_sparse = 0;
  size_t hi = 0, bi = 0;
  while (hi < h || bi < a.bias_count) {
    const int32_t th = hi < h ? w.hist[hi] : INT32_MAX;
    const int32_t tb = bi < a.bias_count ? a.bias_ids[bi] : INT32_MAX;
    const int32_t t = std::min(th, tb);
    double y = double(x[t]);
    if (th == t) {
      size_t count = 0;
      while (hi < h && w.hist[hi] == t) ++hi, ++count;
      const double rp = a.repetition_penalty;
      y = y < 0 ? y * rp : y / rp;
      y = y - double(count) * a.frequency_penalty;
      y = y - a.presence_penalty;
    }
    if (tb == t) y = y + a.bias_values[bi++];
    sparse[count_sparse++] = {uint32_t(t), T(temperature > 0.0 ? y / temperature : y), 0.0};
  }
  T* z;
  T mt, lo;
  if (a.logits_writable) {
    z = const_cast<T*>(x);
    // The first token that is not sparse (the ids are ascending).
    size_t j = 0;
    while (j < count_sparse && sparse[j].idx == j) ++j;
    if (j < n) {
      const T neutral = x[j];
      for (size_t k = 0; k < count_sparse; ++k) z[sparse[k].idx] = neutral;
      mt = divide ? temper_max(z, n, temperature, true, z, &lo) : row_max(z, n, &lo);
    } else {  // every token is sparse
      mt = kNegInf<T>;
      lo = -kNegInf<T>;
    }
    for (size_t k = 0; k < count_sparse; ++k) {
      const T v = sparse[k].z;
      z[sparse[k].idx] = v;
      if (v != v) mt = v;
      if (v > mt) mt = v;
      if (v < lo) lo = v;
    }
  } else {
    z = w.z;
    bool stale = false;
    mt = temper_max(x, n, temperature, divide, z, &lo);
    for (size_t k = 0; k < count_sparse; ++k) {
      const T v = sparse[k].z;
      T& zt = z[sparse[k].idx];
      if ((zt == mt && !(v >= mt)) || v != v) stale = true;
      zt = v;
      if (v > mt) mt = v;
      if (v < lo) lo = v;
    }
    if (mt == mt && (stale || mt == -kNegInf<T>)) {
      T fresh_lo;
      mt = row_max(z, n, &fresh_lo);
    }
  }
  max_out = mt;
  min_out = lo;
  z_out = z;
  return kOk;
}

// ---- top-k ---------------------------------------------------------------------

// The k-th largest of z[0..n) (with multiplicity), 0 < k < n, no NaN.
template <class T>
T kth_largest(const T* z, size_t n, size_t k, T* buf) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const size_t cap = std::min(std::max(2 * k, k + 64), n + 64);
  auto greater = [](T p, T q) { return p > q; };
  T thr = kNegInf<T>;
  size_t len = 0;
  auto push = [&](T v) {
    buf[len++] = v;
    if (len == cap) {
      std::nth_element(buf, buf + (k - 1), buf + len, greater);
      thr = buf[k - 1];
      len = k;
    }
  };
  size_t i = 0;
  for (; i + L <= n; i += L) {
    if (!any(V::load(z + i) > V::splat(thr))) continue;
    for (size_t j = 0; j < L; ++j)
      if (z[i + j] > thr) push(z[i + j]);
  }
  for (; i < n; ++i)
    if (z[i] > thr) push(z[i]);
  if (len < k) return kNegInf<T>;  // fewer than k values above -inf
  std::nth_element(buf, buf + (k - 1), buf + len, greater);
  return buf[k - 1];
}

// ---- candidates ------------------------------------------------------------------

// The tokens with z >= lo, in index order, with their weights; SIZE_MAX if
// there are more than cap. Blocks of 8 with no such token are skipped with
// vector compares; the others get their 8 weights from one vector exp_weight
// (the same bits as the scalar one).
template <class T>
size_t gather(const T* z, size_t n, T mt, T lo, Cand<T>* out, size_t cap) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  size_t len = 0;
  size_t i = 0;
  const V lov = V::splat(lo);
  for (; i + 8 <= n; i += 8) {
    bool none = true;
    for (size_t j = 0; j < 8; j += L)
      none = none && all(V::load(z + i + j) < lov);  // no NaN: !(z < lo) is z >= lo
    if (none) continue;
    double wv[8];
    weights8_to(z + i, mt, wv);
    for (size_t j = 0; j < 8; ++j) {
      if (!(z[i + j] >= lo)) continue;
      if (len == cap) return SIZE_MAX;
      out[len++] = {uint32_t(i + j), z[i + j], wv[j]};
    }
  }
  for (; i < n; ++i) {
    if (!(z[i] >= lo)) continue;
    if (len == cap) return SIZE_MAX;
    out[len++] = {uint32_t(i), z[i], weight_of(z[i], mt)};
  }
  return len;
}

// A value of T at or below m + delta (double), for a candidate bound.
template <class T>
T bound_below(double m, double delta) {
  const double b = m + delta - std::fabs(m) * 1e-6 - 1e-6;
  const T t = T(b);
  return std::nextafter(t, kNegInf<T>);
}

template <class T>
double list_total(const Cand<T>* c, size_t len) {
  Lanes8 s;
  for (size_t i = 0; i < len; ++i) s.add(c[i].idx, c[i].w);
  return s.total();
}

// Top-p's masses. Tokens are binned by d = z - max: bin floor(-16 d) for
// d > -64 (1/16-nat bins, the top one first), and one last bin for the rest.
// A bin's mass is its weights added in index order; the mass above a value v
// in bin b is fl(A_b + s_b(v)), A_b the masses of the bins above b added from
// the top, s_b(v) the weights of b's tokens with z > v added in index order.
// It is monotone in v and needs one pass over the candidates, whatever p is.
inline size_t bin_of(double d) { return d > -64.0 ? size_t(-d * 16.0) : kBins; }

// The bin of top-p's threshold: the first bin b (from the top) whose mass
// brings the running total A to pw, with A_b (`above`) the mass before it.
// False when that bin is not below complete_bins (not every token counted).
inline bool threshold_bin(const double* mass, double pw, size_t complete_bins, size_t* bin,
                          double* above) {
  double a = 0.0;
  for (size_t b = 0;; ++b) {
    if (b >= complete_bins) return false;
    const double next = a + mass[b];
    if (next >= pw || b == kBins) {
      *bin = b;
      *above = a;
      return true;
    }
    a = next;
  }
}

// The lowest level v of the threshold bin's members (index order) with
// fl(above + s(v)) < pw, s(v) their weights above v in index order; the
// highest level always qualifies (s = 0). No members: -inf (keep all).
template <class T>
T level_in_bin(const Cand<T>* members, size_t count, double above, double pw, T* levels) {
  if (count == 0) return kNegInf<T>;
  T lo = members[0].z, hi = lo;
  for (size_t i = 0; i < count; ++i) {
    levels[i] = members[i].z;
    lo = std::min(lo, levels[i]);
    hi = std::max(hi, levels[i]);
  }
  if (lo == hi) return hi;  // one level: it always qualifies (s = 0)
  std::sort(levels, levels + count, [](T p, T q) { return p > q; });
  const size_t distinct = size_t(std::unique(levels, levels + count) - levels);
  auto mass_above = [&](T v) {
    double s = 0.0;
    for (size_t i = 0; i < count; ++i)
      if (members[i].z > v) s += members[i].w;
    return above + s;
  };
  size_t first = 0, last = distinct - 1;
  while (first < last) {
    const size_t mid = first + (last - first + 1) / 2;
    if (mass_above(levels[mid]) < pw)
      first = mid;
    else
      last = mid - 1;
  }
  return levels[first];
}

template <class T>
void list_bins(const Cand<T>* c, size_t len, double m, double* mass) {
  std::fill(mass, mass + kBins + 1, 0.0);
  for (size_t i = 0; i < len; ++i) mass[bin_of(double(c[i].z) - m)] += c[i].w;
}

template <class T>
size_t list_members(const Cand<T>* c, size_t len, double m, size_t b, Cand<T>* members) {
  size_t count = 0;
  for (size_t i = 0; i < len; ++i)
    if (bin_of(double(c[i].z) - m) == b) members[count++] = c[i];
  return count;
}

// Top-p's level on a candidate list holding every kept token.
template <class T>
T list_top_p(const Cand<T>* c, size_t len, double m, double pw, Work<T>& w) {
  list_bins(c, len, m, w.bins);
  size_t b = 0;
  double above = 0.0;
  threshold_bin(w.bins, pw, kBins + 1, &b, &above);
  const size_t count = list_members(c, len, m, b, w.members);
  return level_in_bin(w.members, count, above, pw, w.levels);
}

// gather() with the weights already computed (top-p's first pass stored them).
template <class T>
size_t gather_stored(const T* z, size_t n, T lo, const double* weights, Cand<T>* out, size_t cap) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const V lov = V::splat(lo);
  size_t len = 0;
  size_t i = 0;
  auto take = [&](size_t j) {
    if (!(z[j] >= lo)) return true;
    if (len == cap) return false;
    out[len++] = {uint32_t(j), z[j], weights[j]};
    return true;
  };
  for (; i + L <= n; i += L) {
    if (all(V::load(z + i) < lov)) continue;
    for (size_t j = 0; j < L; ++j)
      if (!take(i + j)) return SIZE_MAX;
  }
  for (; i < n; ++i)
    if (!take(i)) return SIZE_MAX;
  return len;
}

// The tokens of bin b with z >= thr, in index order, with their weights.
// Blocks entirely outside the bin's z range (with slack) are skipped.
template <class T>
size_t bin_members(const T* z, size_t n, T mt, T thr, size_t b, const double* weights,
                   Cand<T>* out) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const double m = double(mt);
  const T lo = b < kBins ? std::max(thr, bound_below<T>(m, -double(b + 1) / 16.0)) : thr;
  const T hi = -bound_below<T>(-m, double(b) / 16.0);  // at or above m - b / 16
  const V lov = V::splat(lo), hiv = V::splat(hi);
  size_t len = 0;
  auto take = [&](size_t i) {
    if (z[i] >= thr && bin_of(double(z[i]) - m) == b) out[len++] = {uint32_t(i), z[i], weights[i]};
  };
  size_t i = 0;
  for (; i + L <= n; i += L) {
    const V v = V::load(z + i);
    if (all(v < lov) || all(hiv < v)) continue;
    for (size_t j = 0; j < L; ++j) take(i + j);
  }
  for (; i < n; ++i) take(i);
  return len;
}

// Every token's weight, stored (top-p's dense form).
template <class T>
void store_weights(const T* z, size_t n, T mt, double* weights) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) weights8_to(z + i, mt, weights + i);
  for (; i < n; ++i) weights[i] = weight_of(z[i], mt);
}

// The smallest z >= thr (there is one: the max).
template <class T>
T dense_min(const T* z, size_t n, T thr) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const T big = -kNegInf<T>;
  Scalar<T> lo{big};
  size_t i = 0;
  if (n >= L) {
    V mv = V::splat(big);
    const V tv = V::splat(thr), bv = V::splat(big);
    for (; i + L <= n; i += L) {
      const V v = V::load(z + i);
      mv = pmin(mv, select(v < tv, bv, v));
    }
    lo.v = hmin(mv);
  }
  for (; i < n; ++i)
    if (!(z[i] < thr)) lo = pmin(lo, Scalar<T>{z[i]});
  return lo.v;
}

// Bin masses of the tokens with z >= lo (weights by blocks of 8 vectors).
template <class T>
void dense_bins(const T* z, size_t n, T mt, T lo, const double* weights, double* mass) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const double m = double(mt);
  std::fill(mass, mass + kBins + 1, 0.0);
  const V lov = V::splat(lo);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    bool none = true;
    for (size_t j = 0; j < 8; j += L) none = none && all(V::load(z + i + j) < lov);
    if (none) continue;
    for (size_t j = 0; j < 8; ++j)
      if (z[i + j] >= lo) mass[bin_of(double(z[i + j]) - m)] += weights[i + j];
  }
  for (; i < n; ++i)
    if (z[i] >= lo) mass[bin_of(double(z[i]) - m)] += weights[i];
}

// ---- dense mass and draw (temperature only) -----------------------------------

// Canonical mass of the kept tokens; snapshots of the lanes after each
// kSnapEvery tokens, and the final lanes after them.
// Kept: z >= thr and w >= min_p (thr = -inf, min_p = 0 keep every token).
// By chunks of kSnapEvery tokens: first their weights into a small buffer
// (a loop of independent exps: its constants fit in the registers, and the
// out-of-order core overlaps many of the long Horner chains), then the
// buffer into the eight lanes. One loop doing both spilled registers and
// kept fewer exps in flight: 1.6x slower. kClamp = false where the caller
// knows every d >= kMin (the same bits). kMasked is compile-time so the plain
// pass carries no unused registers.
template <bool kMasked, bool kClamp, class T>
double dense_total_pass(const T* z, size_t n, T mt, T thr, double min_p, double* snaps) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  alignas(16) T buf[kSnapEvery];
  VecD acc[kPartsOf8];
  for (auto& v : acc) v = VecD::splat(0.0);
  const VecD thrv = VecD::splat(double(thr)), minv = VecD::splat(min_p);
  const V mv = V::splat(mt);
  auto add8 = [&](VecD* wv, const T* zi) {
    if (kMasked) {
      VecD dv[kPartsOf8];
      load8(zi, dv);
      for (size_t j = 0; j < kPartsOf8; ++j)
        wv[j] = zero_where(dv[j] < thrv, zero_where(wv[j] < minv, wv[j]));
    }
    for (size_t j = 0; j < kPartsOf8; ++j) acc[j] = acc[j] + wv[j];
  };
  size_t i = 0, s = 0;
  for (; i + kSnapEvery <= n; i += kSnapEvery) {
    for (size_t j = 0; j < kSnapEvery; j += L)
      exp_weight<V, kClamp>(V::load(z + i + j) - mv).store(buf + j);
    for (size_t j = 0; j < kSnapEvery; j += 8) {
      VecD wv[kPartsOf8];
      load8(buf + j, wv);
      add8(wv, z + i + j);
    }
    const Lanes8 l = lanes_of(acc);
    std::memcpy(snaps + 8 * s++, l.a, sizeof l.a);
  }
  for (; i + 8 <= n; i += 8) {
    VecD wv[kPartsOf8];
    weights8(z + i, mt, wv);
    add8(wv, z + i);
  }
  Lanes8 l = lanes_of(acc);
  for (; i < n; ++i) {
    double w = weight_of(z[i], mt);
    if (z[i] < thr || w < min_p) w = 0.0;
    l.add(i, w);
  }
  std::memcpy(snaps + 8 * s, l.a, sizeof l.a);
  return l.total();
}

// clamp: false only when every d = z - max of the row is >= kMin.
template <class T>
double dense_total(const T* z, size_t n, T mt, T thr, double min_p, double* snaps,
                   bool clamp = true) {
  const bool masked = thr > kNegInf<T> || min_p > 0.0;
  if (clamp)
    return masked ? dense_total_pass<true, true>(z, n, mt, thr, min_p, snaps)
                  : dense_total_pass<false, true>(z, n, mt, thr, min_p, snaps);
  return masked ? dense_total_pass<true, false>(z, n, mt, thr, min_p, snaps)
                : dense_total_pass<false, false>(z, n, mt, thr, min_p, snaps);
}

// The filtered row of the dense form: z where kept, -inf where cut.
template <class T>
void dense_output(const T* z, size_t n, T mt, T thr, double min_p, T* out) {
  for (size_t i = 0; i < n; i += 8) {
    double wv[8];
    const size_t count = std::min<size_t>(8, n - i);
    if (min_p > 0.0 && count == 8) {
      weights8_to(z + i, mt, wv);
    } else {
      for (size_t j = 0; j < count; ++j) wv[j] = min_p > 0.0 ? weight_of(z[i + j], mt) : 1.0;
    }
    for (size_t j = 0; j < count; ++j)
      out[i + j] = z[i + j] < thr || wv[j] < min_p ? kNegInf<T> : z[i + j];
  }
}

inline double total_of(const double* lanes) {
  Lanes8 l;
  std::memcpy(l.a, lanes, sizeof l.a);
  return l.total();
}

template <class T>
size_t dense_draw(const T* z, size_t n, T mt, T thr, double min_p, const double* snaps, double t) {
  const size_t segments = n / kSnapEvery + 1;
  for (size_t s = 0; s < segments; ++s) {
    if (!(total_of(snaps + 8 * s) > t)) continue;
    Lanes8 l;
    if (s > 0) std::memcpy(l.a, snaps + 8 * (s - 1), sizeof l.a);
    const size_t end = std::min(n, (s + 1) * kSnapEvery);
    for (size_t i = s * kSnapEvery; i < end; ++i) {
      const double w = weight_of(z[i], mt);
      if (z[i] < thr || w < min_p || w == 0.0) continue;
      l.add(i, w);
      if (l.total() > t) return i;
    }
  }
  return n;  // unreachable: the last snapshot's total is W > t
}

template <class T>
size_t list_draw(const Cand<T>* c, size_t len, double t) {
  constexpr size_t kStep = 64;
  Lanes8 l;
  for (size_t i = 0; i < len; i += kStep) {
    const Lanes8 before = l;
    const size_t end = std::min(len, i + kStep);
    for (size_t j = i; j < end; ++j) l.add(c[j].idx, c[j].w);
    if (!(l.total() > t)) continue;
    l = before;
    for (size_t j = i; j < end; ++j) {
      l.add(c[j].idx, c[j].w);
      if (l.total() > t) return j;
    }
  }
  return len;  // unreachable: the list's total is W > t
}

// ---- one row -----------------------------------------------------------------------

template <class T>
Status sample_row(const SampleArgs<T>& a, size_t r, Work<T>& w, uint32_t* why) {
  const size_t n = a.vocab;
  const T* z = nullptr;
  T mt, zmin;
  if (Status st = process_row(a, r, w, z, mt, zmin)) return st;
  if (!(mt > kNegInf<T>) || mt == -kNegInf<T>) {
    *why = mt != mt ? 1 : mt > 0 ? 2 : 3;  // NaN, +inf, all -inf
    return kBadRow;
  }
  const double m = double(mt);
  // Whether the exp_weight of the dense passes needs its clamp (some d < kMin).
  const bool clamp = !(T(zmin - mt) >= WeightConsts<T>::kMin);
  T* out = a.filtered ? a.filtered + r * n : nullptr;
  const bool draw = a.tokens || a.log_probs;
  const double u = draw ? philox_uniform(a.key0, a.key1, a.position + r) : 0.0;

  if (a.temperature == 0.0) {  // greedy: the first largest, alone
    size_t best = 0;
    while (z[best] != mt) ++best;
    if (out) {
      std::fill(out, out + n, kNegInf<T>);
      out[best] = mt;
    }
    if (a.tokens) a.tokens[r] = int32_t(best);
    if (a.log_probs) a.log_probs[r] = 0.0;
    return kOk;
  }

  const bool top_k = a.top_k > 0 && a.top_k < n;
  const bool top_p = a.top_p < 1.0;
  const bool min_p = a.min_p > 0.0;
  // The kept set is a candidate list (index order) while it is small, else
  // the dense form: z >= thr and w >= keep_min_p.
  const size_t cap = std::max<size_t>(n / 8, 256);
  Cand<T>* c = w.cand;
  size_t len = 0;
  bool list = false;
  T thr = kNegInf<T>;
  double keep_min_p = 0.0;
  // w.snaps hold the lanes of the mass of z >= snap_thr (total snap_total) once
  // top-p's first pass has run; NaN: not yet.
  T snap_thr = std::numeric_limits<T>::quiet_NaN();
  double snap_total = 0.0;
  if (top_k) {
    thr = kth_largest(z, n, a.top_k, w.sel);
    len = gather(z, n, mt, thr, c, cap);
    list = len != SIZE_MAX;
  }
  if (top_p) {
    T level;
    if (list) {
      level = list_top_p(c, len, m, a.top_p * list_total(c, len), w);
    } else {
      // W, the mass of the kept tokens, from one exp pass whose snapshots the
      // draw reuses when top-p cuts nothing. A token below m - D weighs at
      // most e^-D, so all of them together weigh less than (1 - p) W / 2 for
      // D = ln(2 n / ((1 - p) W)): the threshold's bin is then above m - D
      // (threshold_bin checks it; if not, every token is binned).
      snap_total = dense_total(z, n, mt, thr, 0.0, w.snaps, clamp);
      snap_thr = thr;
      const double pw = a.top_p * snap_total;
      const double depth = std::log(2.0 * double(n) / ((1.0 - a.top_p) * snap_total)) + 0.0625;
      // The candidates go in a list while they fit (n / 8), else stay dense
      // (every weight stored once, for the binning and the draw).
      size_t b = 0;
      double above = 0.0;
      bool stored = false, flat = false;
      // Depths tried: kFirstDepth nats (most rows of a language model hold
      // p of their mass there: few candidates), then D, then every token.
      const double depths[3] = {depth > kFirstDepth + 0.5 ? kFirstDepth : -1.0,
                                depth < 63.0 ? depth : -1.0, 0.0};
      for (size_t attempt = 0; attempt < 3; ++attempt) {
        const double dp = depths[attempt];
        if (attempt < 2 && dp < 0.0) continue;
        const T lo = attempt < 2 ? std::max(thr, bound_below<T>(m, -dp)) : thr;
        len = gather(z, n, mt, lo, c, cap);
        list = len != SIZE_MAX;
        if (list) {
          list_bins(c, len, m, w.bins);
        } else if (!stored && dense_min(z, n, thr) == mt) {
          flat = true;  // every kept token at the max: one level, top-p keeps them all
          break;
        } else {
          if (!stored) store_weights(z, n, mt, w.weights);
          stored = true;
          dense_bins(z, n, mt, lo, w.weights, w.bins);
        }
        if (threshold_bin(w.bins, pw, attempt < 2 ? size_t(dp * 16.0) : kBins + 1, &b, &above))
          break;
      }
      if (flat) {
        level = thr;
      } else {
        const size_t count = list ? list_members(c, len, m, b, w.members)
                                  : bin_members(z, n, mt, thr, b, w.weights, w.members);
        level = level_in_bin(w.members, count, above, pw, w.levels);
        if (!list) {
          len = gather_stored(z, n, std::max(thr, level), w.weights, c, cap);
          list = len != SIZE_MAX;
        }
      }
    }
    if (list) {
      size_t kept = 0;
      for (size_t i = 0; i < len; ++i)
        if (c[i].z >= level) c[kept++] = c[i];
      len = kept;
    }
    if (level > thr && !list && level <= dense_min(z, n, thr)) level = thr;  // cut nothing
    thr = std::max(thr, level);
  }
  if (min_p) {
    if (!list) {
      len = gather(z, n, mt, std::max(thr, bound_below<T>(m, std::log(a.min_p))), c, cap);
      list = len != SIZE_MAX;
    }
    if (list) {
      size_t kept = 0;
      for (size_t i = 0; i < len; ++i)
        if (c[i].w >= a.min_p) c[kept++] = c[i];
      len = kept;
    } else {
      keep_min_p = a.min_p;
    }
  }

  if (out) {
    if (list) {
      std::fill(out, out + n, kNegInf<T>);
      for (size_t i = 0; i < len; ++i) out[c[i].idx] = c[i].z;
    } else {
      dense_output(z, n, mt, thr, keep_min_p, out);
    }
  }
  if (!draw) return kOk;
  size_t token;
  double total;
  if (list) {
    total = list_total(c, len);
    const size_t j = list_draw(c, len, u * total);
    token = j < len ? c[j].idx : n;
  } else {
    total = snap_thr == thr && keep_min_p == 0.0
                ? snap_total
                : dense_total(z, n, mt, thr, keep_min_p, w.snaps, clamp);
    token = dense_draw(z, n, mt, thr, keep_min_p, w.snaps, u * total);
  }
  if (token >= n) return kBadOption;  // cannot happen (see the draws); never a silent token
  if (a.tokens) a.tokens[r] = int32_t(token);
  if (a.log_probs) a.log_probs[r] = (double(z[token]) - m) - std::log(total);
  return kOk;
}

}  // namespace

namespace detail {
template <class T>
size_t draw_dense(const T* z, size_t n, T max, double t, double* total) {
  std::vector<double> snaps(8 * (n / kSnapEvery + 1));
  *total = dense_total(z, n, max, kNegInf<T>, 0.0, snaps.data());
  return dense_draw(z, n, max, kNegInf<T>, 0.0, snaps.data(), t);
}
template <class T>
size_t draw_list(const T* z, size_t n, T max, T keep_from, double t, double* total) {
  std::vector<Cand<T>> c(n);
  const size_t len = gather(z, n, max, keep_from, c.data(), n);
  *total = list_total(c.data(), len);
  const size_t j = list_draw(c.data(), len, t);
  return j < len ? c[j].idx : n;
}
template <class T>
double dense_mass(const T* z, size_t n, T max, bool clamp) {
  std::vector<double> snaps(8 * (n / kSnapEvery + 1));
  return dense_total(z, n, max, kNegInf<T>, 0.0, snaps.data(), clamp);
}
template <class T>
T temper(const T* x, size_t n, double temperature, T* z) {
  T lo;
  return temper_max(x, n, temperature, true, z, &lo);
}
template float temper<float>(const float*, size_t, double, float*);
template double temper<double>(const double*, size_t, double, double*);
template double dense_mass<float>(const float*, size_t, float, bool);
template double dense_mass<double>(const double*, size_t, double, bool);
template size_t draw_dense<float>(const float*, size_t, float, double, double*);
template size_t draw_dense<double>(const double*, size_t, double, double, double*);
template size_t draw_list<float>(const float*, size_t, float, float, double, double*);
template size_t draw_list<double>(const double*, size_t, double, double, double, double*);
}  // namespace detail

template <class T>
size_t sample_workspace_bytes(size_t vocab, size_t max_history, size_t rows) {
  return Work<T>::layout(vocab, max_history, nullptr, nullptr) * row_slots(rows);
}

template <class T>
Status sample(const SampleArgs<T>& a) {
  if (a.rows == 0) return kOk;
  if (!a.logits || !a.work || !a.bad_row) return kNullPointer;
  if (a.vocab == 0 || a.vocab > size_t(INT32_MAX)) return kBadOption;
  if (!(a.temperature >= 0.0) || !std::isfinite(a.temperature)) return kBadTemperature;
  if (!(a.top_p > 0.0 && a.top_p <= 1.0) || !(a.min_p >= 0.0 && a.min_p < 1.0)) return kBadOption;
  if (!(a.repetition_penalty > 0.0) || !std::isfinite(a.repetition_penalty) ||
      !std::isfinite(a.presence_penalty) || !std::isfinite(a.frequency_penalty))
    return kBadOption;
  if (a.history_range && !a.history) return kNullPointer;
  if (a.bias_count && (!a.bias_ids || !a.bias_values)) return kNullPointer;
  for (size_t i = 0; i < a.bias_count; ++i) {
    if (a.bias_ids[i] < 0 || size_t(a.bias_ids[i]) >= a.vocab) return kBadIndex;
    if (i > 0 && a.bias_ids[i] <= a.bias_ids[i - 1]) return kBadOption;
    if (std::isnan(a.bias_values[i]) || a.bias_values[i] == std::numeric_limits<double>::infinity())
      return kBadOption;
  }
  size_t max_history = 0;
  if (a.history_range) {
    for (size_t r = 0; r < a.rows; ++r) {
      if (a.history_range[2 * r + 1] < a.history_range[2 * r]) return kBadOption;
      max_history =
          std::max<size_t>(max_history, a.history_range[2 * r + 1] - a.history_range[2 * r]);
    }
  }
  // Rows are independent: row_slots(rows) tasks of consecutive rows, each
  // with its own workspace, run by run_tasks (on the pool's threads in the
  // threaded build). Each task stops at its first bad row; the call reports
  // the lowest such row, as a loop over the rows would.
  const size_t bytes = Work<T>::layout(a.vocab, max_history, nullptr, nullptr);
  const size_t tasks = row_slots(a.rows);
  const size_t per = (a.rows + tasks - 1) / tasks;
  Status status[kRowSlots] = {};
  uint32_t bad[kRowSlots] = {}, why[kRowSlots] = {};
  run_tasks(a.rows, per, a.rows * a.vocab, [&](size_t begin, size_t end) {
    const size_t slot = begin / per;
    Work<T> w;
    Work<T>::layout(a.vocab, max_history, static_cast<char*>(a.work) + slot * bytes, &w);
    for (size_t r = begin; r < end; ++r) {
      if (Status st = sample_row(a, r, w, &why[slot])) {
        status[slot] = st;
        bad[slot] = uint32_t(r);
        return;
      }
    }
  });
  for (size_t t = 0; t < tasks; ++t) {
    if (status[t]) {
      a.bad_row[0] = bad[t];
      a.bad_row[1] = why[t];
      return status[t];
    }
  }
  return kOk;
}

template size_t sample_workspace_bytes<float>(size_t, size_t, size_t);
template size_t sample_workspace_bytes<double>(size_t, size_t, size_t);
template Status sample<float>(const SampleArgs<float>&);
template Status sample<double>(const SampleArgs<double>&);

const char* sampling_variant() {
#if SOFTMAX_WASM_SIMD128
  return "sampling_philox4x32_10_u53_expw6f32_expw12f64_f64x2_canon8_inplace_recipq_chunkexp_"
         "bufselect_topk_boundedcand_"
         "topp_"
         "keyselect_topk_simdargmax";
#else
  return "sampling_philox4x32_10_u53_expw6f32_expw12f64_scalar_canon8_inplace_chunkexp_"
         "bufselect_topk_boundedcand_"
         "topp_"
         "keyselect_topk_scalarargmax";
#endif
}

}  // namespace smw
