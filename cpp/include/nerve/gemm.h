// The matrix-product entry point of nerve. Every Dense layer, convolution (im2col chunks, or the
// implicit GEMM sgemm_taps below, which runs on the same micro-kernels) and recurrent gate calls
// this; the kernels beneath it (packing, blocking, per-ISA micro-kernels, OpenMP) live in
// cpp/kernels/cpu/gemm and may change without touching any caller.
#pragma once
#include <cstdint>

#include "nerve/activation.h"

namespace nerve {

enum class Trans : uint8_t { No, Yes };

// Row-major single-precision GEMM:  C = alpha * op(A) * op(B) + beta * C
//   op(A) is M x K: A is stored M x K (Trans::No) or K x M (Trans::Yes), row stride lda.
//   op(B) is K x N: B is stored K x N (Trans::No) or N x K (Trans::Yes), row stride ldb.
//   C is M x N with row stride ldc. Any M, N, K >= 0. With beta == 0, C is not read (NaN in C
//   does not propagate), as BLAS specifies.
void sgemm(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// What to do with each finished row of C while it is still in cache:
//   C[i, j] = act(C[i, j] + bias[j])   (bias may be null; act may be Linear).
// Row activations (softmax, log_softmax, glu, sparsemax) are not element-wise and are rejected.
struct Epilogue {
  const float* bias = nullptr;
  Activation activation = Activation::Linear;
  float alpha = 0.0f;  // the activation's one parameter (ActivationParams::alpha)
};

void sgemm(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue);

// Mixed-precision GEMM (bfloat16 compute, float32 accumulation): the same contract as sgemm,
// except that every element of op(A) and op(B) is first rounded to bfloat16 (round_to_bf16,
// nerve/bfloat16.h). Products of two bfloat16 values are exact in float32, so the result differs
// from sgemm on the rounded operands only by the order of the float32 sums. The kernel is chosen
// at run time (cpu/gemm/README.md, "bfloat16").
void sgemm_bf16(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue = Epilogue{});

// Implicit GEMM (a convolution without an im2col matrix): a sum of `ntaps` GEMMs whose A operands
// are the same strided rows shifted by tap_off[t] floats. For i < M, j < N:
//   C[i*ldc + j] = act(beta * C[i*ldc + j] + bias[j]
//                      + sum_{t < ntaps, k < K} A[tap_off[t] + i*rs_a + k] * B[(t*K + k)*ldb + j])
// For one output row of an NHWC convolution: A = the zero-padded input rows it reads, rs_a =
// stride * channels, K = channels, B = the [KH*KW*K, N] kernel, tap_off[(kh, kw)] = the offset of
// that kernel cell. Single-threaded (callers split rows or images between threads); A and B are
// read in place, nothing is packed. With beta == 0, C is not read.
void sgemm_taps(int64_t M, int64_t N, int64_t K, const float* A, int64_t rs_a, const int64_t* tap_off, int ntaps,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue);

}  // namespace nerve
