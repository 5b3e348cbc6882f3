// Upsampling of NHWC images by integer factors: nearest (pixel repeats) and bilinear with
// half-pixel centres. Parallel over output rows (forward) or images (backward, which scatters
// into its image's dx only), so results do not depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/shape/shape.h"

namespace nerve::kernels {

namespace {

// The two source cells and the weight of the second for output cell o of an axis of `in` cells
// upsampled `scale` times: source coordinate (o + 0.5) / scale - 0.5, clamped to the edge cells
// (what jax.image.resize's renormalised triangle kernel and PyTorch's align_corners=False give).
struct Tap {
  int64_t lo, hi;
  float frac;
};

std::vector<Tap> bilinear_taps(int64_t in, int64_t scale) {
  std::vector<Tap> taps(static_cast<size_t>(in * scale));
  for (int64_t o = 0; o < in * scale; ++o) {
    const double src = std::max((static_cast<double>(o) + 0.5) / static_cast<double>(scale) - 0.5, 0.0);
    const int64_t lo = std::min(static_cast<int64_t>(src), in - 1);
    taps[o] = {lo, std::min(lo + 1, in - 1), static_cast<float>(src - static_cast<double>(lo))};
  }
  return taps;
}

}  // namespace

void upsample2d(const float* x, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw, bool bilinear,
                float* y) {
  const int64_t OH = H * sh, OW = W * sw;
  const std::vector<Tap> th = bilinear ? bilinear_taps(H, sh) : std::vector<Tap>{};
  const std::vector<Tap> tw = bilinear ? bilinear_taps(W, sw) : std::vector<Tap>{};
  parallel_for(N * OH, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(OW * C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / OH, oh = r % OH;
      float* out = y + r * OW * C;
      const float* image = x + n * H * W * C;
      if (!bilinear) {
        const float* row = image + (oh / sh) * W * C;
        for (int64_t ow = 0; ow < OW; ++ow)
          std::memcpy(out + ow * C, row + (ow / sw) * C, static_cast<size_t>(C) * sizeof(float));
        continue;
      }
      const Tap& v = th[oh];
      const float* top = image + v.lo * W * C;
      const float* bottom = image + v.hi * W * C;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const Tap& u = tw[ow];
        const float *a = top + u.lo * C, *bb = top + u.hi * C, *c = bottom + u.lo * C, *d = bottom + u.hi * C;
        float* o = out + ow * C;
        for (int64_t ch = 0; ch < C; ++ch) {
          const float upper = a[ch] + u.frac * (bb[ch] - a[ch]);
          const float lower = c[ch] + u.frac * (d[ch] - c[ch]);
          o[ch] = upper + v.frac * (lower - upper);
        }
      }
    }
  });
}

void upsample2d_backward(const float* dy, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw,
                         bool bilinear, float* dx) {
  const int64_t OH = H * sh, OW = W * sw;
  const std::vector<Tap> th = bilinear ? bilinear_taps(H, sh) : std::vector<Tap>{};
  const std::vector<Tap> tw = bilinear ? bilinear_taps(W, sw) : std::vector<Tap>{};
  parallel_for(N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      float* image = dx + n * H * W * C;
      std::fill(image, image + H * W * C, 0.f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        const float* g = dy + (n * OH + oh) * OW * C;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float* go = g + ow * C;
          if (!bilinear) {
            float* d = image + ((oh / sh) * W + ow / sw) * C;
            for (int64_t ch = 0; ch < C; ++ch) d[ch] += go[ch];
            continue;
          }
          const Tap &v = th[oh], &u = tw[ow];
          const float w00 = (1.f - v.frac) * (1.f - u.frac), w01 = (1.f - v.frac) * u.frac;
          const float w10 = v.frac * (1.f - u.frac), w11 = v.frac * u.frac;
          float* d00 = image + (v.lo * W + u.lo) * C;
          float* d01 = image + (v.lo * W + u.hi) * C;
          float* d10 = image + (v.hi * W + u.lo) * C;
          float* d11 = image + (v.hi * W + u.hi) * C;
          for (int64_t ch = 0; ch < C; ++ch) {
            d00[ch] += w00 * go[ch];
            d01[ch] += w01 * go[ch];
            d10[ch] += w10 * go[ch];
            d11[ch] += w11 * go[ch];
          }
        }
      }
    }
  });
}

}  // namespace nerve::kernels
