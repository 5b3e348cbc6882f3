// AVX-512F micro-kernel: 14 x 32 register block (28 zmm accumulators + 2 B vectors + 1 broadcast).
// Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma only (see ../../CMakeLists.txt);
// reached only when CPUID/XGETBV report AVX-512F and OS-enabled ZMM state.
//
// Per k step: 2 aligned 64-byte loads of the packed B micro-panel, 14 vbroadcastss of packed A
// (one per row, shared by its two FMAs), 28 FMAs = 14 cycles on two FMA ports. Folding the
// broadcasts into the FMAs as {1to16} operands saves front-end slots but doubles the A loads:
// measured 77% of peak with all 14 rows folded, 90-94% with 6-8, against 95-96% unfolded.
// Row edges use an exact-m instantiation (m = 1..14); column edges use AVX-512 masks, so nothing
// outside the m x n tile of C is read or written.
#include <immintrin.h>

#include "kernel.h"
#include "pack_impl.h"

namespace nerve::gemm_detail {
namespace {

#ifndef NERVE_AVX512_MR
#define NERVE_AVX512_MR 14
#endif
constexpr int MR = NERVE_AVX512_MR;
constexpr int KCP = 384;  // row stride of the row-panel A layout (= max kc)
constexpr int NR = 32;

inline __mmask16 mask_lo(int n) { return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }
inline __mmask16 mask_hi(int n) {
  return n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
}

template <int M>
inline __attribute__((always_inline)) void writeback(__m512 (&c0)[M], __m512 (&c1)[M], float* c, int64_t ldc, int n,
                                                     const UkArgs& args) {
  const __m512 va = _mm512_set1_ps(args.alpha);
  const __m512 vb = _mm512_set1_ps(args.beta);
  const __m512 zero = _mm512_setzero_ps();
  const __mmask16 k0 = mask_lo(n), k1 = mask_hi(n);
  const bool read_c = args.beta != 0.f;
  const bool has_bias = args.bias != nullptr;
  const bool relu = args.relu;
  __m512 bias0 = zero, bias1 = zero;
  if (has_bias) {
    bias0 = _mm512_maskz_loadu_ps(k0, args.bias);
    bias1 = _mm512_maskz_loadu_ps(k1, args.bias + 16);
  }
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) {
    float* cr = c + r * ldc;
    __m512 v0 = _mm512_mul_ps(va, c0[r]);
    __m512 v1 = _mm512_mul_ps(va, c1[r]);
    if (read_c) {
      v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, cr), v0);
      v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, cr + 16), v1);
    }
    if (has_bias) {
      v0 = _mm512_add_ps(v0, bias0);
      v1 = _mm512_add_ps(v1, bias1);
    }
    if (relu) {  // max(0, x) returns x when x is NaN: NaN propagates through ReLU
      v0 = _mm512_max_ps(zero, v0);
      v1 = _mm512_max_ps(zero, v1);
    }
    _mm512_mask_storeu_ps(cr, k0, v0);
    _mm512_mask_storeu_ps(cr + 16, k1, v1);
  }
  if (args.act_call)
    for (int r = 0; r < M; ++r) activation_forward(args.activation, args.act_alpha, c + r * ldc, c + r * ldc, n);
}

template <int M, bool Rows>
void ukernel_packed(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int n,
                    const UkArgs& args) {
  constexpr int RS = Rows ? KCP : 1, CS = Rows ? 1 : MR;  // A element (r, k) at a[r*RS + k*CS]
  __m512 c0[M], c1[M];
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  auto step = [&]() __attribute__((always_inline)) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    // Both cache lines of the B row 8 steps ahead (the micro-panel streams from L2).
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR + 16), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * RS]);
      c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
    }
    a += CS;
    b += NR;
  };
  // C is prefetched one row per k step during the last M steps, not all at the start: 2M lines
  // at once (from DRAM when C is large) would hold every L1 fill buffer, stalling the B stream,
  // and the 48 KiB of B streamed meanwhile would evict them anyway. Measured +3-5% at 1024^2
  // and 2048^2 on 1 thread, +5-9% on 2 (alternating runs against the start-of-kernel version).
  const int64_t kmain = kc > M ? kc - M : 0;
  int64_t k = 0;
#pragma GCC unroll 4
  for (; k < kmain; ++k) step();
  for (int r = 0; k < kc; ++k, ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + n - 1), _MM_HINT_T0);
    step();
  }
  writeback<M>(c0, c1, c, ldc, n, args);
}

// A read in place (not packed), row r at a + r * args.a_rs, k contiguous; B packed as for
// ukernel_packed. The rows are addressed as ukernel_sup addresses them (three base pointers and
// the strides rs..4rs as scaled indices). Same FMAs in the same order as ukernel_packed<M, true>
// on a copy of the same rows, so the results are bit for bit the same; it saves the copy, which
// was 6-9% of an MLP predict's CPU time at batch 1024 (perf, AMD EPYC Zen 4, 1 thread).
template <int M>
void ukernel_inplace(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int n,
                     const UkArgs& args) {
  __m512 c0[M], c1[M];
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  const int64_t rs = args.a_rs, rs2 = 2 * rs, rs3 = 3 * rs, rs4 = 4 * rs;
  const float* a5 = a + 5 * rs;
  const float* a10 = a + 10 * rs;
  auto step = [&]() __attribute__((always_inline)) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR + 16), _MM_HINT_T0);
    const float* base[3] = {a, a5, a10};
    const int64_t off[5] = {0, rs, rs2, rs3, rs4};
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r) {
      const __m512 av = _mm512_set1_ps(base[r / 5][off[r % 5]]);
      c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
    }
    ++a;
    ++a5;
    ++a10;
    b += NR;
  };
  const int64_t kmain = kc > M ? kc - M : 0;
  int64_t k = 0;
#pragma GCC unroll 4
  for (; k < kmain; ++k) step();
  for (int r = 0; k < kc; ++k, ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + n - 1), _MM_HINT_T0);
    step();
  }
  writeback<M>(c0, c1, c, ldc, n, args);
}

template <int M>
void ukernel_sup(int64_t kk, const float* __restrict a, int64_t rs_a, int64_t cs_a, const float* __restrict b,
                 int64_t ldb, float* c, int64_t ldc, int n, const UkArgs& args) {
  __m512 c0[M], c1[M];
#pragma GCC unroll 16
  for (int r = 0; r < M; ++r) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  const __mmask16 k0 = mask_lo(n), k1 = mask_hi(n);
  for (int t = 0; t < args.ntaps; ++t) {
    const float* at = args.tap_off ? a + args.tap_off[t] : a;
    // Rows through three base pointers (rows 0-4, 5-9, 10-13) and the strides rs, 2rs, 3rs, 4rs
    // as scaled indices, as BLIS addresses them: 14 row offsets would not fit the registers
    // (measured 5-8% faster on the convolution shapes than at[r * rs_a]).
    const float* a5 = at + 5 * rs_a;
    const float* a10 = at + 10 * rs_a;
    const int64_t rs2 = 2 * rs_a, rs3 = 3 * rs_a, rs4 = 4 * rs_a;
    if (n > 16) {
      for (int64_t k = 0; k < kk; ++k) {
        const __m512 b0 = _mm512_maskz_loadu_ps(k0, b);
        const __m512 b1 = _mm512_maskz_loadu_ps(k1, b + 16);
        const float* base[3] = {at, a5, a10};
        const int64_t off[5] = {0, rs_a, rs2, rs3, rs4};
#pragma GCC unroll 16
        for (int r = 0; r < M; ++r) {
          const __m512 av = _mm512_set1_ps(base[r / 5][off[r % 5]]);
          c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
          c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
        }
        at += cs_a;
        a5 += cs_a;
        a10 += cs_a;
        b += ldb;
      }
    } else {
      for (int64_t k = 0; k < kk; ++k) {
        const __m512 b0 = _mm512_maskz_loadu_ps(k0, b);
        const float* base[3] = {at, a5, a10};
        const int64_t off[5] = {0, rs_a, rs2, rs3, rs4};
#pragma GCC unroll 16
        for (int r = 0; r < M; ++r) c0[r] = _mm512_fmadd_ps(_mm512_set1_ps(base[r / 5][off[r % 5]]), b0, c0[r]);
        at += cs_a;
        a5 += cs_a;
        a10 += cs_a;
        b += ldb;
      }
    }
  }
  writeback<M>(c0, c1, c, ldc, n, args);
}

// One row of C over V 16-column vectors (V = 1..16, up to 8 NR panels): V independent FMA chains
// instead of sup<1>'s two, so the FMA latency (4 cycles) no longer bounds a matrix-vector product,
// and each B row is read in one sequential sweep of up to 1 KiB (measured on (1, 784) x (784, 256),
// see README.md, "small path"). Only the last vector is masked: eight masks for eight vectors
// took more mask registers than there are (the compiler reloaded one from the stack every k).
// Each column's sum runs over k in the same order as in ukernel_sup<1>, and the write-back
// applies the same operations per 32-column panel, so the results are bit for bit the same.
constexpr int kRowVectors = 16;

template <int V>
void ukernel_sup_row_v(int64_t kk, const float* __restrict a, int64_t cs_a, const float* __restrict b, int64_t ldb,
                       float* c, int n, const UkArgs& args) {
  __m512 acc[V];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
  const int left = n - 16 * (V - 1);  // 1..16 columns in the last vector
  const __mmask16 tail = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
  for (int t = 0; t < args.ntaps; ++t) {
    const float* at = args.tap_off ? a + args.tap_off[t] : a;
    for (int64_t k = 0; k < kk; ++k) {
      const __m512 av = _mm512_set1_ps(*at);
#pragma GCC unroll 16
      for (int v = 0; v < V - 1; ++v) acc[v] = _mm512_fmadd_ps(av, _mm512_loadu_ps(b + 16 * v), acc[v]);
      acc[V - 1] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(tail, b + 16 * (V - 1)), acc[V - 1]);
      at += cs_a;
      b += ldb;
    }
  }
  const __m512 va = _mm512_set1_ps(args.alpha);
  const __m512 vb = _mm512_set1_ps(args.beta);
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    const __mmask16 mask = v == V - 1 ? tail : __mmask16(0xFFFF);
    float* cv = c + 16 * v;
    __m512 x = _mm512_mul_ps(va, acc[v]);
    if (args.beta != 0.f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, cv), x);
    if (args.bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, args.bias + 16 * v));
    if (args.relu) x = _mm512_max_ps(zero, x);
    _mm512_mask_storeu_ps(cv, mask, x);
  }
  if (args.act_call)  // per NR-column panel, as the sup kernel calls it
    for (int j = 0; j < n; j += NR)
      activation_forward(args.activation, args.act_alpha, c + j, c + j, n - j < NR ? n - j : NR);
}

template <int... V>
struct RowKernels {
  static constexpr void (*table[])(int64_t, const float*, int64_t, const float*, int64_t, float*, int,
                                   const UkArgs&) = {&ukernel_sup_row_v<V>...};
};

void ukernel_sup_row(int64_t kk, const float* a, int64_t, int64_t cs_a, const float* b, int64_t ldb, float* c, int64_t,
                     int n, const UkArgs& args) {
  using Table = RowKernels<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>;
  const int v = (n + 15) / 16;  // 1..kRowVectors
  Table::table[v - 1](kk, a, cs_a, b, ldb, c, n, args);
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

// 16 independent FMA chains: hides the 4-cycle latency on both FMA ports.
double fma_loop(int64_t iters, float* sink) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  *sink += _mm512_reduce_add_ps(s);
  return static_cast<double>(iters) * 16 * 16 * 2;
}

#define NERVE_UK(m) (m <= MR ? &ukernel_packed<(m <= MR ? m : 1), false> : nullptr)
#define NERVE_UKR(m) (m <= MR ? &ukernel_packed<(m <= MR ? m : 1), true> : nullptr)
#define NERVE_SUP(m) (m <= MR ? &ukernel_sup<(m <= MR ? m : 1)> : nullptr)
#define NERVE_UKI(m) (m <= MR ? &ukernel_inplace<(m <= MR ? m : 1)> : nullptr)

// The narrow product (kernel.h): 4 rows x N columns of 16-lane partial sums along k (4N
// independent FMA chains), each row of A read once; the k tail through a mask.
template <int N>
void narrow_rows_n(int64_t m, int64_t K, float alpha, const float* __restrict A, int64_t lda,
                   const float* __restrict bt, float* __restrict ct, int64_t ldct) {
  constexpr int R = 4;
  const int64_t kv = K - K % 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (K - kv)) - 1);
  for (int64_t i0 = 0; i0 < m; i0 += R) {
    const int rows = (m - i0) < R ? static_cast<int>(m - i0) : R;
    __m512 acc[R][N];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < N; ++j) acc[r][j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
      const __mmask16 mk = k < kv ? static_cast<__mmask16>(0xFFFF) : tail;
      __m512 b[N];
#pragma GCC unroll 4
      for (int j = 0; j < N; ++j) b[j] = _mm512_maskz_loadu_ps(mk, bt + j * K + k);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        if (r >= rows) break;
        const __m512 a = _mm512_maskz_loadu_ps(mk, A + (i0 + r) * lda + k);
#pragma GCC unroll 4
        for (int j = 0; j < N; ++j) acc[r][j] = _mm512_fmadd_ps(a, b[j], acc[r][j]);
      }
    }
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < N; ++j) ct[j * ldct + i0 + r] = alpha * _mm512_reduce_add_ps(acc[r][j]);
  }
}

void narrow_rows(int64_t m, int n, int64_t K, float alpha, const float* A, int64_t lda, const float* bt, float* ct,
                 int64_t ldct) {
  switch (n) {
    case 1:
      return narrow_rows_n<1>(m, K, alpha, A, lda, bt, ct, ldct);
    case 2:
      return narrow_rows_n<2>(m, K, alpha, A, lda, bt, ct, ldct);
    case 3:
      return narrow_rows_n<3>(m, K, alpha, A, lda, bt, ct, ldct);
    default:
      return narrow_rows_n<4>(m, K, alpha, A, lda, bt, ct, ldct);
  }
}

// Block sizes for Cascade Lake / Skylake-SP (L1d 32 KiB, L2 1 MiB private, L3 >= 1.375 MiB/core):
//   kc = 384: A micro-panel 14 x 384 x 4 B = 21 KiB (L1-resident across the jr loop), B
//             micro-panel 384 x 32 x 4 B = 48 KiB streamed from L2.
//   nc = 480: packed B block 384 x 480 x 4 B = 720 KiB, ~70 % of the 1 MiB private L2.
//   mc = 3080 (220 micro-panels): packed A block 3080 x 384 x 4 B = 4.5 MiB, shared by the
//             threads in the L3.
const GemmKernel kKernel = {
    Isa::Avx512,
    MR == 14 ? "avx512_14x32" : "avx512_12x32",
    MR,
    NR,
    MR * 220,
    KCP,
    480,
    KCP,
    {nullptr, NERVE_UK(1), NERVE_UK(2), NERVE_UK(3), NERVE_UK(4), NERVE_UK(5), NERVE_UK(6), NERVE_UK(7), NERVE_UK(8),
     NERVE_UK(9), NERVE_UK(10), NERVE_UK(11), NERVE_UK(12), NERVE_UK(13), NERVE_UK(14), nullptr, nullptr},
    {nullptr, NERVE_UKR(1), NERVE_UKR(2), NERVE_UKR(3), NERVE_UKR(4), NERVE_UKR(5), NERVE_UKR(6), NERVE_UKR(7),
     NERVE_UKR(8), NERVE_UKR(9), NERVE_UKR(10), NERVE_UKR(11), NERVE_UKR(12), NERVE_UKR(13), NERVE_UKR(14), nullptr,
     nullptr},
    {nullptr, NERVE_SUP(1), NERVE_SUP(2), NERVE_SUP(3), NERVE_SUP(4), NERVE_SUP(5), NERVE_SUP(6), NERVE_SUP(7),
     NERVE_SUP(8), NERVE_SUP(9), NERVE_SUP(10), NERVE_SUP(11), NERVE_SUP(12), NERVE_SUP(13), NERVE_SUP(14), nullptr,
     nullptr},
    &pack_a,
    &pack_a_rows,
    &pack_b,
    &fma_loop,
    &ukernel_sup_row,
    kRowVectors * 16,
    {nullptr, NERVE_UKI(1), NERVE_UKI(2), NERVE_UKI(3), NERVE_UKI(4), NERVE_UKI(5), NERVE_UKI(6), NERVE_UKI(7),
     NERVE_UKI(8), NERVE_UKI(9), NERVE_UKI(10), NERVE_UKI(11), NERVE_UKI(12), NERVE_UKI(13), NERVE_UKI(14), nullptr,
     nullptr},
    true,
    &narrow_rows};

}  // namespace

const GemmKernel* gemm_kernel_avx512() { return &kKernel; }

}  // namespace nerve::gemm_detail
