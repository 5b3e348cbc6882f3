// AVX512-BF16 micro-kernel: 14 x 32 block of C in 28 zmm accumulators; per pair of k, 2 loads of
// the packed B panels (16 (k, k+1) pairs each), 14 broadcasts of an A pair and 28 VDPBF16PS (each
// 16 lanes x 2 products summed into float32). Compiled with the AVX-512 flags plus -mavx512bf16
// only (../../CMakeLists.txt); reached only when CPUID reports AVX512-BF16 (nerve/runtime.h).
#include <immintrin.h>

#include "kernel_bf16.h"
#include "pack_bf16_impl.h"

namespace nerve::gemm_detail {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;
// Blocks measured on Zen 4 (2-vCPU AMD EPYC, one thread; gemm README "bfloat16"). K panels of up
// to 512, 1024 for narrow products (N <= 128: a convolution's patch matrix times its few
// filters, where every panel past the first re-reads and rewrites C); A rows 1024 + 32 apart (64
// bytes over a power of two: the 14 rows of a micro-panel fall in different L1 sets); B outer
// with 448-row A blocks.
constexpr int KC = 512;
constexpr int KC_NARROW = 1024;
constexpr int KCP = 1024 + 32;  // row stride of the packed A block (bfloat16 elements)
constexpr int MC = 448;

// acc[M x 32] = A rows (stride KCP) x the two 16-column B panels b0, b1 over kp pairs of k.
template <int M>
void ukernel(int64_t kp, const uint16_t* a, const uint16_t* b0, const uint16_t* b1, float* acc) {
  __m512 c0[M], c1[M];
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
  const int* ap = reinterpret_cast<const int*>(a);  // row r, pair p at ap[r * KCP / 2 + p]
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh vb0 = (__m512bh)_mm512_load_si512(b0 + p * 32);
    const __m512bh vb1 = (__m512bh)_mm512_load_si512(b1 + p * 32);
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r) {
      const __m512bh va = (__m512bh)_mm512_set1_epi32(ap[r * (KCP / 2) + p]);
      c0[r] = _mm512_dpbf16_ps(c0[r], va, vb0);
      c1[r] = _mm512_dpbf16_ps(c1[r], va, vb1);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) {
    _mm512_storeu_ps(acc + r * NR, c0[r]);
    _mm512_storeu_ps(acc + r * NR + 16, c1[r]);
  }
}

using UkFn = void (*)(int64_t, const uint16_t*, const uint16_t*, const uint16_t*, float*);
template <int... Ms>
struct Table {
  static constexpr UkFn fns[sizeof...(Ms) + 1] = {nullptr, &ukernel<Ms>...};
};
constexpr const UkFn* kUk = Table<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14>::fns;

// Row tiles outer (the MR x kcp A rows, 14 KiB at kc = 512, 28 KiB at 1024, stay in L1),
// 32-column tiles inner (the B block streams from L2).
void macro(const uint16_t* a, int64_t m, const uint16_t* b, int64_t n, int64_t kcp, float* c, int64_t ldc,
           const UkArgs& args) {
  alignas(64) float acc[MR * NR];
  UkArgs tile = args;
  for (int64_t i = 0; i < m; i += MR) {
    const int mm = m - i < MR ? static_cast<int>(m - i) : MR;
    for (int64_t j = 0; j < n; j += NR) {
      const int nn = n - j < NR ? static_cast<int>(n - j) : NR;
      const uint16_t* bp = b + j * kcp;  // panel j/16 at (j/16) * kcp * 16
      kUk[mm](kcp / 2, a + i * KCP, bp, bp + 16 * kcp, acc);
      tile.bias = args.bias ? args.bias + j : nullptr;
      writeback_bf16(acc, mm, nn, c + i * ldc + j, ldc, tile);
    }
  }
}

void pack_a(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc, int64_t kcp,
            uint16_t* dst) {
  pack_a_bf16<KCP, 1>(trans, A, lda, i0, m, k0, kc, kcp, dst);
}

void pack_b(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t kcp, int64_t j0, int64_t n,
            uint16_t* dst) {
  pack_b_bf16<NR>(trans, B, ldb, k0, kc, kcp, j0, n, dst);
}

const GemmKernelBf16 kKernel = {
    "avx512bf16_14x32", 1, NR, MC, KC, 512, KCP, KC_NARROW, true, &pack_a, &pack_b, &macro, nullptr, nullptr,
};

}  // namespace

const GemmKernelBf16* gemm_kernel_avx512bf16() { return &kKernel; }

}  // namespace nerve::gemm_detail
