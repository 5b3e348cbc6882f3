// conv2d under mixed_bfloat16: every product of the forward and backward passes is an im2col
// chunk times the kernel through sgemm_bf16 (operands rounded to bfloat16, float32 sums), so a
// convolution computes exactly what a bfloat16 GEMM on its patch matrix would. Not Winograd (its
// transforms of rounded operands are not products of bfloat16 values) and not the implicit GEMM
// (sgemm_taps has no bfloat16 form); how fast this is depends on sgemm_bf16's kernel.
//
// Forward: threads split output rows; per chunk cols = im2col(x), y = act(cols W + b).
// Backward: threads split the batch; per chunk dW^T += dZ^T cols (a partial sum per thread, added
// up at the end in a fixed order), dX = col2im(dZ W^T); db = column sums of dZ.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/aligned_buffer.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/conv/conv_threads.h"
#include "cpu/conv/im2col_backward.h"
#include "nerve/gemm.h"

namespace nerve::conv_kernels {

void conv2d_bf16_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                         float* y) {
  const int64_t OW = g.w.out, P = g.patch(), F = g.F, chunk = rows_per_chunk(g);
  split_batch(row_threads(N * g.h.out), N * g.h.out, [&](int, int64_t r0, int64_t r1) {
    float* cols = scratch(0, chunk * OW * P);
    for (int64_t c0 = r0; c0 < r1; c0 += chunk) {
      const int64_t c1 = std::min(r1, c0 + chunk);
      im2col(x, g, c0, c1, cols);
      sgemm_bf16(Trans::No, Trans::No, (c1 - c0) * OW, F, P, 1.f, cols, P, w, F, 0.f, y + c0 * OW * F, F, ep);
    }
  });
}

void conv2d_bf16_backward(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g,
                          int64_t N, Activation act, float alpha, float* dx, float* dw, float* db) {
  const int64_t P = g.patch(), F = g.F, rows = g.rows_per_image(), in_image = g.H * g.W * g.C;
  const bool need_dx = dx != nullptr, need_dw = dw != nullptr, need_db = db != nullptr;
  const int nt = batch_threads(N);
  // dZ, the gradient before the fused activation (float32: only products are rounded).
  AlignedBuffer dz_all(act != Activation::Linear ? N * rows * F : 0);
  std::vector<float> dwt(need_dw ? static_cast<size_t>(nt * F * P) : 0, 0.f);  // dW^T [F, P] per thread
  std::vector<float> dbt(need_db ? static_cast<size_t>(nt * F) : 0, 0.f);
  split_batch(nt, N, [&](int t, int64_t n0, int64_t n1) {
    const float* dz = pre_activation_grad(act, alpha, y, dy, dz_all.data(), n0 * rows * F, n1 * rows * F);
    if (need_dx) std::fill(dx + n0 * in_image, dx + n1 * in_image, 0.f);
    std::vector<float> sums(need_db ? static_cast<size_t>(F) : 0);
    im2col_backward_rows([](auto... a) { sgemm_bf16(a...); }, x, w, dz, g, n0 * g.h.out, n1 * g.h.out, sums.data(),
                         need_db ? dbt.data() + t * F : nullptr, need_dw ? dwt.data() + t * F * P : nullptr,
                         need_dx ? dx : nullptr);
  });
  if (need_db) add_thread_partials(dbt.data(), nt, F, db);
  for (int64_t p = 0; need_dw && p < P; ++p)
    for (int64_t f = 0; f < F; ++f) {
      float sum = 0.f;
      for (int t = 0; t < nt; ++t) sum += dwt[(t * F + f) * P + p];
      dw[p * F + f] = sum;
    }
}

}  // namespace nerve::conv_kernels
