// top_k.cc — torch.topk and torch.argmax along an axis of (outer, n, inner).
//
// top_k: each value has a key, an unsigned integer that orders like the
// values (NaN above +inf, -0 equal to +0; for the smallest, the key's
// complement); pairs (key, index) under "key descending, index ascending" (a
// strict total order, so ties go to the lower index). A contiguous fibre is
// scanned once with a buffered threshold select (select_contiguous): only
// pairs that beat the k-th best key so far enter a small buffer, SIMD blocks
// that cannot are skipped with one compare. Strided fibres build every pair
// and nth_element them. Only the k selected are sorted. No full sort.
// argmax: a SIMD max pass and a compare pass for contiguous fibres, one
// scalar pass per strided fibre.
// Rows (outer indices) go to run_tasks: threads in the threaded build.
#include <algorithm>
#include <cstring>

#include "parallel.h"
#include "sample.h"
#include "vec.h"

namespace smw {
namespace {

struct KeyIndex {
  uint64_t key;
  uint32_t index;
};

template <class T>
uint64_t order_key(T v) {
  if (v != v) return ~uint64_t(0);  // NaN: above everything
  if (v == T(0)) v = T(0);          // -0 -> +0
  if constexpr (sizeof(T) == 4) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    b = (b >> 31) ? ~b : (b | 0x80000000u);
    return uint64_t(b) << 32;  // below the NaN key
  } else {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    b = (b >> 63) ? ~b : (b | 0x8000000000000000ull);
    return b == ~uint64_t(0) ? b - 1 : b;
  }
}

bool before(const KeyIndex& p, const KeyIndex& q) {
  return p.key != q.key ? p.key > q.key : p.index < q.index;
}

template <class T>
T value_of_key(uint64_t key) {
  if constexpr (sizeof(T) == 4) {
    uint32_t b = uint32_t(key >> 32);
    b = (b >> 31) ? (b & 0x7fffffffu) : ~b;
    T v;
    std::memcpy(&v, &b, 4);
    return v;
  } else {
    uint64_t b = key >> 63 ? key & 0x7fffffffffffffffull : ~key;
    T v;
    std::memcpy(&v, &b, 8);
    return v;
  }
}

// The k best (key, index) pairs of a contiguous fibre, in pairs[0..k) in no
// particular order: a buffer of at most cap pairs above a running threshold
// (the k-th best key seen so far); when it fills, nth_element keeps its k best
// and raises the threshold. Fibres are scanned in index order, so a later
// token whose key equals the threshold's loses to it (ties: lower index) and
// only keys above it enter. Blocks of a SIMD width with no value that can
// beat the threshold are skipped with one compare (NaN lanes always looked
// at: their key is the largest). O(n) expected; no full sort.
template <class T>
void select_contiguous(const T* x, size_t n, size_t k, bool largest, KeyIndex* pairs) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  const size_t cap = std::min(n, std::max(2 * k, k + 64));
  auto key_at = [&](size_t j) {
    const uint64_t key = order_key(x[j]);
    return largest ? key : ~key;
  };
  size_t len = 0, i = 0;
  for (; i < cap; ++i) pairs[len++] = {key_at(i), uint32_t(i)};
  uint64_t thr = 0;
  T tv = T(0);
  auto compact = [&] {
    std::nth_element(pairs, pairs + (k - 1), pairs + len, before);
    thr = pairs[k - 1].key;
    tv = value_of_key<T>(largest ? thr : ~thr);
    len = k;
  };
  if (i < n) compact();
  // A NaN threshold (largest: NaN's key; smallest: its complement) cannot be beaten.
  while (i < n && tv == tv) {
    V thrv = V::splat(tv);
    for (; i + L <= n; i += L) {
      const V v = V::load(x + i);
      if (!any(largest ? (v > thrv) | is_nan(v) : (v < thrv))) continue;
      for (size_t j = i; j < i + L; ++j) {
        const uint64_t key = key_at(j);
        if (key > thr) pairs[len++] = {key, uint32_t(j)};
      }
      if (len + L > cap) {
        i += L;
        break;
      }
    }
    if (len + L > cap) {
      compact();
      continue;
    }
    for (; i < n; ++i) {
      const uint64_t key = key_at(i);
      if (key > thr) pairs[len++] = {key, uint32_t(i)};
    }
  }
  if (len > k) std::nth_element(pairs, pairs + (k - 1), pairs + len, before);
}

}  // namespace

size_t top_k_workspace_bytes(size_t n, size_t outer) {
  return n * sizeof(KeyIndex) * row_slots(outer);
}

template <class T>
Status top_k(const T* x, T* values, int32_t* indices, size_t outer, size_t n, size_t inner,
             size_t k, bool largest, bool sorted, void* work) {
  if (k > n) return kBadOption;
  if (outer == 0 || inner == 0 || k == 0) return kOk;
  if (!x || !values || !indices || !work) return kNullPointer;
  // Fibres are independent: row_slots(outer) tasks of consecutive outer
  // indices, each with its own pairs (run_tasks: threads in the threaded build).
  const size_t tasks = row_slots(outer);
  const size_t per = (outer + tasks - 1) / tasks;
  run_tasks(outer, per, outer * n * inner, [&](size_t begin, size_t end) {
    KeyIndex* pairs = static_cast<KeyIndex*>(work) + (begin / per) * n;
    for (size_t o = begin; o < end; ++o) {
      for (size_t i = 0; i < inner; ++i) {
        const T* fibre = x + o * n * inner + i;
        if (inner == 1) {
          select_contiguous(fibre, n, k, largest, pairs);
        } else {
          for (size_t j = 0; j < n; ++j) {
            const uint64_t key = order_key(fibre[j * inner]);
            pairs[j] = {largest ? key : ~key, uint32_t(j)};
          }
          if (k < n) std::nth_element(pairs, pairs + (k - 1), pairs + n, before);
        }
        if (sorted) {
          std::sort(pairs, pairs + k, before);
        } else {
          std::sort(pairs, pairs + k,
                    [](const KeyIndex& p, const KeyIndex& q) { return p.index < q.index; });
        }
        T* vout = values + o * k * inner + i;
        int32_t* iout = indices + o * k * inner + i;
        for (size_t j = 0; j < k; ++j) {
          vout[j * inner] = fibre[size_t(pairs[j].index) * inner];
          iout[j * inner] = int32_t(pairs[j].index);
        }
      }
    }
  });
  return kOk;
}

// The first index of the largest value of a contiguous fibre (of the first
// NaN if any): a max pass with four pmax accumulators (NaN lanes tracked
// apart), then a compare pass to the first lane equal to it.
template <class T>
size_t argmax_contiguous(const T* x, size_t n) {
  using V = Vec<T>;
  constexpr size_t L = V::kLanes;
  size_t i = 0;
  T m = x[0];
  bool nan = false;
  if (n >= 4 * L) {
    V m0 = V::load(x), m1 = V::load(x + L), m2 = V::load(x + 2 * L), m3 = V::load(x + 3 * L);
    typename V::Mask bad = is_nan(m0) | is_nan(m1) | is_nan(m2) | is_nan(m3);
    for (i = 4 * L; i + 4 * L <= n; i += 4 * L) {
      const V a = V::load(x + i), b = V::load(x + i + L), c = V::load(x + i + 2 * L),
              d = V::load(x + i + 3 * L);
      m0 = pmax(m0, a);
      m1 = pmax(m1, b);
      m2 = pmax(m2, c);
      m3 = pmax(m3, d);
      bad = bad | is_nan(a) | is_nan(b) | is_nan(c) | is_nan(d);
    }
    m = hmax(pmax(pmax(m0, m1), pmax(m2, m3)));
    nan = any(bad);
  }
  for (; i < n; ++i) {
    nan = nan || x[i] != x[i];
    m = pmax(Scalar<T>{m}, Scalar<T>{x[i]}).v;
  }
  if (nan) {
    size_t j = 0;
    while (x[j] == x[j]) ++j;
    return j;
  }
  size_t j = 0;
  const V mv = V::splat(m);
  for (; j + L <= n; j += L) {
    const V v = V::load(x + j);
    if (!all(v < mv)) break;  // no NaN and v <= m: some lane equals m
  }
  while (x[j] != m) ++j;
  return j;
}

template <class T>
Status argmax(const T* x, int32_t* out, size_t outer, size_t n, size_t inner) {
  if (n == 0) return kBadOption;
  if (outer == 0 || inner == 0) return kOk;
  if (!x || !out) return kNullPointer;
  if (inner == 1) {  // rows: tasks of about kTaskGrain elements (threads in the threaded build)
    const size_t per = std::max<size_t>(1, kTaskGrain / n);
    run_tasks(outer, per, outer * n, [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) out[o] = int32_t(argmax_contiguous(x + o * n, n));
    });
    return kOk;
  }
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const T* fibre = x + o * n * inner + i;
      size_t best = 0;
      T b = fibre[0];
      for (size_t j = 1; j < n && b == b; ++j) {
        const T v = fibre[j * inner];
        if (v > b || v != v) {
          b = v;
          best = j;
        }
      }
      out[o * inner + i] = int32_t(best);
    }
  }
  return kOk;
}

template Status top_k<float>(const float*, float*, int32_t*, size_t, size_t, size_t, size_t, bool,
                             bool, void*);
template Status top_k<double>(const double*, double*, int32_t*, size_t, size_t, size_t, size_t,
                              bool, bool, void*);
template Status argmax<float>(const float*, int32_t*, size_t, size_t, size_t);
template Status argmax<double>(const double*, int32_t*, size_t, size_t, size_t);

}  // namespace smw
