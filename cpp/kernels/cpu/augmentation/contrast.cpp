// RandomContrast's y = clip((x - m) * f + m, lo, hi) per sample, m the per-channel mean over the
// height and width, and its gradient: with g = dy where lo < z < hi (1/2 of it at a bound, as
// jnp.clip), dx = f g + (1 - f) / (H W) * sum over the image of g, per channel. Each pass runs
// along whole image rows (W * C floats) against a row holding each pixel's channel value, so the
// loops vectorise; column sums of the rows are then folded per channel in double. Samples run in
// parallel.
#include <algorithm>
#include <vector>

#include "cpu/augmentation/augmentation.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

// The per-channel means of one image [H, W * C], spread along a row: mean_row[j C + c] = mean[c].
void mean_row(const float* img, int64_t H, int64_t W, int64_t C, std::vector<float>& col, std::vector<float>& row) {
  const int64_t R = W * C;
  col.assign(R, 0.f);
  for (int64_t i = 0; i < H; ++i) {
    const float* src = img + i * R;
    for (int64_t k = 0; k < R; ++k) col[k] += src[k];  // H floats per entry
  }
  std::vector<double> sum(C, 0.0);
  for (int64_t k = 0; k < R; ++k) sum[k % C] += col[k];
  row.resize(R);
  for (int64_t k = 0; k < R; ++k) row[k] = static_cast<float>(sum[k % C] / static_cast<double>(H * W));
}

}  // namespace

void contrast_forward(const float* x, const float* factors, int64_t N, int64_t H, int64_t W, int64_t C, float lo,
                      float hi, float* y) {
  const int64_t R = W * C;
  parallel_for(N, 1, [&](int64_t b, int64_t e) {
    std::vector<float> col, m;
    for (int64_t n = b; n < e; ++n) {
      const float* img = x + n * H * R;
      mean_row(img, H, W, C, col, m);
      const float f = factors[n];
      const float* __restrict mr = m.data();
      for (int64_t i = 0; i < H; ++i) {
        const float* __restrict src = img + i * R;
        float* __restrict out = y + (n * H + i) * R;
        for (int64_t k = 0; k < R; ++k)  // min / max rather than branches: the loop vectorises
          out[k] = std::min(std::max((src[k] - mr[k]) * f + mr[k], lo), hi);
      }
    }
  });
}

void contrast_backward(const float* x, const float* dy, const float* factors, int64_t N, int64_t H, int64_t W,
                       int64_t C, float lo, float hi, float* dx) {
  const int64_t R = W * C;
  // jnp.clip = minimum(maximum(z, lo), hi): each tie passes half the gradient
  const float at_lo = lo == hi ? 0.25f : 0.5f;
  parallel_for(N, 1, [&](int64_t b, int64_t e) {
    std::vector<float> col, m, gcol;
    for (int64_t n = b; n < e; ++n) {
      const float* img = x + n * H * R;
      mean_row(img, H, W, C, col, m);
      const float f = factors[n];
      const float* mr = m.data();
      gcol.assign(R, 0.f);
      for (int64_t i = 0; i < H; ++i) {
        const float* src = img + i * R;
        const float* g_out = dy + (n * H + i) * R;
        float* g_in = dx + (n * H + i) * R;
        for (int64_t k = 0; k < R; ++k) {
          const float z = (src[k] - mr[k]) * f + mr[k];
          const float slope = (z < lo || z > hi) ? 0.f : ((z == lo || z == hi) ? at_lo : 1.f);
          const float g = g_out[k] * slope;
          g_in[k] = f * g;  // the mean's share is added below
          gcol[k] += g;
        }
      }
      std::vector<double> gsum(C, 0.0);
      for (int64_t k = 0; k < R; ++k) gsum[k % C] += gcol[k];
      std::vector<float> share(R);
      for (int64_t k = 0; k < R; ++k)
        share[k] = static_cast<float>((1.0 - f) * gsum[k % C] / static_cast<double>(H * W));
      for (int64_t i = 0; i < H; ++i) {
        float* g_in = dx + (n * H + i) * R;
        for (int64_t k = 0; k < R; ++k) g_in[k] += share[k];
      }
    }
  });
}

}  // namespace nerve::kernels
