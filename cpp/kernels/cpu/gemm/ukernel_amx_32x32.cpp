// AMX micro-kernel: a 32 x 32 block of C in four 16 x 16 float32 tiles (tmm0-3); per 32 values of
// k, two 16 x 32 bfloat16 A tiles (tmm4-5, rows of the packed A block) and two B tiles of
// 16 (k, k+1) pair rows x 16 columns (tmm6-7, the pair-interleaved B panels), and four TDPBF16PS
// (each 16 x 16 x 32 multiply-adds). Compiled with the AVX-512 flags plus -mamx-tile -mamx-bf16
// only (../../CMakeLists.txt); reached only when CPUID, XCR0 and the OS (arch_prctl) allow AMX.
// Every thread loads the tile configuration (LDTILECFG) before its first block and releases the
// tile state (TILERELEASE) after its last one, within one sgemm_bf16 call.
#include <immintrin.h>

#include "kernel_bf16.h"
#include "pack_bf16_impl.h"

namespace nerve::gemm_detail {
namespace {

constexpr int TM = 32, TN = 32;  // C block per step: 2 x 2 tiles
constexpr int KCP = 512;         // kc: the K panel depth
// Row stride of the packed A block: room for the deeper panels of narrow products (kc_narrow =
// 1024: (32768, 576, 64), a 3x3 convolution to 64 channels, in one K panel instead of two ran at
// 256 instead of 160 GFLOP/s), plus 64 bytes, so the 16 rows of an A tile fall in different L1 sets.
constexpr int LDA = 1024 + 32;

// Palette 1: eight tiles of 16 rows x 64 bytes (16 float32 of C, 32 bfloat16 of A, or 16 pairs of B).
struct alignas(64) TileConfig {
  unsigned char palette_id;
  unsigned char start_row;
  unsigned char reserved[14];
  unsigned short colsb[16];
  unsigned char rows[16];
};

// A constant in memory: GCC 12 does not treat LDTILECFG as reading its operand, and dropped the
// stores of a configuration built on the stack (the tiles then stayed unconfigured: SIGILL).
constexpr TileConfig kTileConfig = {1, 0, {}, {64, 64, 64, 64, 64, 64, 64, 64}, {16, 16, 16, 16, 16, 16, 16, 16}};

void thread_begin() { _tile_loadconfig(&kTileConfig); }

void thread_end() { _tile_release(); }

// 32-row tiles of the A block outer: its two A tiles (32 KiB of rows at kc = 512) are read again
// for every 32 columns of B; B panels stream from L2.
// A full 32 x 32 block of a plain product (alpha 1, beta 0 or 1, no epilogue: every K panel but
// the last of a Dense layer, and all of them without bias) keeps C in the tiles: loaded from C
// (beta 1) or zeroed, accumulated, stored back to C. Other blocks go through a float32 scratch
// tile and the vector write-back (alpha, beta, bias, activation, partial rows and columns).
void macro(const uint16_t* a, int64_t m, const uint16_t* b, int64_t n, int64_t kcp, float* c, int64_t ldc,
           const UkArgs& args) {
  alignas(64) float acc[TM * TN];
  UkArgs tile = args;
  const bool plain =
      args.alpha == 1.f && (args.beta == 0.f || args.beta == 1.f) && !args.bias && !args.relu && !args.act_call;
  const int64_t ldc_bytes = ldc * 4;
  for (int64_t i = 0; i < m; i += TM) {
    const int mm = m - i < TM ? static_cast<int>(m - i) : TM;
    const uint16_t* a0 = a + i * LDA;
    const uint16_t* a1 = a0 + 16 * LDA;
    for (int64_t j = 0; j < n; j += TN) {
      const int nn = n - j < TN ? static_cast<int>(n - j) : TN;
      const uint16_t* b0 = b + j * kcp;  // panel j/16 at (j/16) * kcp * 16
      const uint16_t* b1 = b0 + 16 * kcp;
      float* cb = c + i * ldc + j;
      const bool direct = plain && mm == TM && nn == TN;
      if (direct && args.beta == 1.f) {
        _tile_loadd(0, cb, ldc_bytes);
        _tile_loadd(1, cb + 16, ldc_bytes);
        _tile_loadd(2, cb + 16 * ldc, ldc_bytes);
        _tile_loadd(3, cb + 16 * ldc + 16, ldc_bytes);
      } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
      }
      for (int64_t k = 0; k < kcp; k += 32) {
        _tile_loadd(4, a0 + k, LDA * 2);
        _tile_loadd(6, b0 + k * 16, 64);
        _tile_loadd(7, b1 + k * 16, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_loadd(5, a1 + k, LDA * 2);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
      }
      if (direct) {
        _tile_stored(0, cb, ldc_bytes);
        _tile_stored(1, cb + 16, ldc_bytes);
        _tile_stored(2, cb + 16 * ldc, ldc_bytes);
        _tile_stored(3, cb + 16 * ldc + 16, ldc_bytes);
        continue;
      }
      _tile_stored(0, acc, TN * 4);
      _tile_stored(1, acc + 16, TN * 4);
      _tile_stored(2, acc + 16 * TN, TN * 4);
      _tile_stored(3, acc + 16 * TN + 16, TN * 4);
      tile.bias = args.bias ? args.bias + j : nullptr;
      writeback_bf16(acc, mm, nn, cb, ldc, tile);
    }
  }
}

void pack_a(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc, int64_t kcp,
            uint16_t* dst) {
  pack_a_bf16<LDA, TM>(trans, A, lda, i0, m, k0, kc, kcp, dst);
}

void pack_b(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t kcp, int64_t j0, int64_t n,
            uint16_t* dst) {
  pack_b_bf16<TN>(trans, B, ldb, k0, kc, kcp, j0, n, dst);
}

const GemmKernelBf16 kKernel = {
    "amx_32x32", TM, TN, 1024, KCP, 512, LDA, 1024, false, &pack_a, &pack_b, &macro, &thread_begin, &thread_end,
};

}  // namespace

const GemmKernelBf16* gemm_kernel_amx() { return &kKernel; }

}  // namespace nerve::gemm_detail
