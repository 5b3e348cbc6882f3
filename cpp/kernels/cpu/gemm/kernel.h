// Internal interface between the GEMM driver (gemm.cpp, baseline-compiled) and the per-ISA
// translation units (ukernel_*.cpp, each compiled with only its own -m flags).
//
// Everything an ISA TU defines lives in an anonymous namespace except its one getter
// (gemm_kernel_<isa>()), so no inline/template function compiled with AVX-512 flags can be
// picked by the linker for a caller on another path (the classic ODR trap of per-ISA TUs).
// For the same reason the ISA TUs include no C++ standard-library headers with inline code.
#pragma once
#include <cstdint>

#include "nerve/activation.h"
#include "nerve/runtime.h"

namespace nerve::gemm_detail {

// What the micro-kernel does to the MR x NR accumulator tile when writing it back:
//   C = alpha * acc + beta * C          (beta == 0: C is not read)
//   then, when `bias` / `relu` / `act_call` are set (only on the last K panel):
//   C = act(C + bias[j])
struct UkArgs {
  float alpha = 1.f;
  float beta = 0.f;
  const float* bias = nullptr;  // already offset to the tile's first column; null: none
  bool relu = false;            // vectorised in the kernel
  bool act_call = false;        // other element-wise activations: activation_forward per row
  Activation activation = Activation::Linear;
  float act_alpha = 0.f;
  // Sup kernels only (implicit-GEMM convolution): the k loop runs once per tap t < ntaps, with A
  // read at a + tap_off[t] and B read on sequentially, so B holds ntaps stacked kk-row blocks.
  int ntaps = 1;
  const int64_t* tap_off = nullptr;  // null: one tap at offset 0
  // In-place kernels only (GemmKernel::ukernel_inplace): the row stride of A.
  int64_t a_rs = 0;
};

// Packed micro-kernel: m (1..MR, selects the instantiation) rows, n (1..NR) columns.
//   a: packed A micro-panel, a[k*MR + r];  b: packed B micro-panel, b[k*NR + j] (64-byte aligned)
//   c: C tile at row stride ldc. Never touches C outside m x n.
using UkernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int n,
                           const UkArgs& args);
// Unpacked ("sup", small-matrix) micro-kernel: A element (r, k) at a[r*rs_a + k*cs_a],
// B element (k, j) at b[k*ldb + j] (j < n only: never reads past column n). With args.ntaps > 1
// the A panel is read once per tap, shifted by args.tap_off[t] (see UkArgs).
// Same, with A packed as row panels: a[r*KCP + k] (KCP = GemmKernel::kcp, a compile-time stride
// of the ISA TU, so the 14 broadcast addresses are one pointer plus constant displacements).
// Used when A is not transposed: packing it is then a plain row copy instead of a transpose.
using SupKernelFn = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t ldb,
                             float* c, int64_t ldc, int n, const UkArgs& args);
// Pack panels of op(A) rows [i0, i0+m) x cols [k0, k0+kc) into MR-row micro-panels (zero-padded
// rows). trans: A is stored K x M (element (i,k) at A[k*lda+i]), else M x K (A[i*lda+k]).
using PackAFn = void (*)(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc,
                         float* dst);
// Pack op(B) rows [k0, k0+kc) x cols [j0, j0+n) into NR-column micro-panels (zero-padded cols).
// trans: B is stored N x K (element (k,j) at B[j*ldb+k]), else K x N (B[k*ldb+j]).
using PackBFn = void (*)(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t n,
                         float* dst);

constexpr int kMaxMR = 16;
constexpr int kNarrowMaxN = 4;
using NarrowRowsFn = void (*)(int64_t m, int n, int64_t K, float alpha, const float* A, int64_t lda, const float* bt,
                              float* ct, int64_t ldct);

struct GemmKernel {
  Isa isa;
  const char* name;                    // e.g. "avx512_14x32"
  int mr, nr;                          // register block
  int mc, kc, nc;                      // cache blocks: mc rows of packed A (L3), kc depth, nc cols of packed B (L2)
  int kcp;                             // row stride of the row-panel A layout; kc <= kcp
  UkernelFn ukernel[kMaxMR + 1];       // index m = 1..mr, A k-major (a[k*MR + r])
  UkernelFn ukernel_rows[kMaxMR + 1];  // index m = 1..mr, A row panels (a[r*kcp + k])
  SupKernelFn sup[kMaxMR + 1];         // index m = 1..mr
  PackAFn pack_a;
  PackAFn pack_a_rows;  // row-panel layout (panel stride MR*kcp); only for trans == false
  PackBFn pack_b;
  // FMA-throughput loop with this ISA's vectors (benchmarks: % of peak); returns flops done.
  double (*fma_loop)(int64_t iters, float* sink);
  // Optional one-row sup kernel (m = 1, B rows in place) over up to sup_row_cols columns: the
  // sup kernel's one row has only NR/vector-width FMA chains, each waiting on its own latency
  // (a matrix-vector product: one sample through a Dense layer). The same sums in the same
  // order as sup[1] on each NR-column panel, so results are bit for bit those of sup[1].
  SupKernelFn sup_row = nullptr;
  int sup_row_cols = 0;
  // Optional: A not transposed and read in place, row r at a + r * args.a_rs (k contiguous), B
  // packed; index m = 1..mr. The same sums as ukernel_rows on a copy of the rows (bit for bit),
  // without the copy. Empty (null) where an ISA packs A anyway.
  UkernelFn ukernel_inplace[kMaxMR + 1] = {};
  // Products of a few columns (gemm_narrow in gemm.cpp) on their own path; NERVE_GEMM_NARROW=0
  // turns it off, to compare.
  bool narrow_transposed = true;
  // The narrow product with A not transposed, as dot products along k (A's rows read in place):
  // ct[j * ldct + i] = alpha * sum_k A[i * lda + k] * bt[j * K + k] for rows i < m, columns
  // j < n <= kNarrowMaxN (bt: op(B) transposed, n rows of K).
  NarrowRowsFn narrow_rows = nullptr;
};

const GemmKernel* gemm_kernel_generic();
#ifdef NERVE_GEMM_HAVE_AVX2
const GemmKernel* gemm_kernel_avx2();
#endif
#ifdef NERVE_GEMM_HAVE_AVX512
const GemmKernel* gemm_kernel_avx512();
#endif

// The kernel for an ISA (must be compiled in: see isa_compiled()); honours NERVE_GEMM_BLOCKING.
const GemmKernel& gemm_kernel_for(Isa isa);

}  // namespace nerve::gemm_detail
