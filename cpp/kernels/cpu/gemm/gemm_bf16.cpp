// sgemm_bf16 (gemm.h): the plain path, for every CPU: round op(A) and op(B) to bfloat16 into
// float32 copies and run sgemm on them. The AVX512-BF16 and AMX kernels replace it where the CPU
// has them.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "nerve/bfloat16.h"
#include "nerve/gemm.h"

namespace nerve {
namespace {

// Copy a rows x cols matrix (row stride ld) rounded to bfloat16, densely (row stride cols).
std::vector<float> rounded_copy(const float* src, int64_t rows, int64_t cols, int64_t ld) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[static_cast<size_t>(r * cols + c)] = round_to_bf16(src[r * ld + c]);
  return out;
}

}  // namespace

void sgemm_bf16(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument("sgemm_bf16: negative dimension (M=" + std::to_string(M) + ", N=" + std::to_string(N) +
                                ", K=" + std::to_string(K) + ")");
  if (M == 0 || N == 0 || K == 0) {
    sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);  // scaling/epilogue only; checks lds
    return;
  }
  const int64_t a_rows = ta == Trans::No ? M : K, a_cols = ta == Trans::No ? K : M;
  const int64_t b_rows = tb == Trans::No ? K : N, b_cols = tb == Trans::No ? N : K;
  if (lda < a_cols || ldb < b_cols) {  // let sgemm raise its message about the leading dimension
    sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    return;
  }
  const std::vector<float> a = rounded_copy(A, a_rows, a_cols, lda);
  const std::vector<float> b = rounded_copy(B, b_rows, b_cols, ldb);
  sgemm(ta, tb, M, N, K, alpha, a.data(), a_cols, b.data(), b_cols, beta, C, ldc, ep);
}

}  // namespace nerve
