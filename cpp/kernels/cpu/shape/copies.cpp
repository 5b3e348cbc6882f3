// Block copies along one axis: concat's strided rows (parallel), narrow's and reverse_time's
// slabs (serial), and the interior of a zero-padded NHWC image (parallel over image rows).
#include <algorithm>
#include <cstring>

#include "cpu/parallel.h"
#include "cpu/shape/shape.h"

namespace nerve::kernels {

void copy_blocks(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(width, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(width) * sizeof(float));
  });
}

void narrow_copy(const float* src, int64_t src_len, int64_t src_start, float* dst, int64_t dst_len, int64_t dst_start,
                 int64_t len, int64_t outer, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + (o * dst_len + dst_start) * inner, src + (o * src_len + src_start) * inner,
                static_cast<size_t>(len * inner) * sizeof(float));
}

void reverse_time(const float* src, int64_t B, int64_t T, int64_t inner, float* dst) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      std::memcpy(dst + (b * T + t) * inner, src + (b * T + T - 1 - t) * inner,
                  static_cast<size_t>(inner) * sizeof(float));
}

// Rows of W*C floats between an unpadded [N, H, W, C] and a padded [N, PH, PW, C] image;
// to_padded picks the direction (forward writes into the padding frame, backward reads from it).
void pad2d_copy(const float* src, float* dst, int64_t N, int64_t H, int64_t W, int64_t C, int64_t top, int64_t left,
                int64_t PH, int64_t PW, bool to_padded) {
  parallel_for(N * H, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(W * C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / H, h = t % H;
      const int64_t inner = t * W * C, outer = ((n * PH + h + top) * PW + left) * C;
      if (to_padded)
        std::memcpy(dst + outer, src + inner, static_cast<size_t>(W * C) * sizeof(float));
      else
        std::memcpy(dst + inner, src + outer, static_cast<size_t>(W * C) * sizeof(float));
    }
  });
}

}  // namespace nerve::kernels
