// Gaussian noise from a counter: element pair (2j, 2j+1) is one Box-Muller transform of two
// uniforms hashed from (seed, j), so the numbers do not depend on the thread count and the kernel
// is parallel.
#include <cmath>

#include "cpu/parallel.h"
#include "cpu/regularization/regularization.h"

namespace nerve::kernels {

namespace {

inline uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform in (0, 1) from the top 53 bits (never 0, so the log is finite).
inline double open_uniform(uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

void normal_noise(float mean, float stddev, uint64_t seed, float* out, int64_t n) {
  const uint64_t key = mix64(seed ^ 0xbb67ae8584caa73bull);
  const int64_t pairs = (n + 1) / 2;
  constexpr double kTwoPi = 6.283185307179586476925;
  parallel_for(pairs, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      const uint64_t h = key + static_cast<uint64_t>(j) * 0x9E3779B97F4A7C15ull;
      const double r = std::sqrt(-2.0 * std::log(open_uniform(mix64(h))));
      const double angle = kTwoPi * open_uniform(mix64(h ^ 0x3c6ef372fe94f82bull));
      out[2 * j] = mean + stddev * static_cast<float>(r * std::cos(angle));
      if (2 * j + 1 < n) out[2 * j + 1] = mean + stddev * static_cast<float>(r * std::sin(angle));
    }
  });
}

}  // namespace nerve::kernels
