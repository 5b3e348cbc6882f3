// The im2col part of conv2d's backward pass, shared by the float32 (conv2d.cpp, through sgemm)
// and mixed_bfloat16 (conv2d_bf16.cpp, through sgemm_bf16) kernels: the same chunking, the same
// per-thread partial sums, only the GEMM differs.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cpu/conv/conv_kernels.h"
#include "nerve/activation.h"
#include "nerve/gemm.h"

namespace nerve::conv_kernels {

// Target size of one chunk's patch matrix (floats): about an L2 cache, so im2col's output is
// still cached when the GEMM packs it. A chunk is at least one output row.
constexpr int64_t kPatchBudgetFloats = (1 << 20) / sizeof(float);

// Output rows (of OW pixels) per chunk.
inline int64_t rows_per_chunk(const ConvGeometry& g) {
  const int64_t per_row = std::max<int64_t>(1, g.w.out * g.patch());
  return std::max<int64_t>(1, kPatchBudgetFloats / per_row);
}

// dZ, the gradient before the fused activation, for one thread's share [lo, hi) of the
// batch's output floats: dy itself under a linear activation, else written into dz_all. The
// returned pointer is at image 0, like dy.
inline const float* pre_activation_grad(Activation act, float alpha, const float* y, const float* dy, float* dz_all,
                                        int64_t lo, int64_t hi) {
  if (act == Activation::Linear) return dy;
  activation_backward(act, alpha, nullptr, y + lo, dy + lo, dz_all + lo, hi - lo);
  return dz_all;
}

// One thread's share, output rows [row_begin, row_end) (dz at image 0), in chunks of
// rows_per_chunk(g) rows through the patch matrix `cols`: bias sums into db_t (`sums`: F floats
// of room), dW^T [F, P] += dZ^T cols into dwt_t, dx += col2im(dZ W^T). A null db_t, dwt_t or dx
// skips that gradient. `gemm` takes sgemm's arguments (Trans, Trans, M, N, K, alpha, A, lda, B,
// ldb, beta, C, ldc).
template <class Gemm>
void im2col_backward_rows(Gemm&& gemm, const float* x, const float* w, const float* dz, const ConvGeometry& g,
                          int64_t row_begin, int64_t row_end, float* sums, float* db_t, float* dwt_t, float* dx) {
  const int64_t OW = g.w.out, P = g.patch(), F = g.F, chunk = rows_per_chunk(g);
  float* cols = scratch(0, chunk * OW * P);
  for (int64_t r0 = row_begin; r0 < row_end; r0 += chunk) {
    const int64_t r1 = std::min(row_end, r0 + chunk), r = (r1 - r0) * OW;
    const float* dz_c = dz + r0 * OW * F;
    if (db_t) {
      column_sums(dz_c, r, F, sums);
      for (int64_t f = 0; f < F; ++f) db_t[f] += sums[f];
    }
    if (dwt_t) {
      im2col(x, g, r0, r1, cols);
      gemm(Trans::Yes, Trans::No, F, P, r, 1.f, dz_c, F, cols, P, 1.f, dwt_t, P);
    }
    if (dx) {
      gemm(Trans::No, Trans::Yes, r, P, F, 1.f, dz_c, F, w, F, 0.f, cols, P);
      col2im_add(cols, g, r0, r1, dx);
    }
  }
}

// db[f] = the sum over threads of the per-thread partial sums dbt [nt, F], in thread order. db may
// be dbt itself: each db[f] is written after its column is read, into thread 0's slot.
inline void add_thread_partials(const float* dbt, int nt, int64_t F, float* db) {
  for (int64_t f = 0; f < F; ++f) {
    float sum = 0.f;
    for (int t = 0; t < nt; ++t) sum += dbt[t * F + f];
    db[f] = sum;
  }
}

}  // namespace nerve::conv_kernels
