#include "cpu/tensor/tensor_kernels.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/tensor/strided_walk.h"

namespace nerve::kernels {

void fill(float* out, float value, int64_t n) {
  if (value == 0.f) {
    std::memset(out, 0, static_cast<size_t>(n) * sizeof(float));
  } else {
    std::fill(out, out + n, value);
  }
}

// Rarely hit: inputs from numpy are made contiguous at the boundary, and ops produce contiguous
// tensors; what remains is transposed views.
void strided_copy(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim, float* dst) {
  walk_strided(shape, strides, dim, [&](int64_t i, int64_t off) { dst[i] = src[off]; });
}

void gather_rows(const float* src, const int64_t* rows, int64_t n, int64_t row, float* dst) {
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(dst + i * row, src + rows[i] * row, static_cast<size_t>(row) * sizeof(float));
}

}  // namespace nerve::kernels
