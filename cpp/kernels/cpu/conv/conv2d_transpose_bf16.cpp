// conv2d_transpose under mixed_bfloat16. As in float32 (conv2d_transpose.cpp) the transposed
// convolution runs on conv2d's kernels with input and output swapped, here conv2d's bfloat16 ones
// (conv2d_bf16.cpp: im2col / col2im around sgemm_bf16), so every product rounds both operands:
//   forward  y  = conv2d's dX product with dz = x   (dZ W^T, then col2im), + bias in float32
//   dx          = conv2d forward of dy               (im2col(dy) W)
//   dw          = conv2d's dW product with input dy and dz = x
//   db          = per-channel sums of dy (no product: float32)
// The strided float32 forward's sub-pixel phases (implicit GEMM) have no bfloat16 form: the
// forward is always GEMM + col2im here.
#include <cstdint>

#include "cpu/conv/conv_kernels.h"

namespace nerve::conv_kernels {

void conv2d_transpose_bf16_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                                   float* y) {
  // conv2d_bf16_backward reads its input only for dw and its output only for a fused activation.
  conv2d_bf16_backward(nullptr, w, nullptr, x, g, N, Activation::Linear, 0.f, y, nullptr, nullptr);
  if (bias != nullptr) add_row_bias(y, bias, N * g.H * g.W, g.C);
}

void conv2d_transpose_bf16_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                                    float* dx, float* dw, float* db) {
  if (dx != nullptr) conv2d_bf16_forward(dy, w, g, N, Epilogue{}, dx);
  if (dw != nullptr) conv2d_bf16_backward(dy, w, nullptr, x, g, N, Activation::Linear, 0.f, nullptr, dw, nullptr);
  if (db != nullptr) column_sums(dy, N * g.H * g.W, g.C, db);
}

}  // namespace nerve::conv_kernels
