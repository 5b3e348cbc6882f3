// Inverted dropout with a counter-based mask (a hash of seed and element index), so the mask is
// the same whatever the thread count, and the kernel is parallel.
#include "cpu/parallel.h"
#include "cpu/regularization/regularization.h"

namespace nerve::kernels {

namespace {

inline uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void dropout_forward(const float* xp, float rate, uint64_t seed, float* yp, uint8_t* kp, int64_t n) {
  const float scale = 1.f / (1.f - rate);
  // keep when a uniform 24-bit draw is >= rate (exact to 2^-24)
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(rate) * 16777216.0);
  const uint64_t key = mix64(seed ^ 0x6a09e667f3bcc909ull);
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const bool k = (mix64(key + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull) >> 40) >= threshold;
      kp[i] = k;
      yp[i] = k ? xp[i] * scale : 0.f;
    }
  });
}

void dropout_backward(const float* gp, const uint8_t* k, float scale, float* o, int64_t n) {
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i] = k[i] ? gp[i] * scale : 0.f;
  });
}

}  // namespace nerve::kernels
