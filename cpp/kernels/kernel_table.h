// The kernel table of a device: every kernel an op reaches, as typed function pointers grouped by
// family. An op validates shapes, records its autograd node and calls
// kernels_for(op, device).<family>.<kernel>(...) (ops/dispatch.h); a device fills in the entries
// it supports and leaves the rest null, which the op reports as "op 'x' has no kernel on device y".
//
// Pointers are the device's own memory (what its Allocator returned, plus offsets); sizes count
// floats; every tensor argument is contiguous. A kernel runs to completion before it returns (no
// streams yet). One call per op or per block of rows, never per element: the table costs one
// indirect call where a direct call used to be.
#pragma once
#include <cstdint>

#include "nerve/activation.h"
#include "nerve/gemm.h"
#include "nerve/ops/convolutional.h"

namespace nerve {

// Data movement beneath Tensor itself (creation, contiguous(), the trainer's batches).
struct TensorKernels {
  void (*fill)(float* out, float value, int64_t n) = nullptr;
  // dst (contiguous, shape) = src read through `strides` (in floats); dim may be 0.
  void (*strided_copy)(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim,
                       float* dst) = nullptr;
  // dst[i, :] = src[rows[i], :] for i < n, each row `row` floats; rows already range-checked.
  void (*gather_rows)(const float* src, const int64_t* rows, int64_t n, int64_t row, float* dst) = nullptr;
  // The same with src in host memory: how a host batch lands straight in device memory.
  void (*gather_rows_from_host)(const float* host_src, const int64_t* rows, int64_t n, int64_t row,
                                float* dst) = nullptr;
};

// Element-wise arithmetic and reductions over n floats.
struct ElementwiseKernels {
  void (*add)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*sub)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*mul)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*scale)(const float* a, float s, float* out, int64_t n) = nullptr;
  void (*axpy)(float alpha, const float* x, float* y, int64_t n) = nullptr;  // y += alpha * x
  // The total, summed in double in a fixed order (deterministic), returned to the host.
  double (*sum)(const float* a, int64_t n) = nullptr;
  // out[j] = sum_i x[i*cols + j]
  void (*column_sums)(const float* x, int64_t rows, int64_t cols, float* out) = nullptr;
  bool (*all_finite)(const float* a, int64_t n) = nullptr;
};

// Activations (nerve/activation.h lists them) and softmax over the last axis.
struct ActivationKernels {
  void (*forward)(Activation a, const ActivationParams& p, const float* x, float* y, int64_t n) = nullptr;
  void (*backward)(Activation a, const ActivationParams& p, const float* x, const float* y, const float* dy, float* dx,
                   int64_t n) = nullptr;
  void (*rows_forward)(Activation a, const float* x, float* y, int64_t rows, int64_t cols) = nullptr;
  void (*rows_backward)(Activation a, const float* x, const float* y, const float* dy, float* dx, int64_t rows,
                        int64_t cols) = nullptr;
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t cols) = nullptr;
  // dx = y * (dy - <dy, y>) per row.
  void (*softmax_rows_backward)(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) = nullptr;
};

// The matrix products (nerve/gemm.h says what each computes).
struct GemmKernels {
  void (*sgemm)(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue) = nullptr;
};

// The geometry of one conv2d call: input [N, H, W, C], kernel [KH, KW, C, F], output [N, OH, OW, F].
struct ConvGeometry {
  int64_t H, W, C, F;
  Window1D h, w;
  int64_t rows_per_image() const { return h.out * w.out; }
  int64_t patch() const { return h.kernel * w.kernel * C; }  // columns of the im2col matrix
};

// Convolutions on NHWC images (the algorithm, e.g. Winograd, is the device's choice).
struct ConvKernels {
  // y [N, OH, OW, F] = act(conv(x, w) + bias), bias and activation from the epilogue.
  void (*conv2d_forward)(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                         float* y) = nullptr;
  // From dy at the output of the fused activation `act` (y: that output): dx [N, H, W, C],
  // dw [KH, KW, C, F], db [F]; each null when not wanted.
  void (*conv2d_backward)(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g,
                          int64_t N, Activation act, float alpha, float* dx, float* dw, float* db) = nullptr;
};

// One optimizer step: the rule and its scalars, worked out on the host by the optimizer (schedule,
// bias corrections, Nadam's momentum product), so that the device runs only the element loop.
enum class UpdateRule : unsigned char {
  Sgd,
  SgdMomentum,
  SgdNesterov,
  Adam,
  AdamAmsgrad,
  Rmsprop,
  Adagrad,
  Adadelta,
  Adamax,
  Nadam
};
struct UpdateStep {
  UpdateRule rule = UpdateRule::Sgd;
  float lr = 0.f;
  float decay = 0.f;  // p -= p * decay before the rule (weight_decay * lr; 0: off)
  float c[6] = {};    // the rule's scalars, named where each rule is computed (cpu/optim/updates.cpp)
  bool centered = false, momentum = false;  // RMSprop's variants
};

// Optimizer updates and gradient clipping. An update changes p and the slots in place.
struct OptimizerKernels {
  void (*update)(const UpdateStep& s, float* p, const float* g, float* slot0, float* slot1, float* slot2,
                 int64_t n) = nullptr;
  double (*sum_squares)(const float* a, int64_t n) = nullptr;       // in double, fixed order
  void (*clip)(float* a, float lo, float hi, int64_t n) = nullptr;  // in place
};

struct KernelTable {
  TensorKernels tensor;
  ElementwiseKernels elementwise;
  ActivationKernels activation;
  GemmKernels gemm;
  ConvKernels conv;
  OptimizerKernels optimizer;
};

// The CPU backend's table (cpp/kernels/cpu/kernel_table.cpp); other host-memory devices may copy it.
const KernelTable& cpu_kernel_table();

}  // namespace nerve
