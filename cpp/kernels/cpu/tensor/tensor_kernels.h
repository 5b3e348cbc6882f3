// CPU data movement beneath Tensor: fills, strided copies and row gathers (the kernel table's
// tensor family).
#pragma once
#include <cstdint>

namespace nerve::kernels {

void fill(float* out, float value, int64_t n);
void strided_copy(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim, float* dst);
void gather_rows(const float* src, const int64_t* rows, int64_t n, int64_t row, float* dst);

}  // namespace nerve::kernels
