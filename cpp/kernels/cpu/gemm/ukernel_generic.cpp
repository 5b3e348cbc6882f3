// Portable micro-kernel: 6 x 8, plain C++ (no intrinsics, no extra -m flags). The compiler may
// auto-vectorise it for the baseline (SSE2 on x86-64); it runs on any CPU.
#include "kernel.h"
#include "pack_impl.h"

namespace nerve::gemm_detail {
namespace {

constexpr int MR = 6;
constexpr int KCP = 256;  // row stride of the row-panel A layout (= max kc)
constexpr int NR = 8;

template <int M>
inline __attribute__((always_inline)) void writeback(float (&acc)[M][NR], float* c, int64_t ldc, int n,
                                                     const UkArgs& args) {
  const float alpha = args.alpha, beta = args.beta;
  for (int r = 0; r < M; ++r) {
    float* cr = c + r * ldc;
    for (int j = 0; j < n; ++j) {
      float v = alpha * acc[r][j];
      if (beta != 0.f) v += beta * cr[j];
      if (args.bias) v += args.bias[j];
      if (args.relu) v = v < 0.f ? 0.f : v;  // NaN stays NaN
      cr[j] = v;
    }
    if (args.act_call) activation_forward(args.activation, args.act_alpha, cr, cr, n);
  }
}

template <int M, bool Rows>
void ukernel_packed(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int n,
                    const UkArgs& args) {
  constexpr int RS = Rows ? KCP : 1, CS = Rows ? 1 : MR;  // A element (r, k) at a[r*RS + k*CS]
  float acc[M][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < M; ++r)
      for (int j = 0; j < NR; ++j) acc[r][j] += a[r * RS] * b[j];
    a += CS;
    b += NR;
  }
  writeback<M>(acc, c, ldc, n, args);
}

template <int M>
void ukernel_sup(int64_t kk, const float* __restrict a, int64_t rs_a, int64_t cs_a, const float* __restrict b,
                 int64_t ldb, float* c, int64_t ldc, int n, const UkArgs& args) {
  float acc[M][NR] = {};
  for (int t = 0; t < args.ntaps; ++t) {
    const float* at = args.tap_off ? a + args.tap_off[t] : a;
    if (n == NR) {
      for (int64_t k = 0; k < kk; ++k) {
        for (int r = 0; r < M; ++r)
          for (int j = 0; j < NR; ++j) acc[r][j] += at[r * rs_a] * b[j];
        at += cs_a;
        b += ldb;
      }
    } else {
      for (int64_t k = 0; k < kk; ++k) {
        for (int r = 0; r < M; ++r)
          for (int j = 0; j < n; ++j) acc[r][j] += at[r * rs_a] * b[j];
        at += cs_a;
        b += ldb;
      }
    }
  }
  writeback<M>(acc, c, ldc, n, args);
}

void pack_a(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc, float* dst) {
  pack_a_impl<MR>(trans, A, lda, i0, m, k0, kc, dst);
}
void pack_a_rows(bool, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc, float* dst) {
  pack_a_rows_impl<MR, KCP>(A, lda, i0, m, k0, kc, dst);
}
void pack_b(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t n, float* dst) {
  pack_b_impl<NR>(trans, B, ldb, k0, kc, j0, n, dst);
}

// Multiply-add throughput of the portable path (8 x 4 independent chains; the compiler may use
// SSE2 mul+add, as the kernel does).
double fma_loop(int64_t iters, float* sink) {
  float acc[8][4];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.001f * static_cast<float>(i * 4 + j);
  const float x = 0.9999f, y = 1e-7f;
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) acc[i][j] = acc[i][j] * x + y;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) *sink += acc[i][j];
  return static_cast<double>(iters) * 32 * 2;
}

void narrow_rows(int64_t m, int n, int64_t K, float alpha, const float* A, int64_t lda, const float* bt, float* ct,
                 int64_t ldct) {
  narrow_rows_impl<4, 2>(m, n, K, alpha, A, lda, bt, ct, ldct);
}

// kc = 256: A (6 KiB) + B (8 KiB) micro-panels in L1; nc = 256: packed B 256 KiB (any L2);
// mc = 1536 rows of packed A (1.5 MiB).
const GemmKernel kKernel = {
    Isa::Generic,
    "generic_6x8",
    MR,
    NR,
    MR * 256,
    KCP,
    256,
    KCP,
    {nullptr, &ukernel_packed<1, false>, &ukernel_packed<2, false>, &ukernel_packed<3, false>,
     &ukernel_packed<4, false>, &ukernel_packed<5, false>, &ukernel_packed<6, false>},
    {nullptr, &ukernel_packed<1, true>, &ukernel_packed<2, true>, &ukernel_packed<3, true>, &ukernel_packed<4, true>,
     &ukernel_packed<5, true>, &ukernel_packed<6, true>},
    {nullptr, &ukernel_sup<1>, &ukernel_sup<2>, &ukernel_sup<3>, &ukernel_sup<4>, &ukernel_sup<5>, &ukernel_sup<6>},
    &pack_a,
    &pack_a_rows,
    &pack_b,
    &fma_loop,
    nullptr,
    0,
    {},
    true,
    &narrow_rows};

}  // namespace

const GemmKernel* gemm_kernel_generic() { return &kKernel; }

}  // namespace nerve::gemm_detail
