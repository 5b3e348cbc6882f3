// Gathers and scatter-adds along one axis (take, take_along_axis and their gradients), and the
// strided write that is slicing's gradient.
#include <cstring>
#include <vector>

#include "cpu/shape/shape.h"
#include "cpu/tensor/strided_walk.h"

namespace nerve::kernels {

namespace {

// An index already checked to lie in [-V, V).
inline int64_t wrap(float i, int64_t V) {
  int64_t k = static_cast<int64_t>(i);
  return k < 0 ? k + V : k;
}

}  // namespace

void strided_assign(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim, float* dst) {
  walk_strided(shape, strides, dim, [&](int64_t i, int64_t off) { dst[off] = src[i]; });
}

void gather_axis(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n, float* dst) {
  const size_t bytes = static_cast<size_t>(inner) * sizeof(float);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + (o * n + i) * inner, src + (o * V + wrap(idx[i], V)) * inner, bytes);
}

void scatter_add_axis(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n,
                      float* dsrc) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i) {
      const float* g = dy + (o * n + i) * inner;
      float* d = dsrc + (o * V + wrap(idx[i], V)) * inner;
      for (int64_t k = 0; k < inner; ++k) d[k] += g[k];
    }
}

void gather_along_axis(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                       float* dst) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < J; ++j)
      for (int64_t k = 0; k < inner; ++k) {
        int64_t at = (o * J + j) * inner + k;
        dst[at] = src[(o * V + wrap(idx[at], V)) * inner + k];
      }
}

void scatter_add_along_axis(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                            float* dsrc) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < J; ++j)
      for (int64_t k = 0; k < inner; ++k) {
        int64_t at = (o * J + j) * inner + k;
        dsrc[(o * V + wrap(idx[at], V)) * inner + k] += dy[at];
      }
}

}  // namespace nerve::kernels
