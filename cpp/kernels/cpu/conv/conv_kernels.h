// NHWC data-movement kernels beneath the convolution ops: im2col / col2im and per-channel sums.
// Parallel over images or rows with OpenMP (parallel_for); deterministic for a thread count.
#pragma once
#include <cstdint>

#include "kernel_table.h"
#include "nerve/gemm.h"
#include "nerve/ops/convolutional.h"

namespace nerve::conv_kernels {

using nerve::ConvGeometry;  // kernel_table.h

// The conv family's entries (conv2d.cpp): y = act(conv(x, w) + bias) with the epilogue, and the
// gradients dx, dw, db (each null when not wanted) from dy at the output of the fused activation.
void conv2d_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep, float* y);
void conv2d_backward(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g, int64_t N,
                     Activation act, float alpha, float* dx, float* dw, float* db);
// conv2d under mixed_bfloat16 (conv2d_bf16.cpp): the same contract, every product on sgemm_bf16.
void conv2d_bf16_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                         float* y);
void conv2d_bf16_backward(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g,
                          int64_t N, Activation act, float alpha, float* dx, float* dw, float* db);
// conv2d with few filters (conv_few_filters.cpp): GEMMs over taps * filters columns, then a
// gather (forward) or its adjoint (backward). use_few_filters says when conv2d runs them; dz is the
// gradient at the convolution's output (before any fused activation).
bool use_few_filters(const ConvGeometry& g);
void conv2d_few_filters_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                                float* y);
void conv2d_few_filters_backward(const float* x, const float* w, const float* dz, const ConvGeometry& g, int64_t N,
                                 float* dx, float* dw, float* db);
// conv1d (conv1d.cpp): im2col into col, one sgemm with the bias epilogue; and its gradients.
void conv1d_forward(const float* x, const float* w, const float* bias, const Conv1DGeometry& g, float* col, float* y);
void conv1d_backward(const float* dz, const float* w, const float* col, const Conv1DGeometry& g, float* dx, float* dw,
                     float* db);

// conv2d_transpose (conv2d_transpose.cpp): the adjoint of conv2d_forward, run by conv2d's own
// kernels (g is the geometry of the conv2d whose input gradient the forward is).
void conv2d_transpose_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                              float* y);
void conv2d_transpose_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                               float* dx, float* dw, float* db);
// The same two under mixed_bfloat16 (conv2d_transpose_bf16.cpp), on conv2d's bfloat16 kernels.
void conv2d_transpose_bf16_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                                   float* y);
void conv2d_transpose_bf16_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                                    float* dx, float* dw, float* db);

// The depthwise convolution (depthwise_conv2d.cpp): x [N, H, W, C], w [KH, KW, C, M] with g.F = C * M,
// bias [C * M] (may be null) -> y [N, OH, OW, C * M], output channel c * M + m (Keras's order); and
// its gradients dx, dw, db (each null when not wanted) from dy.
void depthwise_conv2d_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                              float* y);
void depthwise_conv2d_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                               float* dx, float* dw, float* db);

// Output rows are numbered r = n * OH + oh over the batch; x and dx point at image 0.
// cols [(row_end - row_begin) * OW, KH * KW * C]: the row for output pixel (n, oh, ow) holds the
// input patch that pixel reads, in kernel order (kh, kw, c); cells in the padding are zero.
void im2col(const float* x, const ConvGeometry& g, int64_t row_begin, int64_t row_end, float* cols);
// The adjoint of im2col for those output rows: adds each patch cell back into dx (serial: the
// caller owns the images these rows read, and zeroes dx first).
void col2im_add(const float* cols, const ConvGeometry& g, int64_t row_begin, int64_t row_end, float* dx);

// The convolution's output rows [row_begin, row_end) (rows r = n * OH + oh over the batch, y at
// image 0) as an implicit GEMM, with no im2col matrix: the input rows a block of output rows reads
// are copied once into a zero-padded window (scratch slot 2), then sgemm_taps adds up the KH * KW
// shifted products with w [KH * KW * C, F] and applies the epilogue. Serial: callers split rows.
void conv_rows_implicit(const float* x, const ConvGeometry& g, const float* w, float* y, const Epilogue& ep,
                        int64_t row_begin, int64_t row_end);
// Where an output row goes: row (n, oh) starts at y + n * image + oh * row and its pixels are
// `pixel` floats apart. The plain [N, OH, OW, F] layout is {OH * OW * F, OW * F, F}; a
// transposed convolution's sub-pixel phases write every s-th row and pixel of a larger image.
struct OutputLayout {
  int64_t image, row, pixel;
};
void conv_rows_implicit(const float* x, const ConvGeometry& g, const float* w, float* y, const OutputLayout& out,
                        const Epilogue& ep, int64_t row_begin, int64_t row_end);

// Whether conv_rows_implicit runs a block of output rows as one GEMM (stride 1, rows narrower than
// 32 pixels, the padded grid at most a quarter wider): then its register tiles are full whatever
// the row width, and the taps of even a 1-channel input (K = 1 per tap) add up in the registers.
bool implicit_flat_rows(const ConvGeometry& g);

// dW [KH * KW * C, F] += the kernel gradient from output rows [row_begin, row_end), stride 1 only,
// with no im2col matrix: per block of rows, the padded input window (scratch slot 2) and dZ laid
// on the same padded grid (slot 3, zeros past each row's OW pixels), then one sgemm per kernel
// cell, dW[t] += window(t)^T dZ, whose K runs over every pixel of the block. Serial.
void conv_kernel_grad_implicit(const float* x, const float* dz, const ConvGeometry& g, float* dw, int64_t row_begin,
                               int64_t row_end);

// out[c] = sum over rows of x[r, c] for a rows x cols matrix (parallel, fixed reduction order).
void column_sums(const float* x, int64_t rows, int64_t cols, float* out);

// y[r, c] += bias[c] for a rows x cols matrix: the bias of a transposed convolution, whose
// products (col2im) cannot fuse it.
void add_row_bias(float* y, const float* bias, int64_t rows, int64_t cols);

// A per-thread scratch buffer that only grows: the im2col matrix is reused across calls instead
// of being faulted in afresh each step.
float* scratch(int slot, int64_t floats);

}  // namespace nerve::conv_kernels
