// NHWC data-movement kernels beneath the convolution ops: im2col / col2im and per-channel sums.
// Parallel over images or rows with OpenMP (parallel_for); deterministic for a thread count.
#pragma once
#include <cstdint>

#include "nerve/conv_ops.h"

namespace nerve::conv_kernels {

// The geometry of one conv2d call: input [N, H, W, C], kernel [KH, KW, C, F], output [N, OH, OW, F].
struct ConvGeometry {
  int64_t H, W, C, F;
  Window1D h, w;
  int64_t rows_per_image() const { return h.out * w.out; }
  int64_t patch() const { return h.kernel * w.kernel * C; }  // columns of the im2col matrix
};

// cols [images * OH * OW, KH * KW * C]: row (n, oh, ow) holds the input patch that output pixel
// reads, in kernel order (kh, kw, c); cells in the padding are zero. x points at image 0.
void im2col(const float* x, int64_t images, const ConvGeometry& g, float* cols);
// The adjoint of im2col: dx[n] = sum of every patch column that read it (dx is overwritten).
void col2im(const float* cols, int64_t images, const ConvGeometry& g, float* dx);

// out[c] = sum over rows of x[r, c] for a rows x cols matrix (parallel, fixed reduction order).
void column_sums(const float* x, int64_t rows, int64_t cols, float* out);

// A per-thread scratch buffer that only grows: the im2col matrix is reused across calls instead
// of being faulted in afresh each step.
float* scratch(int slot, int64_t floats);

}  // namespace nerve::conv_kernels
