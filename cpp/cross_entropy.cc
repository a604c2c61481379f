// cross_entropy.cc — cross-entropy and NLL loss with PyTorch's semantics and
// a fused gradient.
//
// Per sample (one fibre of C logits x, target t, class weights w, smoothing
// eps, W = sum_c w_c), with m = max x, e_c = exp(x_c - m), S = sum e_c:
//   log p_c = (x_c - m) - log S, where log S = log1p(S - 1); where S < 2 and
//     the target is the max (a confident sample: its loss is log S) S - 1 is
//     summed apart from the terms equal to 1 (the max), so confident samples
//     keep their small losses to full relative precision (elsewhere S - 1 in
//     double is within a factor 2 of S's, or the target is not the max and
//     the loss is at least log 2: some_lane_confident);
//   index target:  loss = (1 - eps) w_t (-log p_t) + eps/C sum_c w_c (-log p_c)
//     grad_c = scale (A p_c - eps/C w_c) with A = (1 - eps) w_t + eps/C W,
//     grad_t = scale (A (p_t - 1) + eps/C (W - w_t)), with p_t - 1 computed as
//     -(S - e_t) / S, which does not cancel when p_t is near 1;
//   probability target y: y' = y (1 - eps) + eps/C,
//     loss = sum_c w_c y'_c (-log p_c), grad_c = scale (p_c sum_k w_k y'_k - w_c y'_c)
//     (all in double with std::exp: a soft target near one-hot cancels).
// One pass stores e_c into the gradient while summing S (in blocks summed in
// T, each block's total in double), one pass turns it into the gradient (and
// counts S - 1 of a confident sample); no one-hot or probability tensor is
// built.
// Index targets on a strided class axis run 2 kLanes neighbouring samples at
// once (ce_index_lanes_u), then kLanes (ce_index_lanes), from inner >=
// kColumnInner in column chunks of 2 kB (ce_index_columns, as
// softmax_columns), with the same per-lane arithmetic.
// Reductions: none (per-sample losses; grad of their sum), sum, mean (index
// targets: divided by the sum of w_t over samples not ignored; probability
// targets: by the number of samples). Every target ignored -> loss NaN, grad 0;
// targets counted but with weights summing to 0 -> loss NaN and, as in
// torch's backward (x * 1/0), NaN gradient rows for them (nll_loss: NaN at
// the target only, since no log-softmax backward spreads it).
// Non-finite rules are PyTorch's; besides those below, 0 * -inf = NaN where
// a probability target or weight is exactly 0 (as torch computes y * log p).
// Why the loss bound holds (float32 logits, |x| <= 100): a sample's loss is
// computed in double from log S, whose error is the relative error of S: that
// of the float32 exps (exp.h: <= 4.8e-7, plus <= 9.5e-7 in the mode without
// TwoSum) and of their sums (<= 4.2e-7), times w; float32 lane groups (short
// rows, strided axes) take log S itself to float32 precision (vec.h
// log1p_lanes_float: <= 2.5e-7 of log S, which is at most the loss). Reduction 'none' stores
// each loss as float32 (half an ulp more); 'mean' and 'sum' keep their total
// in double.
// ---- accuracy contract (generated from cpp/accuracy.json by scripts/accuracy.mjs) ----
//   crossEntropy:
//     valid range: float32 logits with |x| <= 100 (float64: any finite), weights >= 0, label
//       smoothing in [0, 1].
//     max error of loss: float32 2e-6; float64 1e-14; unit |got - exact| / max(1, |exact|, w), w
//       the largest class weight that enters the loss (the target's; any with label smoothing).
//     max error of grad: float32 1e-6; float64 1e-14; unit |got - exact| / max |exact gradient|
//       (over the call).
//     NaN/inf: a sample whose logits hold a NaN or +inf, or are all -inf, has loss NaN (0 if its
//       target is ignored) and an all-NaN gradient row; a -inf logit has p = 0 (+inf loss where
//       it is the target or smoothing reaches it).
// ---- end accuracy contract ----
#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "passes.h"
#include "softmax.h"

namespace smw {
namespace {

template <class T>
double weight_of(const T* w, size_t c) {
  return w ? double(w[c]) : 1.0;
}

// Checks targets, weights and options; returns the 'mean' denominator.
template <class T>
Status check_loss(const LossArgs<T>& a, bool nll, double* denom, double* weight_sum) {
  if (a.reduction < kReduceNone || a.reduction > kReduceSum) return kBadOption;
  if (!(a.label_smoothing >= 0.0 && a.label_smoothing <= 1.0)) return kBadOption;
  if (!a.target_index == !a.target_prob) return kBadOption;
  if (nll && (a.target_prob || a.label_smoothing != 0.0)) return kBadOption;
  if (Status st = check_geometry(a.input, a.input, a.input, a.outer, a.classes, a.inner)) return st;
  const size_t samples = a.outer * a.inner;
  if (a.classes == 0 && samples != 0) return kBadOption;
  if (a.reduction == kReduceNone ? (samples && !a.loss_none) : !a.loss_total) return kNullPointer;
  *weight_sum = 0.0;
  for (size_t c = 0; c < a.classes; ++c) {
    const double w = weight_of(a.weight, c);
    if (!(w >= 0.0)) return kBadWeight;
    *weight_sum += w;
  }
  if (a.target_prob) {
    *denom = double(samples);
    return kOk;
  }
  if (!a.weight) {
    // Unweighted: the denominator is the count of samples not ignored (exact
    // in double), in one pass without branches.
    size_t counted = 0;
    bool bad = false;
    size_t s = 0;
#if SOFTMAX_WASM_SIMD128
    // Four targets at a time (clang left this loop scalar, its `bad` kept in
    // memory: 3% of a 65536x10 call). u32(t) >= C is t < 0 or t >= C while
    // C < 2^31; per-lane counts go to `counted` every 2^24 vectors.
    if (a.classes < (size_t(1) << 31)) {
      const int32_t* t = a.target_index;
      const v128_t ignore = wasm_i32x4_splat(a.ignore_index);
      const v128_t classes = wasm_i32x4_splat(int32_t(a.classes));
      v128_t any_bad = wasm_i32x4_splat(0);
      while (s + 4 <= samples) {
        const size_t stop = s + std::min(samples - s, size_t(1) << 26) / 4 * 4;
        v128_t count = wasm_i32x4_splat(0);
        for (; s < stop; s += 4) {
          const v128_t v = wasm_v128_load(t + s);
          const v128_t ignored = wasm_i32x4_eq(v, ignore);
          count = wasm_i32x4_sub(count, wasm_v128_not(ignored));
          any_bad = wasm_v128_or(any_bad, wasm_v128_andnot(wasm_u32x4_ge(v, classes), ignored));
        }
        alignas(16) uint32_t c[4];
        wasm_v128_store(c, count);
        counted += size_t(c[0]) + c[1] + c[2] + c[3];
      }
      bad = wasm_v128_any_true(any_bad);
    }
#endif
    for (; s < samples; ++s) {
      const int32_t t = a.target_index[s];
      const bool on = t != a.ignore_index;
      counted += on;
      bad |= on & ((t < 0) | (size_t(uint32_t(t)) >= a.classes));
    }
    if (bad) return kBadIndex;
    *denom = double(counted);
    return kOk;
  }
  double sum = 0.0;  // a local: through *denom each addition waited on a store
  for (size_t s = 0; s < samples; ++s) {
    const int32_t t = a.target_index[s];
    if (t == a.ignore_index) continue;
    if (t < 0 || size_t(t) >= a.classes) return kBadIndex;
    sum += weight_of(a.weight, size_t(t));
  }
  *denom = sum;
  return kOk;
}

// Exp values (<= 1) summed in T in two parts: those below 1, and those equal
// to 1 (the max) counted apart, so that S - 1 = below + (ones - 1) keeps its
// full relative precision for a confident sample.
template <class V>
struct SplitSum {
  V below = V::splat(typename V::Elem(0)), ones = below;
  void add(V e) {
    const V one = V::splat(typename V::Elem(1));
    const auto lt = e < one;
    below = below + keep_where(lt, e);
    ones = ones + zero_where(lt, one);
  }
};

// A fibre of C values at stride st, read and written through vectors when
// contiguous and one element at a time otherwise.
template <class T>
struct Fibre {
  const T* x;
  size_t c;
  size_t st;

  T at(size_t k) const { return x[k * st]; }

  // The range; its max is NaN where the fibre holds a NaN, except on a
  // contiguous fibre without track_nan (row_range skips NaN there: the
  // caller finds it from the exp-sum, which it makes NaN).
  Range<T> range(bool track_nan = true) const {
    if (st == 1) return track_nan ? row_range<Vec<T>>(x, c) : row_range<Vec<T>, false>(x, c);
    Scalar<T> m{-kInf<T>}, l{kInf<T>};
    for (size_t k = 0; k < c; ++k) {
      m = max(m, Scalar<T>{at(k)});
      l = min(l, Scalar<T>{at(k)});
    }
    return {m.v, l.v};
  }

  // Sum S of exp(x - m) in double, and S - 1: where the sample's target is
  // the max (top) and S < 2, exactly, with the terms equal to 1 (the max)
  // counted apart from the others, so a confident sample's S - 1 keeps its
  // full relative precision (elsewhere S - 1 in double is enough:
  // some_lane_confident). Stores each exp to e (stride st) if given. When e
  // is given, the fibre is contiguous, top and S < 2, S - 1 is left to the
  // caller (*excess unset, returns with *split true): it counts it from the
  // stored exps on its own pass over them (map_split_sum).
  double exp_sum(const Range<T>& r, T* e, const ExpScale<T>& unit, bool top, double* excess,
                 bool* split) const {
    double below = 0.0, ones = 0.0;
    *split = false;
    const T m = r.max;
    if (st == 1) {
      // The exps summed as softmax sums them (row_exp_sum: blocks in T, each
      // block's total in double; the same functions, compiled once, apart from
      // this one). Where that total is >= 2, or the target is not the max,
      // total - 1 is enough; below 2 with the target the max (a confident sample)
      // S - 1 is summed again with the terms equal to 1 apart: by the caller
      // from the stored exps, or here from the exps again when none are
      // stored. (Counting the ones in the exp pass itself cost 20-30% of the
      // whole call in V8, and the pass inlined into this function 1.5x:
      // bench/VARIANTS.md, round 3.)
      using V = Vec<T>;
      double total = 0.0;
      with_exp_mode(unit, double(m) - double(r.min), [&](auto mode) {
        using M = decltype(mode);
        total = e ? row_exp_sum<V, M, true>(x, e, c, m, unit)
                  : row_exp_sum<V, M, false>(x, nullptr, c, m, unit);
        if (!e && top && !(total >= 2.0)) {
          const V vm = V::splat(m);
          for (size_t i = 0; i < c; i += kSumBlock<V>) {
            SplitSum<V> part[2];
            row_exp_each<V, M, false>(x + i, nullptr, std::min(kSumBlock<V>, c - i), vm, unit,
                                      [&](V v, int k) { part[k].add(v); });
            below += hsum(part[0].below + part[1].below);
            ones += hsum(part[0].ones + part[1].ones);
          }
        }
      });
      if (total >= 2.0 || !top) {
        *excess = total - 1.0;
        return total;
      }
      if (e) {
        *split = true;
        return total;
      }
    } else {
      const Scalar<T> vm{m};
      for (size_t k = 0; k < c; ++k) {
        const T v = exp_minus<Scalar<T>, ExpMode<true, true, true>>(Scalar<T>{at(k)}, vm, unit).v;
        if (e) e[k * st] = v;
        if (v < T(1))
          below += double(v);
        else
          ones += 1.0;
      }
    }
    *excess = below + (ones - 1.0);
    return below + ones;
  }
};

template <class T>
void fill_strided(T* p, size_t c, size_t st, T v) {
  for (size_t k = 0; k < c; ++k) p[k * st] = v;
}

// row_map's e[i] = f(e[i]) in place over a contiguous fibre of stored exps
// (see row_map for the tail), adding each e[i] to SplitSums on the way, in
// blocks of kSumBlock summed in T (8 terms per lane and accumulator, as
// row_exp_sum): the gradient pass of a confident sample, which also counts
// its S - 1 (Fibre::exp_sum). Adds to *below and *ones.
template <class V, class F>
void map_split_sum(typename V::Elem* e, size_t n, F f, double* below, double* ones) {
  using T = typename V::Elem;
  constexpr size_t N = V::kLanes;
  if (n < N) {
    const V v = load_partial<V>(e, n, T(0));
    SplitSum<V> s;
    s.add(v);
    store_partial(e, n, f(v));
    *below += hsum(s.below);
    *ones += hsum(s.ones);
    return;
  }
  const V tail = V::load(e + n - N);  // before any store
  const size_t full = n - n % N;
  for (size_t i0 = 0; i0 < full; i0 += kSumBlock<V>) {
    const size_t end = std::min(full, i0 + kSumBlock<V>);
    SplitSum<V> s0, s1;
    size_t i = i0;
    for (; i + 2 * N <= end; i += 2 * N) {
      const V a = V::load(e + i), b = V::load(e + i + N);
      s0.add(a);
      s1.add(b);
      f(a).store(e + i);
      f(b).store(e + i + N);
    }
    if (i < end) {
      const V a = V::load(e + i);
      s0.add(a);
      f(a).store(e + i);
    }
    *below += hsum(s0.below + s1.below);
    *ones += hsum(s0.ones + s1.ones);
  }
  if (full < n) {
    // The lanes of the tail vector that overlap the loop above add 0.
    SplitSum<V> s;
    s.add(select(V::lanes_from(N - n % N), tail, V::splat(T(0))));
    f(tail).store(e + n - N);
    *below += hsum(s.below);
    *ones += hsum(s.ones);
  }
}

// ---- the per-sample arithmetic of an index target --------------------------
// Written once, here: the contiguous-row path (ce_index_sample, in
// Scalar<double>), the lane groups (ce_index_lanes, also the short rows) and
// the column chunks (ce_index_columns) all compute a sample's loss and
// gradient through IndexLoss, exp_grad, add_smoothing_term and
// lane_results; a lane group's samples go through the formulas together,
// lane-wise in double (vec.h Lanes64; log S of float32 lanes in float32,
// log_of_sum), with no per-sample scalar work.

// What every sample of a cross-entropy with index targets shares, and the
// formulas of the header, for one sample or lane-wise (D: Scalar<double> or
// Lanes64<V>; every operation is the scalar double operation per lane).
template <class T>
struct IndexLoss {
  const T* w;  // class weights, or null
  int32_t ignore_index;
  double weight_sum;  // W
  double eps;         // label smoothing
  double scale;       // of the gradient
  double ec;          // eps / C
  ExpScale<T> unit{1.0};

  double weight(size_t c) const { return weight_of(w, c); }
  // The loss from x_t - m, wx = sum_c w_c (x_c - m) (read only with
  // smoothing) and log S: (1 - eps) w_t (log S - (x_t - m)) + eps/C (W log S - wx).
  template <class D>
  D loss(D wt, D xt, D wx, D log_sum) const {
    D v = -wt * (xt - log_sum);
    if (eps != 0.0)
      v = D::splat(1.0 - eps) * v + D::splat(ec) * (D::splat(weight_sum) * log_sum - wx);
    return v;
  }
  // A = (1 - eps) w_t + eps/C W.
  template <class D>
  D grad_a(D wt) const {
    return D::splat(1.0 - eps) * wt + D::splat(ec * weight_sum);
  }
  // fa, the factor of e_c in grad_c = e_c fa - scale eps/C w_c (c != t),
  // rounded to T (V: Scalar<T> or the lane group's vector).
  template <class V, class D>
  V exp_factor(D a, D sum) const {
    return narrow<V>(D::splat(scale) * a / sum);
  }
  // scale eps/C w_c, the smoothing part of grad_c.
  double smoothing_grad(size_t c) const { return scale * ec * weight(c); }
  // grad_t = scale (A (p_t - 1) + eps/C (W - w_t)), with p_t - 1 = -(S - e_t) / S
  // and S - e_t the sum of the other e_c: S - 1 when e_t is the max's 1.
  template <class V, class D>
  V target_grad(D a, D wt, D et, D sum, D excess) const {
    const D rest = select(et == D::splat(1.0), excess, sum - et);
    return narrow<V>(D::splat(scale) *
                     (a * (-rest / sum) + D::splat(ec) * (D::splat(weight_sum) - wt)));
  }
};

// grad_c for c != t from the stored e_c: e_c fa, minus the smoothing part b
// when kSmooth (per-lane vectors and scalars, T or double, share it).
template <bool kSmooth, class V>
inline V exp_grad(V e, V fa, V b) {
  return kSmooth ? e * fa - b : e * fa;
}

// Adds w_c (x_c - m) to wx exactly, as d + e (two_diff; e is NaN where
// x_c = -inf, and d = -inf says it all there); wk = w_c when weighted.
template <bool kWeighted, class V>
inline void add_smoothing_term(Wide<V>& wx, V x, V m, V wk) {
  V d, e;
  two_diff(x, m, d, e);
  e = keep_where(is_finite(x), e);
  if (kWeighted) {
    wx.add_product(d, wk);
    wx.add_product(e, wk);
  } else {
    wx.add(d);
    wx.add(e);
  }
}

// The targets of a lane group: which lanes are ignored (a compare of the
// target indices with ignore_index, one vector).
template <class V>
struct LaneTargets {
  typename V::Mask ignored;
  LaneTargets(const int32_t* t, int32_t ignore_index)
      : ignored(V::index_is(V::index(t), ignore_index)) {}
};

// The results of a lane group's samples from its per-lane sums S and S - 1
// (excess; log S = log1p(S - 1)), its targets' logits xt, weights wt and
// stored exps et (any value in ignored lanes), its max m and wx (smoothing):
// the losses (0 in ignored lanes) and, for the gradient, the target's
// gradient tg (0 in ignored lanes, whose rows are all 0).
template <class V>
struct LaneResults {
  Lanes64<V> loss;
  V tg;
};

// log S = log1p(S - 1) of a lane group's samples: for float32 lanes to
// float32 precision (vec.h log1p_lanes_float, relative error <= 2.5e-7),
// else as log1p_of.
template <class D>
inline D log_of_sum(D excess) {
  return log1p_lanes(excess);
}
#if SOFTMAX_WASM_SIMD128
inline F64x4 log_of_sum(F64x4 excess) { return log1p_lanes_float(excess); }
#endif

template <class V>
LaneResults<V> lane_results(const IndexLoss<typename V::Elem>& p, const LaneTargets<V>& lt, V m,
                            V xt, V wt, V et, Lanes64<V> sum, Lanes64<V> excess, const Wide<V>& wx,
                            bool grad) {
  using D = Lanes64<V>;
  const auto ignored = widen_mask<V>(lt.ignored);
  const D log_sum = log_of_sum(excess);
  const D wtd = zero_where(ignored, widen(wt));
  const D wxd = p.eps != 0.0 ? lanes(wx) : D::splat(0.0);
  LaneResults<V> r;
  r.loss = zero_where(ignored, p.loss(wtd, widen(xt) - widen(m), wxd, log_sum));
  if (grad)
    r.tg = zero_where(lt.ignored,
                      p.template target_grad<V>(p.grad_a(wtd), wtd, widen(et), sum, excess));
  return r;
}

// The factor fa of e_c in a lane group's gradient (0 in ignored lanes), from
// its per-lane sums S.
template <class V>
V lane_factor(const IndexLoss<typename V::Elem>& p, const LaneTargets<V>& lt, V wt,
              Lanes64<V> sum) {
  const Lanes64<V> wtd = zero_where(widen_mask<V>(lt.ignored), widen(wt));
  return zero_where(lt.ignored, p.template exp_factor<V>(p.grad_a(wtd), sum));
}

// Whether some lane needs S - 1 counted apart from the ones (SplitSum): a
// lane whose target is not ignored and is the max (x_t = m: its loss is log S,
// small where S is near 1) and whose sum S is below 2 (not finite included).
// Elsewhere S - 1 in double is enough: where S >= 2 it keeps the relative
// accuracy of S within a factor 2, and where the target is not the max the
// loss log S - (x_t - m) is at least log 2 (log(1 + e_t) - log e_t, e_t =
// exp(x_t - m) <= 1), so S's own relative error bounds the loss's (the
// target's gradient takes S - e_t there, no S - 1). The first test settles
// most groups without leaving the vectors.
template <class V>
bool some_lane_confident(const LaneTargets<V>& lt, V xt, V m, Lanes64<V> sum) {
  using T = typename V::Elem;
  if (all(lt.ignored | (xt < m))) return false;
  const V top = zero_where(lt.ignored | (xt < m), V::splat(T(1)));
  double s[V::kLanes];
  sum.store(s);
  bool r = false;
  for (size_t l = 0; l < V::kLanes; ++l) r |= top.lane(l) != T(0) && !(s[l] >= 2.0);
  return r;
}

// ---- the layouts' passes ------------------------------------------------------

// Loss of one sample with an index target; writes its gradient row if g.
template <class T>
double ce_index_sample(const Fibre<T>& f, int32_t target, const IndexLoss<T>& p, T* g) {
  const size_t C = f.c, st = f.st;
  const bool ignored = target == p.ignore_index;
  // A NaN shows in the max of an ignored sample (its sum is never taken),
  // in the sum of the others (checked below).
  const Range<T> range = f.range(ignored);
  const T m = range.max;
  if (!finite(m)) {
    if (g) fill_strided(g, C, st, kNaN<T>);
    return ignored ? 0.0 : kNaN<double>;
  }
  if (ignored) {
    if (g) fill_strided(g, C, st, T(0));
    return 0.0;
  }
  // 'mean' whose counted weights sum to 0: torch's backward multiplies by
  // 1/0, and log-softmax's backward spreads the NaN over the whole row
  // (written last, after the loss has read the logits).
  T* const nan_row = g && p.scale == kInf<double> ? g : nullptr;
  if (nan_row) g = nullptr;
  // Everything the loss reads of the logits is read before g is written: g
  // may be the logits themselves (in-place use).
  const size_t t = size_t(target);
  const double wt = p.weight(t);
  const double xt = double(f.at(t)) - m;
  double wx = 0.0;  // sum_c w_c (x_c - m), for label smoothing
  if (p.eps != 0.0)
    for (size_t k = 0; k < C; ++k) wx += p.weight(k) * (double(f.at(k)) - m);
  double excess = 0.0;
  bool split;  // S - 1 to count from the exps stored in g (Fibre::exp_sum)
  const double sum = f.exp_sum(range, g, p.unit, xt == 0.0, &excess, &split);
  if (sum != sum) {
    if (g || nan_row) fill_strided(g ? g : nan_row, C, st, kNaN<T>);
    return kNaN<double>;
  }
  using D = Scalar<double>;
  if (nan_row) fill_strided(nan_row, C, st, kNaN<T>);
  if (g) {
    const double a = p.grad_a(D{wt}).v;
    const double et = double(g[t * st]);
    const T fa = p.template exp_factor<Scalar<T>>(D{a}, D{sum}).v;
    double below = 0.0, ones = 0.0;
    if (st == 1 && (p.eps == 0.0 || !p.w)) {
      using V = Vec<T>;
      const V vfa = V::splat(fa), vb = V::splat(T(p.smoothing_grad(0)));
      auto pass = [&](auto grad) {
        if (split)
          map_split_sum<V>(g, C, grad, &below, &ones);
        else
          row_map<V>(g, g, C, grad);
      };
      if (p.eps == 0.0)
        pass([&](V e) { return exp_grad<false>(e, vfa, vb); });
      else
        pass([&](V e) { return exp_grad<true>(e, vfa, vb); });
    } else {
      // (split only on a contiguous fibre: counted first, the exps unchanged.)
      if (split)
        map_split_sum<Vec<T>>(
            g, C, [](Vec<T> e) { return e; }, &below, &ones);
      for (size_t k = 0; k < C; ++k)
        g[k * st] =
            T(exp_grad<true>(D{double(g[k * st])}, D{double(fa)}, D{p.smoothing_grad(k)}).v);
    }
    if (split) excess = below + (ones - 1.0);
    g[t * st] = p.template target_grad<Scalar<T>>(D{a}, D{wt}, D{et}, D{sum}, D{excess}).v;
  }
  return p.loss(D{wt}, D{xt}, D{wx}, D{log1p_of(excess)}).v;
}

// The vector whose lane l is base[t * stride + l * step], t lane l's target
// (0 where ignored, any value there will do): the targets' logits, exps or
// weights of a column chunk's lane group, a load per lane.
template <class V>
V target_lanes(const typename V::Elem* base, size_t stride, size_t step, const int32_t* target,
               int32_t ignore_index) {
  alignas(16) typename V::Elem v[V::kLanes];
  for (size_t l = 0; l < V::kLanes; ++l) {
    const size_t t = target[l] == ignore_index ? 0 : size_t(target[l]);
    v[l] = base[t * stride + l * step];
  }
  return V::load(v);
}

// Losses of V::kLanes neighbouring samples with index targets, as
// ce_index_sample computes them: lane l is the fibre x[k * inner + l] with
// target target[l]. Their gradient rows go to g (same layout; g may be x) if
// given. Ignored targets are handled per lane (loss 0, zero row); a lane
// whose fibre is not finite makes it return false having written nothing,
// and the caller takes those samples one by one. The targets' logits,
// weights and exps are loaded a lane at a time (target_lanes) and the
// targets' gradients stored so; everything else, the double arithmetic of
// the losses and gradients included (lane_results), runs on whole vectors.
// (Picking them up by a compare of the target indices with each row k and a
// select cost more, even for rows of 10: bench/VARIANTS.md.)
template <class V>
bool ce_index_lanes(const typename V::Elem* x, size_t C, size_t inner, const int32_t* target,
                    const IndexLoss<typename V::Elem>& p, typename V::Elem* g, double* loss) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  const Range<V> range = strided_range<V>(x, C, inner);
  if (!all(is_finite(range.max))) return false;
  const V m = range.max;
  const LaneTargets<V> lt(target, p.ignore_index);
  // Read before g is written: the targets' logits and weights, and wx =
  // sum_c w_c (x_c - m) for label smoothing.
  const V xt = target_lanes<V>(x, inner, 1, target, p.ignore_index);
  const V wt = p.w ? target_lanes<V>(p.w, 1, 0, target, p.ignore_index) : V::splat(T(1));
  Wide<V> wx;
  if (p.eps != 0.0) {
    for (size_t k = 0; k < C; ++k) {
      const V wk = V::splat(p.w ? p.w[k] : T(1));
      if (p.w)
        add_smoothing_term<true>(wx, V::load(x + k * inner), m, wk);
      else
        add_smoothing_term<false>(wx, V::load(x + k * inner), m, wk);
    }
  }
  // The exps, stored to g, and their per-lane sums S as softmax_strided
  // takes them (strided_exp_sum); S - 1 as Fibre::exp_sum gets it: S - 1 in
  // double, or, where a lane is confident (S < 2), below + (ones - 1) from
  // SplitSums of every lane's exps, counted in the gradient pass (or from
  // the exps again without one). (SplitSums in the exp pass itself cost
  // 10-20% of the call: bench/VARIANTS.md, round 3.)
  using D = Lanes64<V>;
  const double span = lanes_range(range);
  Wide<V> total;
  with_exp_mode(p.unit, span, [&](auto mode) {
    using M = decltype(mode);
    total = g ? strided_exp_sum<V, M, true>(x, g, C, inner, m, p.unit)
              : strided_exp_sum<V, M, false>(x, nullptr, C, inner, m, p.unit);
  });
  D sum = lanes(total);
  const bool split = some_lane_confident<V>(lt, xt, m, sum);
  Wide<V> below, ones;
  SplitSum<V> part;
  auto end_block = [&] {
    below.add(part.below);
    ones.add(part.ones);
    part = SplitSum<V>();
  };
  if (split && !g) {
    with_exp_mode(p.unit, span, [&](auto mode) {
      using M = decltype(mode);
      strided_exp_each<V, M, false>(
          x, nullptr, C, inner, m, p.unit, [&](V e) { part.add(e); }, end_block);
    });
  }
  const V et = g ? target_lanes<V>(g, inner, 1, target, p.ignore_index) : xt;
  if (g) {
    // grad_c = e_c * fa - scale ec w_c (0 in ignored lanes); the target's class gets tg (last).
    const V fa = lane_factor<V>(p, lt, wt, sum);
    const V active = zero_where(lt.ignored, V::splat(T(1)));
    // (Two loops: the split is decided once per group.)
    auto pass = [&](auto grad) {
      if (!split) {
        for (size_t k = 0; k < C; ++k) grad(V::load(g + k * inner), k).store(g + k * inner);
        return;
      }
      for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
        const size_t end = std::min(C, k0 + kStridedBlock<V>);
        for (size_t k = k0; k < end; ++k) {
          const V e = V::load(g + k * inner);
          part.add(e);
          grad(e, k).store(g + k * inner);
        }
        end_block();
      }
    };
    if (p.eps == 0.0)
      pass([&](V e, size_t) { return exp_grad<false>(e, fa, fa); });
    else
      pass([&](V e, size_t k) {
        return exp_grad<true>(e, fa, V::splat(T(p.smoothing_grad(k))) * active);
      });
  }
  D excess = sum - D::splat(1.0);
  if (split) {
    const D b = lanes(below), o = lanes(ones);
    sum = b + o;
    excess = b + (o - D::splat(1.0));
  }
  const LaneResults<V> r = lane_results<V>(p, lt, m, xt, wt, et, sum, excess, wx, g != nullptr);
  r.loss.store(loss);
  if (!g) return true;
  for (size_t l = 0; l < L; ++l)
    if (target[l] != p.ignore_index) g[size_t(target[l]) * inner + l] = r.tg.lane(l);
  return true;
}

// ce_index_lanes for U neighbouring lane groups at once (a strided class axis
// with inner < kColumnInner: IndexLossPasses::strided<V, 2>): each pass walks
// the C class rows once, reading the U groups' vectors of a row side by side
// (inner 8: one 32-byte segment a row, where two calls of ce_index_lanes
// walked the slice twice per pass, 16 bytes a row), with U independent
// chains per row. Per lane every operation is ce_index_lanes' in the same
// order, so the results are bit-identical; the exp mode is the one of the
// widest of the U groups' spans: at T = 1 (IndexLoss's unit) the modes
// differ only in the flush below 2^-125, which a narrower group's exps never
// reach (ce_short_group's argument). Returns false having written nothing
// where a group's fibre is not finite (or T != 1): the caller then runs
// ce_index_lanes on each group.
template <class V, size_t U>
bool ce_index_lanes_u(const typename V::Elem* x, size_t C, size_t inner, const int32_t* target,
                      const IndexLoss<typename V::Elem>& p, typename V::Elem* g, double* loss) {
  using T = typename V::Elem;
  using D = Lanes64<V>;
  constexpr size_t L = V::kLanes;
  if (!p.unit.unit) return false;
  // strided_range of each group.
  V m[U];
  double span = 0.0;
  {
    V mx[U], mn[U];
    typename V::Mask nan[U];
    for (size_t u = 0; u < U; ++u) {
      mx[u] = V::splat(-kInf<T>);
      mn[u] = V::splat(kInf<T>);
      nan[u] = is_nan(mx[u]);
    }
    const T* px = x;
    for (size_t k = 0; k < C; ++k, px += inner)
      for (size_t u = 0; u < U; ++u) {
        const V a = V::load(px + u * L);
        mx[u] = pmax(mx[u], a);
        mn[u] = pmin(mn[u], a);
        nan[u] = nan[u] | is_nan(a);
      }
    for (size_t u = 0; u < U; ++u) {
      const Range<V> range{select(nan[u], V::splat(kNaN<T>), mx[u]), mn[u]};
      if (!all(is_finite(range.max))) return false;
      m[u] = range.max;
      span = std::max(span, lanes_range(range));
    }
  }
  // Read before g is written: the targets' logits and weights, and wx.
  V xt[U], wt[U];
  for (size_t u = 0; u < U; ++u) {
    xt[u] = target_lanes<V>(x + u * L, inner, 1, target + u * L, p.ignore_index);
    wt[u] = p.w ? target_lanes<V>(p.w, 1, 0, target + u * L, p.ignore_index) : V::splat(T(1));
  }
  Wide<V> wx[U];
  if (p.eps != 0.0) {
    const T* px = x;
    for (size_t k = 0; k < C; ++k, px += inner) {
      const V wk = V::splat(p.w ? p.w[k] : T(1));
      for (size_t u = 0; u < U; ++u) {
        if (p.w)
          add_smoothing_term<true>(wx[u], V::load(px + u * L), m[u], wk);
        else
          add_smoothing_term<false>(wx[u], V::load(px + u * L), m[u], wk);
      }
    }
  }
  // The exps (stored to g) and their sums, as strided_exp_sum takes them.
  Wide<V> total[U];
  auto exp_sums = [&](auto mode, auto store) {
    using M = decltype(mode);
    constexpr bool kStore = decltype(store)::value;
    const ExpScale<T> s = p.unit;
    const T* px = x;
    T* pg = g;
    for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
      const size_t end = std::min(C, k0 + kStridedBlock<V>);
      V acc[U];
      for (size_t u = 0; u < U; ++u) acc[u] = V::splat(T(0));
      for (size_t k = k0; k < end; ++k, px += inner, pg += kStore ? inner : 0) {
        V e[U];
        for (size_t u = 0; u < U; ++u) e[u] = exp_minus<V, M>(V::load(px + u * L), m[u], s);
        for (size_t u = 0; u < U; ++u) {
          if (kStore) e[u].store(pg + u * L);
          acc[u] = acc[u] + e[u];
        }
      }
      for (size_t u = 0; u < U; ++u) total[u].add(acc[u]);
    }
  };
  // with_exp_mode's two modes at T = 1 (TwoSum for float64 only), chosen
  // as it chooses them, without instantiating the six others.
  const bool ftz = !(span * kLog2e <= 120.0);
  using Flush = ExpMode<true, sizeof(T) == 8, true>;
  using NoFlush = ExpMode<true, sizeof(T) == 8, false>;
  if (g) {
    if (ftz)
      exp_sums(Flush{}, std::true_type{});
    else
      exp_sums(NoFlush{}, std::true_type{});
  } else {
    if (ftz)
      exp_sums(Flush{}, std::false_type{});
    else
      exp_sums(NoFlush{}, std::false_type{});
  }
  const LaneTargets<V> lt[U] = {LaneTargets<V>(target, p.ignore_index),
                                LaneTargets<V>(target + L, p.ignore_index)};
  static_assert(U == 2, "lt's initializer");
  D sum[U];
  bool split[U], any_split = false;
  for (size_t u = 0; u < U; ++u) {
    sum[u] = lanes(total[u]);
    split[u] = some_lane_confident<V>(lt[u], xt[u], m[u], sum[u]);
    any_split |= split[u];
  }
  Wide<V> below[U], ones[U];
  SplitSum<V> part[U];
  // A block's split counts of group u into its totals.
  auto end_group = [&](size_t u) {
    below[u].add(part[u].below);
    ones[u].add(part[u].ones);
    part[u] = SplitSum<V>();
  };
  auto end_block = [&] {
    for (size_t u = 0; u < U; ++u) end_group(u);
  };
  if (any_split && !g) {
    // S - 1 counted from the exps again (no gradient pass to count it in):
    // in the flushing mode, whose flush changes no bit where not needed.
    for (size_t u = 0; u < U; ++u)
      if (split[u])
        strided_exp_each<V, Flush, false>(
            x + u * L, nullptr, C, inner, m[u], p.unit, [&](V e) { part[u].add(e); },
            [&] { end_group(u); });
  }
  V et[U];
  for (size_t u = 0; u < U; ++u)
    et[u] = g ? target_lanes<V>(g + u * L, inner, 1, target + u * L, p.ignore_index) : xt[u];
  if (g) {
    // grad_c = e_c * fa - scale ec w_c (0 in ignored lanes); the target's class gets tg (last).
    V fa[U], active[U];
    for (size_t u = 0; u < U; ++u) {
      fa[u] = lane_factor<V>(p, lt[u], wt[u], sum[u]);
      active[u] = zero_where(lt[u].ignored, V::splat(T(1)));
    }
    auto pass = [&](auto grad) {
      T* pg = g;
      if (!any_split) {
        for (size_t k = 0; k < C; ++k, pg += inner)
          for (size_t u = 0; u < U; ++u) grad(V::load(pg + u * L), u, k).store(pg + u * L);
        return;
      }
      // (The split counts of every group; used where split[u].)
      for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
        const size_t end = std::min(C, k0 + kStridedBlock<V>);
        for (size_t k = k0; k < end; ++k, pg += inner)
          for (size_t u = 0; u < U; ++u) {
            const V e = V::load(pg + u * L);
            part[u].add(e);
            grad(e, u, k).store(pg + u * L);
          }
        end_block();
      }
    };
    if (p.eps == 0.0)
      pass([&](V e, size_t u, size_t) { return exp_grad<false>(e, fa[u], fa[u]); });
    else
      pass([&](V e, size_t u, size_t k) {
        return exp_grad<true>(e, fa[u], V::splat(T(p.smoothing_grad(k))) * active[u]);
      });
  }
  for (size_t u = 0; u < U; ++u) {
    D s = sum[u];
    D excess = s - D::splat(1.0);
    if (split[u]) {
      const D b = lanes(below[u]), o = lanes(ones[u]);
      s = b + o;
      excess = b + (o - D::splat(1.0));
    }
    const LaneResults<V> r =
        lane_results<V>(p, lt[u], m[u], xt[u], wt[u], et[u], s, excess, wx[u], g != nullptr);
    r.loss.store(loss + u * L);
    if (g)
      for (size_t l = 0; l < L; ++l)
        if (target[u * L + l] != p.ignore_index)
          g[size_t(target[u * L + l]) * inner + u * L + l] = r.tg.lane(l);
  }
  return true;
}

// ---- short rows of a fixed class count -------------------------------------
// ce_index_lanes for one group of kLanes short rows of C (a template
// constant, kLanes <= C <= kShortRow) classes, float32 lane groups at T = 1:
// the same operations in the same order on every lane (the results are
// bit-identical), with the group's C class vectors kept in registers from
// the transpose in to the transpose out, instead of a round trip through
// short_row_groups' buffer per pass; the loops over C unrolled, the target's
// exp recomputed from its logit (exp_minus is lane-wise: the stored e_t's
// bits) rather than gathered from stored exps. Rows at x (row l at
// x + l * C), gradient rows to g (same layout, may be x) if given, losses
// to loss. Returns false having written nothing where a lane's fibre is not
// finite (the caller takes those samples one by one, as for ce_index_lanes).
// (A short-rows path specialised on C: bench/VARIANTS.md, "crossEntropy,
// round 6".)
template <class V, size_t C>
inline void group_from_rows(const typename V::Elem* x, V* xs) {
  constexpr size_t L = V::kLanes;
  for (size_t k0 = 0; k0 < C; k0 += L) {
    const size_t k = std::min(k0, C - L);  // the last block may overlap the one before
    V r[L];
    for (size_t i = 0; i < L; ++i) r[i] = V::load(x + i * C + k);
    transpose(r);
    for (size_t j = 0; j < L; ++j) xs[k + j] = r[j];
  }
}

template <class V, size_t C>
inline void group_to_rows(const V* ys, typename V::Elem* y) {
  constexpr size_t L = V::kLanes;
  for (size_t k0 = 0; k0 < C; k0 += L) {
    const size_t k = std::min(k0, C - L);
    V r[L];
    for (size_t i = 0; i < L; ++i) r[i] = ys[k + i];
    transpose(r);
    for (size_t j = 0; j < L; ++j) r[j].store(y + j * C + k);
  }
}

// The group's exps e[k] = exp(x_k - m) in mode M, and their lane-wise sum
// as strided_exp_sum takes it (blocks of kStridedBlock summed in T, each
// block's total added in double).
template <class V, size_t C, class M>
__attribute__((always_inline)) inline Wide<V> group_exps(const V* xs, V m,
                                                         const ExpScale<typename V::Elem>& s,
                                                         V* e) {
  using T = typename V::Elem;
  Wide<V> w;
  for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
    V acc = V::splat(T(0));
    for (size_t k = k0; k < std::min(C, k0 + kStridedBlock<V>); ++k) {
      e[k] = exp_minus<V, M>(xs[k], m, s);
      acc = acc + e[k];
    }
    w.add(acc);
  }
  return w;
}

template <class V, size_t C>
bool ce_short_group(const typename V::Elem* x, const int32_t* target,
                    const IndexLoss<typename V::Elem>& p, typename V::Elem* g, double* loss) {
  using T = typename V::Elem;
  using D = Lanes64<V>;
  constexpr size_t L = V::kLanes;
  V xs[C];
  group_from_rows<V, C>(x, xs);
  // strided_range
  V mx = V::splat(-kInf<T>), mn = V::splat(kInf<T>);
  auto nan = is_nan(mx);
  for (size_t k = 0; k < C; ++k) {
    mx = pmax(mx, xs[k]);
    mn = pmin(mn, xs[k]);
    nan = nan | is_nan(xs[k]);
  }
  const Range<V> range{select(nan, V::splat(kNaN<T>), mx), mn};
  if (!all(is_finite(range.max))) return false;
  const V m = range.max;
  const LaneTargets<V> lt(target, p.ignore_index);
  // The targets' logits (row l's own element) and weights, read before g is written.
  alignas(16) T xv[L];
  for (size_t l = 0; l < L; ++l)
    xv[l] = x[l * C + (target[l] == p.ignore_index ? 0 : size_t(target[l]))];
  const V xt = V::load(xv);
  const V wt = p.w ? target_lanes<V>(p.w, 1, 0, target, p.ignore_index) : V::splat(T(1));
  Wide<V> wx;
  if (p.eps != 0.0) {
    // Unweighted as weighted by 1 (w_c (x_c - m) with w_c = 1 is exact: the
    // same bits as add_smoothing_term<false>, in one copy of the code).
    for (size_t k = 0; k < C; ++k)
      add_smoothing_term<true>(wx, xs[k], m, V::splat(p.w ? p.w[k] : T(1)));
  }
  // The exps in with_exp_mode's modes at T = 1 for float32 (never TwoSum),
  // always the one that flushes: where with_exp_mode takes the other (a span
  // below 120 in log2 units) no lane's exponent reaches the flush bound
  // (-125), so the flush changes no bit, and the code exists once.
  const ExpScale<T> s = p.unit;  // a local copy: its constants stay in registers
  const double span = lanes_range(range);
  const bool ftz = !(span * kLog2e <= 120.0);
  using Flush = ExpMode<true, false, true>;
  using NoFlush = ExpMode<true, false, false>;
  V e[C];
  const Wide<V> total =
      ftz ? group_exps<V, C, Flush>(xs, m, s, e) : group_exps<V, C, NoFlush>(xs, m, s, e);
  // The target's exp (used for the gradient only).
  const V et = !g ? xt : ftz ? exp_minus<V, Flush>(xt, m, s) : exp_minus<V, NoFlush>(xt, m, s);
  D sum = lanes(total);
  D excess = sum - D::splat(1.0);
  // The gradient's factor from the plain sums (as ce_index_lanes, which
  // counts the split in its gradient pass, after the factor).
  const V fa = g ? lane_factor<V>(p, lt, wt, sum) : V::splat(T(0));
  if (some_lane_confident<V>(lt, xt, m, sum)) {
    Wide<V> below, ones;
    for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
      SplitSum<V> part;
      for (size_t k = k0; k < std::min(C, k0 + kStridedBlock<V>); ++k) part.add(e[k]);
      below.add(part.below);
      ones.add(part.ones);
    }
    const D b = lanes(below), o = lanes(ones);
    sum = b + o;
    excess = b + (o - D::splat(1.0));
  }
  if (g) {
    // grad_c = e_c * fa - scale ec w_c (0 in ignored lanes); the target's class gets tg (last).
    if (p.eps == 0.0) {
      for (size_t k = 0; k < C; ++k) e[k] = exp_grad<false>(e[k], fa, fa);
    } else {
      const V active = zero_where(lt.ignored, V::splat(T(1)));
      for (size_t k = 0; k < C; ++k)
        e[k] = exp_grad<true>(e[k], fa, V::splat(T(p.smoothing_grad(k))) * active);
    }
  }
  const LaneResults<V> r = lane_results<V>(p, lt, m, xt, wt, et, sum, excess, wx, g != nullptr);
  r.loss.store(loss);
  if (!g) return true;
  group_to_rows<V, C>(e, g);
  for (size_t l = 0; l < L; ++l)
    if (target[l] != p.ignore_index) g[l * C + size_t(target[l])] = r.tg.lane(l);
  return true;
}

// ce_index_lanes over the `width` (a multiple of kLanes, <= kColumnBlock<T>)
// neighbouring samples starting at x, in column chunks (passes.h): each pass
// sweeps the C class rows over the chunk's contiguous segment, kColumnRows
// rows at a time, with every lane group's state in small arrays. ce_index_lanes
// walks C rows `inner` apart per 16 bytes, too many streams for the
// prefetcher (8x21x16384 ran 4x slower per element than contiguous rows).
// Per lane the arithmetic is that of ce_index_lanes (the same range,
// add_smoothing_term, lane_results, the IndexLoss formulas, gradient and
// target fix) but for S - 1: here every lane's exps go to SplitSum blocks of
// kStridedBlock rows in the exp pass (ce_index_lanes sums plainly and counts
// the split only for confident lanes, in its gradient pass); the exp mode is chosen
// once per chunk, from the widest range of its finite lane groups
// (conservative). A lane group with a non-finite sample gets bad[group] =
// true and is neither read further nor written: the caller takes its samples
// one by one. Losses go to loss[0..width) (lanes of bad groups unset);
// everything the loss needs is read before g (which may be x) is written.
template <class V>
SMW_LAYOUT void ce_index_columns(const typename V::Elem* x, size_t C, size_t inner, size_t width,
                                 const int32_t* target, const IndexLoss<typename V::Elem>& p,
                                 typename V::Elem* g, double* loss, bool* bad) {
  using T = typename V::Elem;
  constexpr size_t L = V::kLanes;
  constexpr size_t G = kColumnBlock<T> / L;
  const size_t groups = width / L;
  V ms[G];
  size_t good[G];  // the finite lane groups
  size_t n_good = 0;
  double range = 0.0;  // the widest max - min of the finite lane groups
  // Pass 1: strided_range per group (max NaN where the fibre holds a NaN).
  {
    Range<V> r[G];
    column_ranges<V>(x, C, inner, groups, r);
    V widest = V::splat(T(0));
    for (size_t q = 0; q < groups; ++q) {
      ms[q] = r[q].max;
      bad[q] = !all(is_finite(r[q].max));
      if (bad[q]) continue;
      good[n_good++] = q;
      widest = max(widest, r[q].max - r[q].min);
    }
    for (size_t l = 0; l < L; ++l) range = std::max(range, double(widest.lane(l)));
  }
  if (n_good == 0) return;
  const double eps = p.eps;
  // Per group, before g is written: the targets' logits and weights.
  V xt[G], wt[G];
  for (size_t i = 0; i < n_good; ++i) {
    const size_t q = good[i];
    xt[q] = target_lanes<V>(x + q * L, inner, 1, target + q * L, p.ignore_index);
    wt[q] = p.w ? target_lanes<V>(p.w, 1, 0, target + q * L, p.ignore_index) : V::splat(T(1));
  }
  // Pass 2: wx for label smoothing (add_smoothing_term) and the exps, stored
  // to g and summed as SplitSum in blocks of kStridedBlock rows, each block
  // added in Wide<V>.
  Wide<V> wx[G], below[G], ones[G];
  SplitSum<V> part[G];
  with_exp_mode(p.unit, range, [&](auto mode) {
    using M = decltype(mode);
    for (size_t k0 = 0; k0 < C; k0 += kStridedBlock<V>) {
      for (size_t i = 0; i < n_good; ++i) part[good[i]] = SplitSum<V>();
      for_row_sweeps(k0, std::min(C, k0 + kStridedBlock<V>), [&](size_t k, auto rows_tag) {
        constexpr size_t rows = decltype(rows_tag)::value;
        const T* px = x + k * inner;
        T* pg = g ? g + k * inner : nullptr;
        V wk[rows];
        for (size_t r = 0; r < rows; ++r) wk[r] = V::splat(p.w ? p.w[k + r] : T(1));
        for (size_t i = 0; i < n_good; ++i) {
          const size_t q = good[i];
          const V m = ms[q];
          V a[rows];
          for (size_t r = 0; r < rows; ++r) a[r] = V::load(px + r * inner + q * L);
          if (eps != 0.0) {
            Wide<V> w = wx[q];
            for (size_t r = 0; r < rows; ++r) {
              if (p.w)
                add_smoothing_term<true>(w, a[r], m, wk[r]);
              else
                add_smoothing_term<false>(w, a[r], m, wk[r]);
            }
            wx[q] = w;
          }
          V e[rows];
          for (size_t r = 0; r < rows; ++r) e[r] = exp_minus<V, M>(a[r], m, p.unit);
          if (pg)
            for (size_t r = 0; r < rows; ++r) e[r].store(pg + r * inner + q * L);
          SplitSum<V> s = part[q];
          for (size_t r = 0; r < rows; ++r) s.add(e[r]);
          part[q] = s;
        }
      });
      for (size_t i = 0; i < n_good; ++i) {
        const size_t q = good[i];
        below[q].add(part[q].below);
        ones[q].add(part[q].ones);
      }
    }
  });
  // Losses; for the gradient each group's factor fa and target gradient tg
  // (written last), and its active lanes.
  V fa[G], tg[G], active[G];
  for (size_t i = 0; i < n_good; ++i) {
    const size_t q = good[i];
    const LaneTargets<V> lt(target + q * L, p.ignore_index);
    const V et = g ? target_lanes<V>(g + q * L, inner, 1, target + q * L, p.ignore_index) : xt[q];
    using D = Lanes64<V>;
    const D b = lanes(below[q]), o = lanes(ones[q]);
    const LaneResults<V> r = lane_results<V>(p, lt, ms[q], xt[q], wt[q], et, b + o,
                                             b + (o - D::splat(1.0)), wx[q], g != nullptr);
    r.loss.store(loss + q * L);
    if (g) fa[q] = lane_factor<V>(p, lt, wt[q], b + o);
    tg[q] = r.tg;
    active[q] = zero_where(lt.ignored, V::splat(T(1)));
  }
  if (!g) return;
  // Pass 3: grad_c = e_c * fa - scale ec w_c (0 in ignored lanes), then the targets.
  for_row_sweeps(0, C, [&](size_t k, auto rows_tag) {
    constexpr size_t rows = decltype(rows_tag)::value;
    T* pg = g + k * inner;
    V b[rows];
    for (size_t r = 0; r < rows; ++r) b[r] = V::splat(T(p.smoothing_grad(k + r)));
    for (size_t i = 0; i < n_good; ++i) {
      const size_t q = good[i];
      V v[rows];
      if (eps != 0.0)
        for (size_t r = 0; r < rows; ++r)
          v[r] = exp_grad<true>(V::load(pg + r * inner + q * L), fa[q], b[r] * active[q]);
      else
        for (size_t r = 0; r < rows; ++r)
          v[r] = exp_grad<false>(V::load(pg + r * inner + q * L), fa[q], fa[q]);
      for (size_t r = 0; r < rows; ++r) v[r].store(pg + r * inner + q * L);
    }
  });
  for (size_t i = 0; i < n_good; ++i) {
    const size_t q = good[i];
    for (size_t l = 0; l < L; ++l) {
      const size_t j = q * L + l;
      if (target[j] != p.ignore_index) g[size_t(target[j]) * inner + j] = tg[q].lane(l);
    }
  }
}

// Loss of one sample with a probability target (p at stride st); writes its gradient row if g.
template <class T>
double ce_prob_sample(const Fibre<T>& f, const T* y, const T* w, double eps, double scale, T* g) {
  const size_t C = f.c, st = f.st;
  const T m = f.range().max;
  if (!finite(m)) {
    if (g) fill_strided(g, C, st, kNaN<T>);
    return kNaN<double>;
  }
  double below = 0.0, ones = 0.0;  // as in Fibre::exp_sum
  for (size_t k = 0; k < C; ++k) {
    const double e = std::exp(double(f.at(k)) - m);
    if (e < 1.0)
      below += e;
    else
      ones += 1.0;
  }
  const double sum = below + ones;
  const double log_sum = std::log1p(below + (ones - 1.0));
  const double ec = eps / double(C);
  double wy_sum = 0.0, loss = 0.0;
  for (size_t k = 0; k < C; ++k) {
    const double wy = weight_of(w, k) * (double(y[k * st]) * (1.0 - eps) + ec);
    wy_sum += wy;
    loss -= wy * ((double(f.at(k)) - m) - log_sum);
  }
  if (g) {
    for (size_t k = 0; k < C; ++k) {
      const double wy = weight_of(w, k) * (double(y[k * st]) * (1.0 - eps) + ec);
      const double p = std::exp(double(f.at(k)) - m) / sum;
      g[k * st] = T(scale * (p * wy_sum - wy));
    }
  }
  return loss;
}

// NLL loss of the samples [b, e) (s = o * inner + i): each loss is
// -w_t x_t, each gradient row 0 but -w_t scale at the target. The samples
// of one slice o are neighbours: their rows' zeros go as C contiguous
// segments (a memset each), after every loss has read its logit (g may be
// the input), then the targets' values. (One sample at a time, the zeros of
// a strided class axis went element by element, C streams `inner` apart:
// 8x21x16384 took 12.6 ms, onnxruntime-web 7.0 ms.)
template <class T, class Emit>
void nll_samples(const LossArgs<T>& a, double scale, size_t b, size_t e, const Emit& emit) {
  const size_t C = a.classes, inner = a.inner;
  const int32_t* t = a.target_index;
  for (size_t s0 = b; s0 < e;) {
    const size_t o = s0 / inner, i0 = s0 % inner;
    const size_t i1 = std::min(inner, i0 + (e - s0));
    const T* x = a.input + o * C * inner;
    for (size_t i = i0; i < i1; ++i) {
      const int32_t ti = t[o * inner + i];
      const bool ignored = ti == a.ignore_index;
      emit(o * inner + i,
           ignored ? 0.0 : -weight_of(a.weight, size_t(ti)) * double(x[ti * inner + i]));
    }
    if (T* g = a.grad ? a.grad + o * C * inner : nullptr) {
      for (size_t k = 0; k < C; ++k) std::fill(g + k * inner + i0, g + k * inner + i1, T(0));
      for (size_t i = i0; i < i1; ++i) {
        const int32_t ti = t[o * inner + i];
        if (ti != a.ignore_index) g[ti * inner + i] = T(-weight_of(a.weight, size_t(ti)) * scale);
      }
    }
    s0 += i1 - i0;
  }
}

// Cross-entropy with index targets in the four layouts (passes.h
// run_layouts): long rows one sample at a time (ce_index_sample); short rows
// kLanes at a time, transposed as softmax does, through ce_index_lanes (float32
// rows of 4..16 classes: ce_short_group, the class count a constant); a
// strided class axis 2 kLanes neighbouring samples at a time (ce_index_lanes_u),
// then kLanes (ce_index_lanes), or from kColumnInner on in column chunks
// (ce_index_columns). A lane group holding a non-finite sample is redone
// sample by sample. Results are emitted in sample order.
template <class T, class Emit, class OneSample>
struct IndexLossPasses {
  static constexpr bool kColumns = true;
  static constexpr size_t kStridedVectors = 2;
  const LossArgs<T>& a;
  const IndexLoss<T>& p;
  const Emit& emit;             // emit(sample, loss)
  const OneSample& one_sample;  // one_sample(o, i): sample (o, i) on its own

  SMW_LAYOUT void row(size_t o) const { one_sample(o, 0); }
  bool short_rows_pay(size_t) const { return true; }
  SMW_LAYOUT void short_rows(size_t first, size_t rows) const {
    using V = Vec<T>;
    constexpr size_t L = V::kLanes;
    const size_t C = a.classes;
    if constexpr (L == 4 && std::is_same_v<T, float>) {
      // Float32 rows of kLanes..kShortRow classes: ce_short_group, C a constant.
      if (C >= L && p.unit.unit &&
          short_rows_fixed(first, rows, std::make_index_sequence<kShortRow - L + 1>{}))
        return;
    }
    short_row_groups<V>(a.input, C, first, rows, [&](T* buf, size_t o) {
      double loss[L];
      if (ce_index_lanes<V>(buf, C, L, a.target_index + o, p, a.grad ? buf : nullptr, loss)) {
        if (a.grad) lanes_to_rows<V>(buf, C, a.grad + o * C);
        for (size_t l = 0; l < L; ++l) emit(o + l, loss[l]);
      } else {
        for (size_t l = 0; l < L; ++l) one_sample(o + l, 0);
      }
    });
  }
  // short_rows_c<C> for C = a.classes in kLanes..kShortRow (false for others).
  template <size_t... kI>
  bool short_rows_fixed(size_t first, size_t rows, std::index_sequence<kI...>) const {
    constexpr size_t L = Vec<T>::kLanes;
    return ((a.classes == kI + L ? (short_rows_c<kI + L>(first, rows), true) : false) || ...);
  }
  template <size_t C>
  SMW_LAYOUT void short_rows_c(size_t first, size_t rows) const {
    using V = Vec<T>;
    constexpr size_t L = V::kLanes;
    for (size_t o = first; o < first + rows; o += L) {
      double loss[L];
      if (ce_short_group<V, C>(a.input + o * C, a.target_index + o, p,
                               a.grad ? a.grad + o * C : nullptr, loss)) {
        for (size_t l = 0; l < L; ++l) emit(o + l, loss[l]);
      } else {
        for (size_t l = 0; l < L; ++l) one_sample(o + l, 0);
      }
    }
  }
  template <class V, size_t U>
  SMW_LAYOUT void strided(size_t o, size_t j) const {
    const size_t base = o * a.classes * a.inner + j, s = o * a.inner + j;
    if constexpr (U == 2) {
      double loss[2 * V::kLanes];
      // Two call sites, so that binaryen keeps it a function of its own (see columns()).
      const bool done = a.grad ? ce_index_lanes_u<V, 2>(a.input + base, a.classes, a.inner,
                                                        a.target_index + s, p, a.grad + base, loss)
                               : ce_index_lanes_u<V, 2>(a.input + base, a.classes, a.inner,
                                                        a.target_index + s, p, nullptr, loss);
      if (done) {
        for (size_t l = 0; l < 2 * V::kLanes; ++l) emit(s + l, loss[l]);
      } else {
        strided<V, 1>(o, j);
        strided<V, 1>(o, j + V::kLanes);
      }
      return;
    }
    double loss[V::kLanes];
    if (ce_index_lanes<V>(a.input + base, a.classes, a.inner, a.target_index + s, p,
                          a.grad ? a.grad + base : nullptr, loss)) {
      for (size_t l = 0; l < V::kLanes; ++l) emit(s + l, loss[l]);
    } else {
      for (size_t l = 0; l < V::kLanes; ++l) one_sample(o, j + l);
    }
  }
  void columns(size_t o, size_t j0, size_t width) const {
    using V = Vec<T>;
    constexpr size_t L = V::kLanes;
    const size_t base = o * a.classes * a.inner + j0, s = o * a.inner + j0;
    double loss[kColumnBlock<T>];
    bool bad[kColumnBlock<T> / L];
    // Two call sites: binaryen inlines a function with one caller whatever
    // noinline says, and inlined into run_layouts' slice function (~27,000
    // lines of wasm with the lane groups) the chunk ran 3-4% slower
    // (bench/VARIANTS.md, "crossEntropy, round 4").
    if (a.grad)
      ce_index_columns<V>(a.input + base, a.classes, a.inner, width, a.target_index + s, p,
                          a.grad + base, loss, bad);
    else
      ce_index_columns<V>(a.input + base, a.classes, a.inner, width, a.target_index + s, p, nullptr,
                          loss, bad);
    for (size_t q = 0; q < width / L; ++q) {
      for (size_t l = 0; l < L; ++l) {
        if (bad[q])
          one_sample(o, j0 + q * L + l);
        else
          emit(s + q * L + l, loss[q * L + l]);
      }
    }
  }
};

template <class T>
Status loss_op(const LossArgs<T>& a, bool nll) {
  double denom = 0.0, weight_sum = 0.0;
  if (Status st = check_loss(a, nll, &denom, &weight_sum)) return st;
  const size_t C = a.classes;
  const double scale = a.reduction == kReduceMean ? 1.0 / denom : 1.0;
  double total = 0.0;
  // With threads, samples finish in any order: their losses go to `parts`
  // and are added afterwards in sample order, as the single thread adds them.
  const size_t samples = a.outer * a.inner;
  double* parts = nullptr;
  if (a.reduction != kReduceNone && parallel_wanted(samples * C))
    parts = static_cast<double*>(std::malloc(samples * sizeof(double)));
  const bool threads = a.reduction == kReduceNone || parts;
  auto emit = [&](size_t s, double loss) {
    if (a.reduction == kReduceNone)
      a.loss_none[s] = T(loss);
    else if (parts)
      parts[s] = loss;
    else
      total += loss;
  };
  const IndexLoss<T> index_loss{a.weight,          a.ignore_index, weight_sum,
                                a.label_smoothing, scale,          a.label_smoothing / double(C)};
  // The general path: sample (o, i) on its own.
  auto one_sample = [&](size_t o, size_t i) {
    const size_t s = o * a.inner + i;
    const size_t base = o * C * a.inner + i;
    const Fibre<T> f{a.input + base, C, a.inner};
    T* g = a.grad ? a.grad + base : nullptr;
    const int32_t* t = a.target_index;
    if (a.target_prob)
      emit(s, ce_prob_sample(f, a.target_prob + base, a.weight, a.label_smoothing, scale, g));
    else
      emit(s, ce_index_sample(f, t[s], index_loss, g));
  };
  // Cross-entropy with index targets takes the layouts; not under 'mean'
  // with a zero denominator (NaN rows), nor probability targets or nll_loss.
  if (!nll && a.target_index && finite(scale)) {
    const IndexLossPasses<T, decltype(emit), decltype(one_sample)> passes{a, index_loss, emit,
                                                                          one_sample};
    run_layouts<T>(passes, a.outer, C, a.inner, threads);
  } else {
    const size_t per = C ? std::max<size_t>(1, kTaskGrain / C) : samples;
    run_tasks(samples, per, threads ? samples * C : 0, [&](size_t b, size_t e) {
      if (nll)
        nll_samples(a, scale, b, e, emit);
      else
        for (size_t s = b; s < e; ++s) one_sample(s / a.inner, s % a.inner);
    });
  }
  if (parts) {
    for (size_t s = 0; s < samples; ++s) total += parts[s];
    std::free(parts);
  }
  // 'mean' over a zero denominator is NaN even where the smoothing term alone
  // would give inf: torch adds the NLL part's 0/0.
  if (a.reduction != kReduceNone)
    *a.loss_total = a.reduction == kReduceSum ? total : denom == 0.0 ? kNaN<double> : total / denom;
  return kOk;
}

}  // namespace

template <class T>
Status cross_entropy(const LossArgs<T>& a) {
  return loss_op(a, false);
}

template <class T>
Status nll_loss(const LossArgs<T>& a) {
  return loss_op(a, true);
}

template Status cross_entropy<float>(const LossArgs<float>&);
template Status cross_entropy<double>(const LossArgs<double>&);
template Status nll_loss<float>(const LossArgs<float>&);
template Status nll_loss<double>(const LossArgs<double>&);

}  // namespace smw
