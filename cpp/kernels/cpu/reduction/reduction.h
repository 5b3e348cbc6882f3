// CPU kernels of the reduction family (kernel_table.h): reductions over the last axis of a
// [rows, cols] matrix, their gradients, and argmax / argmin.
#pragma once
#include <cstdint>

#include "kernel_table.h"

namespace nerve::kernels {

void reduce_rows(ReduceKind kind, const float* x, int64_t rows, int64_t cols, float* out);
void reduce_rows_backward(ReduceKind kind, const float* x, const float* y, const float* dy, int64_t rows, int64_t cols,
                          float* dx);
void arg_rows(bool max, const float* x, int64_t rows, int64_t cols, float* out);

}  // namespace nerve::kernels
