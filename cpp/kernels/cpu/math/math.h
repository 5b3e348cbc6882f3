// CPU kernels of the Keras-named element-wise math (kernel_table.h, MathKernels): flat loops when
// the operands have the output's size or are one value, a strided loop over the output otherwise.
#pragma once
#include <cstdint>

#include "kernel_table.h"

namespace nerve::kernels {

void math_binary(BinaryOp op, const float* a, const float* b, float* out, const BroadcastGeometry& g);
void math_binary_backward(BinaryOp op, const float* a, const float* b, const float* y, const float* dy, float* da,
                          float* db, const BroadcastGeometry& g);
void math_unary(UnaryOp op, const float* x, float* y, int64_t n);
void math_unary_backward(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n);
void math_clip(const float* x, float lo, float hi, float* y, int64_t n);
void math_clip_backward(const float* x, float lo, float hi, const float* dy, float* dx, int64_t n);
void math_to_integer(const float* x, float lo, float hi, float* y, int64_t n);
void math_where(const float* condition, const float* x1, const float* x2, float* out, const BroadcastGeometry& g);
void math_where_backward(const float* condition, const float* dy, float* dx1, float* dx2, const BroadcastGeometry& g);
void math_ramp(double start, double step, float* out, int64_t n);
void math_band(int64_t rows, int64_t cols, int64_t lower, int64_t upper, float* out);
void math_argsort_rows(const float* x, int64_t rows, int64_t n, bool descending, float* idx);
void math_cumulative_rows(bool product, const float* x, int64_t rows, int64_t n, float* y);
void math_cumulative_rows_backward(bool product, const float* x, const float* dy, int64_t rows, int64_t n, float* dx);

}  // namespace nerve::kernels
