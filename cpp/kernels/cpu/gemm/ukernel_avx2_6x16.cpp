// AVX2+FMA micro-kernel: 6 x 16 register block (12 ymm accumulators + 2 B vectors + 1 broadcast),
// the classic Haswell..Zen arrangement. Compiled with -mavx2 -mfma only; reached only when
// CPUID reports AVX2+FMA and XGETBV shows OS-enabled YMM state.
// Row edges: exact-m instantiations (m = 1..6). Column edges: vmaskmovps loads/stores, which
// never touch (or fault on) masked-out elements.
#include <immintrin.h>

#include "kernel.h"
#include "pack_impl.h"

namespace nerve::gemm_detail {
namespace {

constexpr int MR = 6;
constexpr int KCP = 256;  // row stride of the row-panel A layout (= max kc)
constexpr int NR = 16;

inline __m256i lane_mask(int n) {  // lanes j < n set
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int M>
inline __attribute__((always_inline)) void writeback(__m256 (&c0)[M], __m256 (&c1)[M], float* c, int64_t ldc, int n,
                                                     const UkArgs& args) {
  const __m256 va = _mm256_set1_ps(args.alpha);
  const __m256 vb = _mm256_set1_ps(args.beta);
  const __m256 zero = _mm256_setzero_ps();
  const __m256i k0 = lane_mask(n), k1 = lane_mask(n - 8);
  const bool read_c = args.beta != 0.f;
  const bool has_bias = args.bias != nullptr;
  const bool relu = args.relu;
  __m256 bias0 = zero, bias1 = zero;
  if (has_bias) {
    bias0 = _mm256_maskload_ps(args.bias, k0);
    bias1 = _mm256_maskload_ps(args.bias + 8, k1);
  }
  // Full tiles store with vmovups: a vmaskmovps store is microcoded on AMD Zen, and made the
  // write-back the bulk of small-K products there (see README.md, micro-kernel contract).
  const bool full = n == NR;
#pragma GCC unroll 8
  for (int r = 0; r < M; ++r) {
    float* cr = c + r * ldc;
    __m256 v0 = _mm256_mul_ps(va, c0[r]);
    __m256 v1 = _mm256_mul_ps(va, c1[r]);
    if (read_c) {
      v0 = _mm256_fmadd_ps(vb, full ? _mm256_loadu_ps(cr) : _mm256_maskload_ps(cr, k0), v0);
      v1 = _mm256_fmadd_ps(vb, full ? _mm256_loadu_ps(cr + 8) : _mm256_maskload_ps(cr + 8, k1), v1);
    }
    if (has_bias) {
      v0 = _mm256_add_ps(v0, bias0);
      v1 = _mm256_add_ps(v1, bias1);
    }
    if (relu) {  // max(0, x) returns x for NaN x: NaN propagates
      v0 = _mm256_max_ps(zero, v0);
      v1 = _mm256_max_ps(zero, v1);
    }
    if (full) {
      _mm256_storeu_ps(cr, v0);
      _mm256_storeu_ps(cr + 8, v1);
    } else {
      _mm256_maskstore_ps(cr, k0, v0);
      _mm256_maskstore_ps(cr + 8, k1, v1);
    }
  }
  if (args.act_call)
    for (int r = 0; r < M; ++r) activation_forward(args.activation, args.act_alpha, c + r * ldc, c + r * ldc, n);
}

template <int M, bool Rows>
void ukernel_packed(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int n,
                    const UkArgs& args) {
  constexpr int RS = Rows ? KCP : 1, CS = Rows ? 1 : MR;  // A element (r, k) at a[r*RS + k*CS]
  __m256 c0[M], c1[M];
#pragma GCC unroll 8
  for (int r = 0; r < M; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + NR - 1), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    _mm_prefetch(reinterpret_cast<const char*>(b + 16 * NR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int r = 0; r < M; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * RS);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
    a += CS;
    b += NR;
  }
  writeback<M>(c0, c1, c, ldc, n, args);
}

template <bool F>
struct FullTag {  // no <type_traits> here: see kernel.h on standard headers in the ISA TUs
  static constexpr bool value = F;
};

template <int M>
void ukernel_sup(int64_t kk, const float* __restrict a, int64_t rs_a, int64_t cs_a, const float* __restrict b,
                 int64_t ldb, float* c, int64_t ldc, int n, const UkArgs& args) {
  __m256 c0[M], c1[M];
#pragma GCC unroll 8
  for (int r = 0; r < M; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
  }
  const __m256i k0 = lane_mask(n), k1 = lane_mask(n - 8);
  // Full panels load B with vmovups (an FMA memory operand); vmaskmovps only at the column edge.
  auto run = [&](auto tag) __attribute__((always_inline)) {
    constexpr bool full = decltype(tag)::value;
    for (int t = 0; t < args.ntaps; ++t) {
      const float* at = args.tap_off ? a + args.tap_off[t] : a;
      for (int64_t k = 0; k < kk; ++k) {
        const __m256 b0 = full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, k0);
        const __m256 b1 = full ? _mm256_loadu_ps(b + 8) : _mm256_maskload_ps(b + 8, k1);
#pragma GCC unroll 8
        for (int r = 0; r < M; ++r) {
          const __m256 av = _mm256_broadcast_ss(at + r * rs_a);
          c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
          c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
        }
        at += cs_a;
        b += ldb;
      }
    }
  };
  if (n == NR)
    run(FullTag<true>{});
  else
    run(FullTag<false>{});
  writeback<M>(c0, c1, c, ldc, n, args);
}

// One row of C over V 8-column vectors (V = 1..12, up to 6 NR panels): V independent FMA chains
// instead of ukernel_sup<1>'s two, so a matrix-vector product (one sample through a Dense
// layer) is no longer bound by the FMA latency (Zen 3: 4 cycles, 2 FMA ports, so 8 chains are
// needed to keep both busy). 12 accumulators + the broadcast + the tail mask + one B operand fit
// the 16 ymm registers; full vectors take B as a memory operand of the FMA. Only the last vector
// is masked (vmaskmovps never reads past column n). The AVX2 twin of the AVX-512 kernel's
// ukernel_sup_row_v: each column is summed over k in the same order as in ukernel_sup<1>, and
// the write-back applies the same operations per 16-column panel, so the results are bit for bit
// those of ukernel_sup<1>.
constexpr int kRowVectors = 12;

template <int V>
void ukernel_sup_row_v(int64_t kk, const float* __restrict a, int64_t cs_a, const float* __restrict b, int64_t ldb,
                       float* c, int n, const UkArgs& args) {
  __m256 acc[V];
#pragma GCC unroll 12
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  const __m256i tail = lane_mask(n - 8 * (V - 1));  // 1..8 columns in the last vector
  for (int t = 0; t < args.ntaps; ++t) {
    const float* at = args.tap_off ? a + args.tap_off[t] : a;
    for (int64_t k = 0; k < kk; ++k) {
      const __m256 av = _mm256_broadcast_ss(at);
#pragma GCC unroll 12
      for (int v = 0; v < V - 1; ++v) acc[v] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + 8 * v), acc[v]);
      acc[V - 1] = _mm256_fmadd_ps(av, _mm256_maskload_ps(b + 8 * (V - 1), tail), acc[V - 1]);
      at += cs_a;
      b += ldb;
    }
  }
  const __m256 va = _mm256_set1_ps(args.alpha);
  const __m256 vb = _mm256_set1_ps(args.beta);
  const __m256 zero = _mm256_setzero_ps();
  const bool full_tail = n == 8 * V;
#pragma GCC unroll 12
  for (int v = 0; v < V; ++v) {
    const bool full = v < V - 1 || full_tail;  // vmovups: a masked store is microcoded on Zen
    float* cv = c + 8 * v;
    __m256 x = _mm256_mul_ps(va, acc[v]);
    if (args.beta != 0.f) x = _mm256_fmadd_ps(vb, full ? _mm256_loadu_ps(cv) : _mm256_maskload_ps(cv, tail), x);
    if (args.bias)
      x = _mm256_add_ps(x, full ? _mm256_loadu_ps(args.bias + 8 * v) : _mm256_maskload_ps(args.bias + 8 * v, tail));
    if (args.relu) x = _mm256_max_ps(zero, x);
    if (full)
      _mm256_storeu_ps(cv, x);
    else
      _mm256_maskstore_ps(cv, tail, x);
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
  using Table = RowKernels<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>;
  const int v = (n + 7) / 8;  // 1..kRowVectors
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

// 12 independent FMA chains (2 ports x latency 4-5 cycles).
double fma_loop(int64_t iters, float* sink) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 x = _mm256_set1_ps(0.9999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float t[8];
  _mm256_storeu_ps(t, s);
  for (int i = 0; i < 8; ++i) *sink += t[i];
  return static_cast<double>(iters) * 12 * 8 * 2;
}

void narrow_rows(int64_t m, int n, int64_t K, float alpha, const float* A, int64_t lda, const float* bt, float* ct,
                 int64_t ldct) {
  narrow_rows_impl<8, 2>(m, n, K, alpha, A, lda, bt, ct, ldct);
}

// Blocking for a 32 KiB L1 / 256 KiB-1 MiB L2 core: kc = 256 keeps the A micro-panel
// (6 x 256 x 4 B = 6 KiB) and B micro-panel (256 x 16 x 4 B = 16 KiB) in L1; nc = 512 makes the
// packed B block 512 KiB (L2); mc = 3072 rows of packed A (3 MiB) in L3.
const GemmKernel kKernel = {
    Isa::Avx2,
    "avx2_6x16",
    MR,
    NR,
    MR * 512,
    KCP,
    512,
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
    &ukernel_sup_row,
    kRowVectors * 8,
    {},
    true,
    &narrow_rows};

}  // namespace

const GemmKernel* gemm_kernel_avx2() { return &kKernel; }

}  // namespace nerve::gemm_detail
