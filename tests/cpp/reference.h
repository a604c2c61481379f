// reference.h — long double reference of every softmax-wasm op.
//
// The tests compare the kernels (float32 and float64) against these. Every
// reference works on the same (outer, n, inner) view as the kernels
// (softmax.h): fibre (o, i) is x[o * n * inner + k * inner + i], k = 0..n-1.
// Everything is computed in long double (x87, 64-bit significand) from the
// kernels' own inputs, so the reference's own error (about 1e-19 relative) is
// far below the tightest bound of cpp/accuracy.json (1e-14).
//
// Non-finite inputs follow PyTorch:
//   softmax / log_softmax: a fibre holding a NaN or a +inf, or all -inf,
//     becomes all NaN; -inf entries of other fibres give 0 (softmax) or -inf
//     (log_softmax).
//   log_sum_exp: NaN if the fibre holds a NaN, else +inf if it holds a +inf,
//     else -inf if it is all -inf or empty.
//   backward ops: plain arithmetic, so NaN and inf propagate.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace ref {

using LD = long double;

inline LD nan_ld() { return std::numeric_limits<LD>::quiet_NaN(); }
inline LD inf_ld() { return std::numeric_limits<LD>::infinity(); }

// Sum with Neumaier's compensation (errors of order one long double ulp of
// the total, independent of the number of terms).
class Sum {
 public:
  void add(LD v) {
    LD t = s_ + v;
    if (std::fabs(s_) >= std::fabs(v))
      c_ += (s_ - t) + v;
    else
      c_ += (v - t) + s_;
    s_ = t;
  }
  // With an infinite term the compensation is NaN (inf - inf): the plain sum
  // is then the answer (inf, or NaN for inf + -inf or a NaN term).
  LD value() const { return std::isfinite(s_) ? s_ + c_ : s_; }

 private:
  LD s_ = 0, c_ = 0;
};

// Offset of element k of fibre (o, i).
inline size_t at(size_t o, size_t k, size_t i, size_t n, size_t inner) {
  return (o * n + k) * inner + i;
}

// The fibre (o, i) of x, widened to long double.
template <class T>
std::vector<LD> fibre(const T* x, size_t o, size_t i, size_t n, size_t inner) {
  std::vector<LD> f(n);
  for (size_t k = 0; k < n; ++k) f[k] = LD(x[at(o, k, i, n, inner)]);
  return f;
}

// PyTorch's softmax rule: true if the fibre's softmax is all NaN (it holds a
// NaN or +inf, or every entry is -inf).
inline bool nan_fibre(const std::vector<LD>& f) {
  bool all_neg_inf = true;
  for (LD v : f) {
    if (std::isnan(v) || v == inf_ld()) return true;
    if (v != -inf_ld()) all_neg_inf = false;
  }
  return all_neg_inf;
}

inline LD max_of(const std::vector<LD>& f) {
  LD m = -inf_ld();
  for (LD v : f) m = v > m ? v : m;
  return m;
}

// Shifted, scaled logits z_k = (x_k - max) / T, their exps e_k and S = sum e_k.
struct Shifted {
  std::vector<LD> z, e;
  LD sum;
};

inline Shifted shifted(const std::vector<LD>& f, double temperature) {
  Shifted s;
  const LD m = max_of(f), t = LD(temperature);
  s.z.resize(f.size());
  s.e.resize(f.size());
  Sum total;
  for (size_t k = 0; k < f.size(); ++k) {
    s.z[k] = (f[k] - m) / t;  // -inf entries give -inf
    s.e[k] = std::exp(s.z[k]);
    total.add(s.e[k]);
  }
  s.sum = total.value();
  return s;
}

// softmax (log = false) or log_softmax (log = true) of the whole tensor.
template <class T>
std::vector<LD> softmax(const T* x, size_t outer, size_t n, size_t inner, double temperature,
                        bool log) {
  std::vector<LD> y(outer * n * inner);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const std::vector<LD> f = fibre(x, o, i, n, inner);
      if (nan_fibre(f)) {
        for (size_t k = 0; k < n; ++k) y[at(o, k, i, n, inner)] = nan_ld();
        continue;
      }
      const Shifted s = shifted(f, temperature);
      const LD log_sum = std::log(s.sum);
      for (size_t k = 0; k < n; ++k)
        y[at(o, k, i, n, inner)] = log ? s.z[k] - log_sum : s.e[k] / s.sum;
    }
  }
  return y;
}

// log(sum_k exp(x)) of every fibre, laid out (outer, inner).
template <class T>
std::vector<LD> log_sum_exp(const T* x, size_t outer, size_t n, size_t inner) {
  std::vector<LD> y(outer * inner);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const std::vector<LD> f = n ? fibre(x, o, i, n, inner) : std::vector<LD>();
      bool any_nan = false, any_pos_inf = false, all_neg_inf = true;
      for (LD v : f) {
        any_nan |= std::isnan(v);
        any_pos_inf |= v == inf_ld();
        all_neg_inf &= v == -inf_ld();
      }
      LD r;
      if (any_nan)
        r = nan_ld();
      else if (any_pos_inf)
        r = inf_ld();
      else if (all_neg_inf)  // also the empty fibre
        r = -inf_ld();
      else
        r = max_of(f) + std::log(shifted(f, 1.0).sum);
      y[o * inner + i] = r;
    }
  }
  return y;
}

// A backward op's exact result and, per component, the size of the terms its
// final subtraction combines (the error bound of softmax_backward.cc is
// relative to it).
struct Backward {
  std::vector<LD> dx, scale;
};

// softmax:     dx = y * (dy - <dy, y>) / T,  scale = |y| (|dy| + |<dy, y>|) / T
// log-softmax: dx = (dy - exp(y) sum(dy)) / T, scale = (|dy| + exp(y) |sum(dy)|) / T
template <class T>
Backward backward(const T* dy, const T* y, size_t outer, size_t n, size_t inner, double temperature,
                  bool log) {
  Backward b;
  b.dx.resize(outer * n * inner);
  b.scale.resize(outer * n * inner);
  const LD t = LD(temperature);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      Sum c;
      for (size_t k = 0; k < n; ++k) {
        const size_t a = at(o, k, i, n, inner);
        c.add(log ? LD(dy[a]) : LD(dy[a]) * LD(y[a]));
      }
      const LD cv = c.value();
      for (size_t k = 0; k < n; ++k) {
        const size_t a = at(o, k, i, n, inner);
        const LD g = dy[a], s = y[a];
        if (log) {
          const LD es = std::exp(s);
          b.dx[a] = (g - es * cv) / t;
          b.scale[a] = (std::fabs(g) + es * std::fabs(cv)) / t;
        } else {
          b.dx[a] = s * (g - cv) / t;
          b.scale[a] = std::fabs(s) * (std::fabs(g) + std::fabs(cv)) / t;
        }
      }
    }
  }
  return b;
}

// Explicit Jacobian of a 1-D x, row-major, J[i * n + j] = d y_i / d x_j:
//   softmax:     (s_i delta_ij - s_i s_j) / T
//   log-softmax: (delta_ij - s_j) / T
// 1 - s_i is formed as sum_{k != i} e_k / S (prefix and suffix sums of
// positive terms), so it keeps full relative accuracy when s_i is near 1.
template <class T>
std::vector<LD> jacobian(const T* x, size_t n, double temperature, bool log) {
  std::vector<LD> jac(n * n);
  const std::vector<LD> f = fibre(x, 0, 0, n, 1);
  if (nan_fibre(f)) {
    for (LD& v : jac) v = nan_ld();
    return jac;
  }
  const Shifted sh = shifted(f, temperature);
  std::vector<LD> prefix(n + 1, 0), suffix(n + 1, 0);
  for (size_t k = 0; k < n; ++k) prefix[k + 1] = prefix[k] + sh.e[k];
  for (size_t k = n; k-- > 0;) suffix[k] = suffix[k + 1] + sh.e[k];
  const LD t = LD(temperature);
  for (size_t i = 0; i < n; ++i) {
    const LD si = sh.e[i] / sh.sum;
    const LD rest = (prefix[i] + suffix[i + 1]) / sh.sum;  // 1 - s_i
    for (size_t j = 0; j < n; ++j) {
      const LD sj = sh.e[j] / sh.sum;
      LD v;
      if (log)
        v = i == j ? rest : -sj;
      else
        v = i == j ? si * rest : -si * sj;
      jac[i * n + j] = v / t;
    }
  }
  return jac;
}

}  // namespace ref
