// top_k.cc — torch.topk and torch.argmax along an axis of (outer, n, inner).
//
// top_k: each fibre's values become (key, index) pairs, the key an unsigned
// integer that orders like the values (NaN above +inf, -0 equal to +0; for
// the smallest, the key's complement); std::nth_element under "key descending,
// index ascending" (a strict total order, so ties go to the lower index)
// selects the k pairs in O(n), and only those k are sorted. No full sort.
// argmax: one pass per fibre.
#include <algorithm>
#include <cstring>

#include "sample.h"

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

}  // namespace

size_t top_k_workspace_bytes(size_t n) { return n * sizeof(KeyIndex); }

template <class T>
Status top_k(const T* x, T* values, int32_t* indices, size_t outer, size_t n, size_t inner,
             size_t k, bool largest, bool sorted, void* work) {
  if (k > n) return kBadOption;
  if (outer == 0 || inner == 0 || k == 0) return kOk;
  if (!x || !values || !indices || !work) return kNullPointer;
  KeyIndex* pairs = static_cast<KeyIndex*>(work);
  for (size_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < inner; ++i) {
      const T* fibre = x + o * n * inner + i;
      for (size_t j = 0; j < n; ++j) {
        const uint64_t key = order_key(fibre[j * inner]);
        pairs[j] = {largest ? key : ~key, uint32_t(j)};
      }
      if (k < n) std::nth_element(pairs, pairs + (k - 1), pairs + n, before);
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
  return kOk;
}

template <class T>
Status argmax(const T* x, int32_t* out, size_t outer, size_t n, size_t inner) {
  if (n == 0) return kBadOption;
  if (outer == 0 || inner == 0) return kOk;
  if (!x || !out) return kNullPointer;
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
