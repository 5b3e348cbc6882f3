// CPU kernels of the regularization family (kernel_table.h): dropout, random keep masks and the
// L1/L2 penalty, Gaussian noise.
#pragma once
#include <cstdint>

namespace nerve::kernels {

void dropout_forward(const float* x, float rate, uint64_t seed, float* y, uint8_t* keep, int64_t n);
void dropout_backward(const float* dy, const uint8_t* keep, float scale, float* dx, int64_t n);
void keep_mask(float rate, uint64_t seed, float* keep, int64_t n);
double penalty(const float* x, float l1, float l2, int64_t n);
void penalty_backward(const float* x, float l1, float two_l2, float* dx, int64_t n);
void normal_noise(float mean, float stddev, uint64_t seed, float* out, int64_t n);  // gaussian_noise.cpp

}  // namespace nerve::kernels
