// Per-sample flips of NHWC images: row by row, each output row read from the mirrored input row,
// reversed pixel by pixel where the width flips.
#include <cstring>

#include "cpu/augmentation/augmentation.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

void flip_images(const float* x, const uint8_t* flip_height, const uint8_t* flip_width, int64_t N, int64_t H, int64_t W,
                 int64_t C, float* y) {
  const int64_t row = W * C;
  parallel_for(N * H, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(row, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / H, i = r % H;
      const int64_t src_i = flip_height && flip_height[n] ? H - 1 - i : i;
      const float* src = x + (n * H + src_i) * row;
      float* dst = y + r * row;
      if (!(flip_width && flip_width[n])) {
        std::memcpy(dst, src, sizeof(float) * row);
        continue;
      }
      for (int64_t j = 0; j < W; ++j) std::memcpy(dst + j * C, src + (W - 1 - j) * C, sizeof(float) * C);
    }
  });
}

}  // namespace nerve::kernels
