// CPU kernels for the element-wise work, reductions and softmax (Eigen-vectorised at the baseline ISA).
// The matrix product is not here: it is nerve::sgemm (nerve/gemm.h).
#pragma once
#include <cstdint>

namespace nerve::kernels {

void add(const float* a, const float* b, float* out, int64_t n);
void sub(const float* a, const float* b, float* out, int64_t n);
void mul(const float* a, const float* b, float* out, int64_t n);
void scale(const float* a, float s, float* out, int64_t n);
void axpy(float alpha, const float* x, float* y, int64_t n);  // y += alpha * x
double sum(const float* a, int64_t n);
// out[j] = sum_i x[i*cols + j]   (column sums of a rows x cols matrix)
void column_sums(const float* x, int64_t rows, int64_t cols, float* out);
// Row-wise softmax of a rows x cols matrix; y may alias x.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols);
// Its adjoint from the output: dx = y * (dy - <dy, y>) per row.
void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols);
// True when none of the n floats is an Inf or a NaN.
bool all_finite(const float* a, int64_t n);

}  // namespace nerve::kernels
