// CPU kernels of the pooling family (kernel_table.h): 2-D windows and global pooling on NHWC
// images (pool2d.cpp; the 1-D window poolings run them on a one-column image), masked global
// average pooling over time (pool1d.cpp).
#pragma once
#include <cstdint>

#include "kernel_table.h"

namespace nerve::kernels {

void max_pool2d_forward(const float* x, const PoolGeometry& g, float* y);
void max_pool2d_backward(const float* x, const float* y, const float* dy, const PoolGeometry& g, float* dx);
void avg_pool2d_forward(const float* x, const PoolGeometry& g, float* y);
void avg_pool2d_backward(const float* dy, const PoolGeometry& g, float* dx);
void global_pool2d_forward(bool max, const float* x, int64_t N, int64_t HW, int64_t C, float* y);
void global_pool2d_backward(bool max, const float* x, const float* y, const float* dy, int64_t N, int64_t HW, int64_t C,
                            float* dx);
void global_avg_pool1d_forward(const float* x, const float* mask, int64_t B, int64_t T, int64_t C, float* weight,
                               float* y);
void global_avg_pool1d_backward(const float* dy, const float* weight, int64_t B, int64_t T, int64_t C, float* dx);

}  // namespace nerve::kernels
