// Internal interface between the bfloat16 GEMM driver (gemm_bf16.cpp, baseline-compiled) and the
// bfloat16 ISA translation units (ukernel_avx512bf16_*.cpp, ukernel_amx_*.cpp). Same rules as
// kernel.h: everything in an ISA TU is in an anonymous namespace except its one getter.
//
// Packed layouts (bfloat16 bits, rounded to nearest even while packing; see README.md, "bfloat16"):
//   A block: m rows (padded with zero rows to a multiple of `row_pad`) x kcp columns, row-major,
//            row stride kcp (kc padded with zeros to a multiple of 32): A[r*kcp + k].
//   B block: 16-column panels (n padded with zero columns to a multiple of `col_pad`), each
//            kcp/2 rows of 16 (k, k+1) pairs: B[panel*kcp*16 + (k/2)*32 + 2*j + (k&1)], the
//            pair-interleaved ("VNNI") layout VDPBF16PS and TDPBF16PS read.
#pragma once
#include <cstdint>

#include "kernel.h"

namespace nerve::gemm_detail {

// Packs op(A) rows [i0, i0+m) x cols [k0, k0+kc): trans means A is stored K x M.
using PackABf16Fn = void (*)(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc,
                             int64_t kcp, uint16_t* dst);
// Packs op(B) rows [k0, k0+kc) x cols [j0, j0+n): trans means B is stored N x K.
using PackBBf16Fn = void (*)(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t kcp, int64_t j0,
                             int64_t n, uint16_t* dst);
// C[m x n] (row stride ldc) = alpha * (packed A block) * (packed B block) + beta * C, then the
// epilogue of args (bias already offset to column 0 of this block) when args says so.
using MacroBf16Fn = void (*)(const uint16_t* a, int64_t m, const uint16_t* b, int64_t n, int64_t kcp, float* c,
                             int64_t ldc, const UkArgs& args);

struct GemmKernelBf16 {
  const char* name;      // e.g. "amx_32x32"
  int row_pad, col_pad;  // packed A rows / B columns are padded to these multiples
  int mc, kc, nc;
  int a_ld;       // row stride of the packed A block (elements), >= kc and kc_narrow
  int kc_narrow;  // the depth limit instead of kc when N <= 128 (see gemm_bf16.cpp)
  // Loop order per thread: false, A block outer (ic -> pc -> pack A -> jc -> pack B); true, B
  // block outer (jc -> pc -> pack B -> ic -> pack A), each B block packed once and kept in L2
  // while mc-row A blocks are packed and consumed under it.
  bool b_outer;
  PackABf16Fn pack_a;
  PackBBf16Fn pack_b;
  MacroBf16Fn macro;
  void (*thread_begin)();  // per thread before its first macro call (AMX: LDTILECFG); may be null
  void (*thread_end)();    // after its last one (AMX: TILERELEASE); may be null
};

#ifdef NERVE_GEMM_HAVE_AVX512BF16
const GemmKernelBf16* gemm_kernel_avx512bf16();
#endif
#ifdef NERVE_GEMM_HAVE_AMX
const GemmKernelBf16* gemm_kernel_amx();
#endif

}  // namespace nerve::gemm_detail
