// Kernels of the creation ops (nerve.ops.arange, linspace, eye, tri): a ramp of values and a
// band of ones between two diagonals.
#include "cpu/math/broadcast_loop.h"
#include "cpu/math/math.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

// In double, as NumPy computes arange and linspace before the cast to float32.
void math_ramp(double start, double step, float* out, int64_t n) {
  parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(start + static_cast<double>(i) * step);
  });
}

void math_band(int64_t rows, int64_t cols, int64_t lower, int64_t upper, float* out) {
  parallel_for(rows, 1 + kMathGrain / (cols + 1), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = (j - i >= lower && j - i <= upper) ? 1.f : 0.f;
  });
}

}  // namespace nerve::kernels
