// philox.h — the sampler's generator: Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC'11), a counter-based generator: the
// i-th output of a stream is a pure function of (key, i), so a stream is
// nothing but a 64-bit key and a position, rows of one call draw in parallel
// from consecutive positions, and the state never depends on the build.
//
// Seeding: key = (seed mod 2^32, floor(seed / 2^32) mod 2^32) for a seed in
// [0, 2^64). Draw i: the 128-bit counter (i mod 2^32, floor(i / 2^32), 0, 0)
// through 10 rounds; of the four output words x0..x3, the uniform is
//   u = ((x0 >> 5) * 2^26 + (x1 >> 6)) * 2^-53,
// a multiple of 2^-53 in [0, 1) (53 random bits; x2, x3 are unused).
// Checked against Random123's known-answer vectors (tests/cpp/sample_test.cc).
#pragma once

#include <cstdint>

namespace smw {

struct PhiloxBlock {
  uint32_t x[4];
};

inline PhiloxBlock philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                                 uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
  constexpr uint32_t kW0 = 0x9E3779B9u,
                     kW1 = 0xBB67AE85u;  // key schedule (golden ratio, sqrt(3) - 1)
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const uint64_t p0 = uint64_t(kM0) * c0;
    const uint64_t p1 = uint64_t(kM1) * c2;
    const uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    const uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return {{c0, c1, c2, c3}};
}

// The uniform of draw `position` of the stream with key (k0, k1).
inline double philox_uniform(uint32_t k0, uint32_t k1, uint64_t position) {
  const PhiloxBlock b = philox4x32_10(uint32_t(position), uint32_t(position >> 32), 0, 0, k0, k1);
  const uint64_t bits = (uint64_t(b.x[0] >> 5) << 26) | (b.x[1] >> 6);
  return double(bits) * 0x1p-53;
}

}  // namespace smw
