// conv2d_transpose on the CPU. A transposed convolution is the adjoint of a convolution, so it runs
// on conv2d's kernels (Winograd, implicit GEMM, im2col/col2im, as conv2d.cpp chooses) with the
// roles of input and output swapped, for the conv2d geometry g that maps y's shape to x's:
//   forward  y  = conv2d's input gradient with dz = x
//   dx          = conv2d forward of dy
//   dw          = conv2d's kernel gradient with input dy and dz = x
//   db          = per-channel sums of dy
#include "cpu/conv/conv_kernels.h"

namespace nerve::conv_kernels {

void conv2d_transpose_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                              float* y) {
  // conv2d_backward reads its input only for dw and its output only for a fused activation.
  conv2d_backward(nullptr, w, nullptr, x, g, N, Activation::Linear, 0.f, y, nullptr, nullptr);
  if (bias == nullptr) return;
  const int64_t pixels = N * g.H * g.W, C = g.C;
  for (int64_t p = 0; p < pixels; ++p) {
    float* row = y + p * C;
    for (int64_t c = 0; c < C; ++c) row[c] += bias[c];
  }
}

void conv2d_transpose_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                               float* dx, float* dw, float* db) {
  if (dx != nullptr) conv2d_forward(dy, w, g, N, Epilogue{}, dx);
  if (dw != nullptr) conv2d_backward(dy, w, nullptr, x, g, N, Activation::Linear, 0.f, nullptr, dw, nullptr);
  if (db != nullptr) column_sums(dy, N * g.H * g.W, g.C, db);
}

}  // namespace nerve::conv_kernels
