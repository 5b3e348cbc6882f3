// The product a recurrent layer repeats at every timestep, rows x W with the same W (the
// recurrent kernel, or its transpose in backpropagation through time), with W packed ONCE per
// sequence into the GEMM micro-kernels' column panels. sgemm packed it again at every step: a
// 128 x 512 recurrent kernel is 256 KiB of copying per step, 16% of an LSTM(128) training step at
// batch 64 (perf, one thread). The rows are multiplied by the same micro-kernels, K panels and
// blocking as sgemm's packed path (cpu/gemm/README.md), so each element is summed in the order
// that path sums it (tests/cpp/test_recurrent_product.cpp checks it against a double reference).
#pragma once
#include <cstdint>

#include "cpu/aligned_buffer.h"

namespace nerve::gemm_detail {
struct GemmKernel;
}

namespace nerve::kernels {

class PackedRecurrentMatrix {
 public:
  // op(W) is K x N: W stored K x N with row stride ldw (trans false), or N x K (trans true).
  // Uses the GEMM kernel of the active ISA.
  PackedRecurrentMatrix(bool trans, const float* W, int64_t ldw, int64_t K, int64_t N);

  // Rows per micro-kernel call (the kernel's MR): callers working on row tiles make them at most
  // this tall.
  int64_t tile_rows() const;

  // C[i, :] = A[i, :] op(W) + beta * C[i, :] (+ bias[j] when bias is not null), i < m. A has
  // row stride lda, C row stride ldc; with beta == 0, C is not read. Single-threaded: each
  // thread of a recurrent kernel multiplies its own batch rows.
  void multiply(const float* A, int64_t lda, int64_t m, float beta, const float* bias, float* C, int64_t ldc) const;

 private:
  const gemm_detail::GemmKernel& kr_;
  int64_t K_, N_;
  int64_t k_panels_, kc_;  // K in k_panels_ balanced panels of at most kc_ rows, as sgemm splits it
  AlignedBuffer panels_;   // K panel p, column panel q at panels_ + p * kc_ * Npad + q * NR * kc(p)
};

}  // namespace nerve::kernels
