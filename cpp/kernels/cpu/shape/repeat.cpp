// RepeatVector's copies: each row of x written n times, and the adjoint sum over the repeats.
#include <algorithm>
#include <cstring>

#include "cpu/parallel.h"
#include "cpu/shape/shape.h"

namespace nerve::kernels {

void repeat_rows(const float* x, int64_t B, int64_t n, int64_t F, float* y) {
  parallel_for(B, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n * F, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int64_t r = 0; r < n; ++r)
        std::memcpy(y + (i * n + r) * F, x + i * F, static_cast<size_t>(F) * sizeof(float));
  });
}

void sum_repeats(const float* dy, int64_t B, int64_t n, int64_t F, float* dx) {
  parallel_for(B, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(n * F, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float* d = dx + i * F;
      std::fill(d, d + F, 0.f);
      for (int64_t r = 0; r < n; ++r) {
        const float* g = dy + (i * n + r) * F;
        for (int64_t f = 0; f < F; ++f) d[f] += g[f];
      }
    }
  });
}

}  // namespace nerve::kernels
