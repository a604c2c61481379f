// passes.cc — the softmax passes and their variants, exported one by one so
// bench/variants/run.mjs can time each in V8 (wasm SIMD128, float32 rows).
// Built by run.mjs with em++; not part of the package.
#include <emscripten.h>

#include "../../cpp/passes.h"

using namespace smw;
using V = F32x4;
constexpr size_t N = V::kLanes;

namespace {

// Pass 2 variant: exp((x - m)) stored while summing, U vectors per
// iteration, each with its own accumulator; block sums as in row_exp_sum.
template <class M, int U, bool kStore>
double exp_sum_unrolled(const float* x, float* y, size_t n, float m, const ExpScale<float>& s) {
  const V vm = V::splat(m);
  double total = 0.0;
  size_t i = 0;
  constexpr size_t kStep = U * N;
  constexpr size_t kBlock = kStep * 8;
  while (i + kStep <= n) {
    V acc[U];
    for (int u = 0; u < U; ++u) acc[u] = V::splat(0.0f);
    const size_t end = std::min(n - n % kStep, i + kBlock);
    for (; i < end; i += kStep) {
      for (int u = 0; u < U; ++u) {
        const V e = exp_minus<V, M>(V::load(x + i + u * N), vm, s);
        if (kStore) e.store(y + i + u * N);
        acc[u] = acc[u] + e;
      }
    }
    V a = acc[0];
    for (int u = 1; u < U; ++u) a = a + acc[u];
    total += hsum(a);
  }
  if (i < n)
    total += row_exp_sum<V, M, kStore>(x + i, kStore ? y + i : nullptr, n - i, m, s);
  return total;
}

const ExpScale<float> kUnit(1.0);

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE float pass1_range(const float* x, size_t n) {
  const Range<float> r = row_range<V>(x, n);
  return r.max - r.min;
}

EMSCRIPTEN_KEEPALIVE float pass1_max_nan(const float* x, size_t n) {
  // NaN-propagating f32x4.max, as before pmax + masks.
  V m0 = V::splat(-kInf<float>), m1 = m0;
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    m0 = max(m0, V::load(x + i));
    m1 = max(m1, V::load(x + i + N));
  }
  return hmax(max(m0, m1));
}

#define EXP_SUM(name, M, U, STORE)                                                        \
  EMSCRIPTEN_KEEPALIVE double name(const float* x, float* y, size_t n, float m) {          \
    return exp_sum_unrolled<M, U, STORE>(x, y, n, m, kUnit);                               \
  }

// Modes: fast (no TwoSum, no flush), nf (TwoSum, no flush), exact (both).
using Fast = ExpMode<true, false, false>;
using NoFlush = ExpMode<true, true, false>;
using Exact = ExpMode<true, true, true>;
EXP_SUM(pass2_store_fast_u1, Fast, 1, true)
EXP_SUM(pass2_store_fast_u2, Fast, 2, true)
EXP_SUM(pass2_store_fast_u4, Fast, 4, true)
EXP_SUM(pass2_store_noflush_u2, NoFlush, 2, true)
EXP_SUM(pass2_store_exact_u2, Exact, 2, true)
EXP_SUM(pass2_nostore_fast_u2, Fast, 2, false)
EXP_SUM(pass2_nostore_exact_u2, Exact, 2, false)

EMSCRIPTEN_KEEPALIVE double pass2_production(const float* x, float* y, size_t n, float m) {
  return row_exp_sum<V, Fast, true>(x, y, n, m, kUnit);
}

EMSCRIPTEN_KEEPALIVE void pass3_scale(float* y, size_t n, float c) {
  const V vc = V::splat(c);
  row_map<V>(y, y, n, [&](V v) { return v * vc; });
}

// The 2-pass online normaliser: running max and rescaled sum in one read,
// then exp again in the output pass (two exps per element, one read fewer).
EMSCRIPTEN_KEEPALIVE void softmax_online(const float* x, float* y, size_t n) {
  constexpr size_t kB = 64;
  double sum = 0.0;
  float m = -kInf<float>;
  for (size_t i = 0; i + kB <= n; i += kB) {
    const float bm = row_range<V>(x + i, kB).max;
    const float nm = std::max(m, bm);
    const double bs = exp_sum_unrolled<Exact, 2, false>(x + i, nullptr, kB, nm, kUnit);
    sum = sum * std::exp(double(m) - double(nm)) + bs;
    m = nm;
  }
  const V vm = V::splat(m), vc = V::splat(float(1.0 / sum));
  row_map<V>(x, y, n - n % kB, [&](V v) { return exp_minus<V, Exact>(v, vm, kUnit) * vc; });
}

EMSCRIPTEN_KEEPALIVE void softmax_production(const float* x, float* y, size_t n) {
  softmax<float>(x, y, 1, n, 1, 1.0);
}

}  // extern "C"
