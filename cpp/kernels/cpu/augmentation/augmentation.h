// CPU kernels of the augmentation family (kernel_table.h): per-sample flips and affine resampling of
// NHWC image batches, and RandomContrast's fused contrast.
#pragma once
#include <cstdint>

#include "kernel_table.h"

namespace nerve::kernels {

void flip_images(const float* x, const uint8_t* flip_height, const uint8_t* flip_width, int64_t N, int64_t H, int64_t W,
                 int64_t C, float* y);                                                            // flip.cpp
void affine_forward(const float* x, const AffineGeometry& g, const float* transforms, float* y);  // affine.cpp
void affine_backward(const float* dy, const AffineGeometry& g, const float* transforms, float* dx);
void contrast_forward(const float* x, const float* factors, int64_t N, int64_t H, int64_t W, int64_t C, float lo,
                      float hi, float* y);  // contrast.cpp
void contrast_backward(const float* x, const float* dy, const float* factors, int64_t N, int64_t H, int64_t W,
                       int64_t C, float lo, float hi, float* dx);

}  // namespace nerve::kernels
