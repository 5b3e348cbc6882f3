// PackedRecurrentMatrix (recurrent_product.h): the recurrent kernel packed once per sequence, and
// the per-step row products on the GEMM's own micro-kernels (cpu/gemm/kernel.h).
#include "cpu/recurrent/recurrent_product.h"

#include <algorithm>

#include "cpu/gemm/kernel.h"
#include "nerve/runtime.h"

namespace nerve::kernels {

namespace {

using gemm_detail::GemmKernel;
using gemm_detail::UkArgs;

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The packed rows of one row tile and one K panel: small (MR x kcp floats, 21 KiB on AVX-512),
// kept per thread so a step allocates nothing.
float* a_tile_buffer(int64_t floats) {
  thread_local AlignedBuffer buffer(0);
  thread_local int64_t capacity = 0;
  if (floats > capacity) {
    buffer = AlignedBuffer(floats);
    capacity = floats;
  }
  return buffer.data();
}

}  // namespace

PackedRecurrentMatrix::PackedRecurrentMatrix(bool trans, const float* W, int64_t ldw, int64_t K, int64_t N)
    : kr_(gemm_detail::gemm_kernel_for(active_isa())), K_(K), N_(N),
      // sgemm's balanced K panels (gemm.cpp, gemm_blocked): the same sums in the same order.
      k_panels_(K > 0 ? ceil_div(K, kr_.kc) : 0), kc_(K > 0 ? ceil_div(K, k_panels_) : 0),
      panels_(K * ceil_div(N, kr_.nr) * kr_.nr) {
  const int64_t n_padded = ceil_div(N, kr_.nr) * kr_.nr;
  for (int64_t p = 0; p < k_panels_; ++p) {
    const int64_t pc = p * kc_, kc = std::min(kc_, K - pc);
    kr_.pack_b(trans, W, ldw, pc, kc, 0, N, panels_.data() + pc * n_padded);
  }
}

int64_t PackedRecurrentMatrix::tile_rows() const { return kr_.mr; }

void PackedRecurrentMatrix::multiply(const float* A, int64_t lda, int64_t m, float beta, const float* bias, float* C,
                                     int64_t ldc) const {
  if (m <= 0 || N_ == 0) return;
  const int64_t MR = kr_.mr, NR = kr_.nr, n_padded = ceil_div(N_, NR) * NR;
  if (K_ == 0) {  // no product: C = beta C + bias
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < N_; ++j)
        C[i * ldc + j] = (beta == 0.f ? 0.f : beta * C[i * ldc + j]) + (bias ? bias[j] : 0.f);
    return;
  }
  float* a_tile = a_tile_buffer(MR * kr_.kcp);
  for (int64_t i0 = 0; i0 < m; i0 += MR) {
    const int rows = static_cast<int>(std::min(MR, m - i0));
    const auto ukernel = kr_.ukernel_rows[rows];
    for (int64_t p = 0; p < k_panels_; ++p) {
      const int64_t pc = p * kc_, kc = std::min(kc_, K_ - pc);
      const bool last = p + 1 == k_panels_;
      kr_.pack_a_rows(false, A, lda, i0, rows, pc, kc, a_tile);
      UkArgs args;
      args.beta = p == 0 ? beta : 1.f;
      const float* panel = panels_.data() + pc * n_padded;
      for (int64_t j0 = 0; j0 < N_; j0 += NR) {
        args.bias = last && bias ? bias + j0 : nullptr;
        ukernel(kc, a_tile, panel + j0 * kc, C + i0 * ldc + j0, ldc, static_cast<int>(std::min(NR, N_ - j0)), args);
      }
    }
  }
}

}  // namespace nerve::kernels
