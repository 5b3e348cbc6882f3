// Packing to bfloat16 and the float32 write-back, #included by the bfloat16 ISA TUs (each compiled
// with AVX-512 plus its own flags); everything is in an anonymous namespace (kernel.h's rules).
// Rounding: VCVTNE2PS2BF16 (one instruction per 32 values) on the hot layouts, the integer form of
// float_to_bf16_bits (nerve/bfloat16.h) on the transposed ones. Both round to nearest even and keep
// NaN quiet; the instruction also reads a denormal float32 as zero. That changes nothing: VDPBF16PS
// and TDPBF16PS read denormal bfloat16 inputs as zero anyway, and so does the plain path's sgemm
// while nerve flushes denormals (the default); only a float32 within 2^-134 below the smallest
// normal (which rounds up to it) differs.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "kernel_bf16.h"

namespace nerve::gemm_detail {
namespace {

inline __mmask16 mask_first(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// 16 floats -> their bfloat16 bits in the low half of each 32-bit lane (high half zero).
inline __m512i bf16_bits(__m512 x) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i hi = _mm512_srli_epi32(u, 16);
  const __m512i lsb = _mm512_and_si512(hi, _mm512_set1_epi32(1));
  const __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  return _mm512_mask_or_epi32(r, nan, hi, _mm512_set1_epi32(0x40));  // NaN stays a quiet NaN
}

// Pairs (lo[t], hi[t]) of bfloat16 in one 32-bit lane each: lo in the low half (the even k).
inline __m512i bf16_pairs(__m512 lo, __m512 hi) {
  return _mm512_or_si512(bf16_bits(lo), _mm512_slli_epi32(bf16_bits(hi), 16));
}

// A block, row-major bfloat16 with row stride KCP: rows [0, round_up(m, ROWPAD)) x cols [0, kcp).
template <int KCP, int ROWPAD>
void pack_a_bf16(bool trans, const float* A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc, int64_t kcp,
                 uint16_t* dst) {
  const int64_t mp = (m + ROWPAD - 1) / ROWPAD * ROWPAD;
  if (!trans) {
    for (int64_t r = 0; r < m; ++r) {
      const float* src = A + (i0 + r) * lda + k0;
      uint16_t* d = dst + r * KCP;
      int64_t k = 0;
      for (; k + 32 <= kc; k += 32)
        _mm512_storeu_si512(d + k,
                            (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + k + 16), _mm512_loadu_ps(src + k)));
      for (; k < kcp; k += 32) {
        const __m512 lo = _mm512_maskz_loadu_ps(mask_first(kc - k), src + k);
        const __m512 hi = _mm512_maskz_loadu_ps(mask_first(kc - k - 16), src + k + 16);
        _mm512_storeu_si512(d + k, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
      }
    }
  } else {
    // A stored K x M: rows k and k+1 give the (k, k+1) pairs of 16 consecutive rows of op(A);
    // each lands in its own row of the block (a scatter with stride KCP/2 pairs).
    const __m512i rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(KCP / 2));
    const __m512 zero = _mm512_setzero_ps();
    for (int64_t r = 0; r < m; r += 16) {
      const __mmask16 mr = mask_first(m - r);
      int32_t* d = reinterpret_cast<int32_t*>(dst + r * KCP);
      for (int64_t k = 0; k < kcp; k += 2) {
        const float* src = A + (k0 + k) * lda + i0 + r;
        const __m512 lo = k < kc ? _mm512_maskz_loadu_ps(mr, src) : zero;
        const __m512 hi = k + 1 < kc ? _mm512_maskz_loadu_ps(mr, src + lda) : zero;
        _mm512_mask_i32scatter_epi32(d + k / 2, mr, rows, bf16_pairs(lo, hi), 4);
      }
    }
  }
  for (int64_t r = m; r < mp; ++r)
    for (int64_t k = 0; k < kcp; k += 32) _mm512_storeu_si512(dst + r * KCP + k, _mm512_setzero_si512());
}

// B block: 16-column panels (n padded to COLPAD), each kcp/2 rows of 16 (k, k+1) pairs (64 bytes).
template <int COLPAD>
void pack_b_bf16(bool trans, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t kcp, int64_t j0, int64_t n,
                 uint16_t* dst) {
  const int64_t np = (n + COLPAD - 1) / COLPAD * COLPAD;
  const __m512 zero = _mm512_setzero_ps();
  if (!trans) {
    // Rows k and k+1 -> 32 bfloat16 (row k's 16 columns, then row k+1's) -> interleaved pairs.
    // Pair rows outer, panels inner: B is read along its rows (the prefetchers follow two streams;
    // panel by panel, each 64-byte read was a new row: (32, 1024, 1024) took 0.51 ms, now 0.28).
    const __m512i interleave = _mm512_setr_epi32(0x00100000, 0x00110001, 0x00120002, 0x00130003, 0x00140004, 0x00150005,
                                                 0x00160006, 0x00170007, 0x00180008, 0x00190009, 0x001a000a, 0x001b000b,
                                                 0x001c000c, 0x001d000d, 0x001e000e, 0x001f000f);
    for (int64_t k = 0; k < kcp; k += 2) {
      const float* r0 = B + (k0 + k) * ldb + j0;
      const float* r1 = r0 + ldb;
      const bool has0 = k < kc, has1 = k + 1 < kc;
      uint16_t* d = dst + k * 16;  // pair row k/2 of panel 0; panel p/16 is p * kcp further
      int64_t p = 0;
      if (has1)
        for (; p + 16 <= n; p += 16)
          _mm512_store_si512(
              d + p * kcp, _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(r1 + p),
                                                                                             _mm512_loadu_ps(r0 + p))));
      for (; p < np; p += 16) {
        const __mmask16 mc = mask_first(n - p);
        const __m512 lo = has0 ? _mm512_maskz_loadu_ps(mc, r0 + p) : zero;
        const __m512 hi = has1 ? _mm512_maskz_loadu_ps(mc, r1 + p) : zero;
        _mm512_store_si512(d + p * kcp, _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(hi, lo)));
      }
    }
    return;
  }
  for (int64_t p = 0; p < np; p += 16) {
    uint16_t* d = dst + p * kcp;  // panel p/16 starts at (p/16) * kcp * 16
    const int64_t cols = n - p;   // <= 0: an all-zero padding panel
    if (cols < 16)
      for (int64_t k = 0; k < kcp; k += 2) _mm512_storeu_si512(d + k * 16, _mm512_setzero_si512());
    // B stored N x K: column j's k values are contiguous; 32 of them give 16 pairs, which go
    // to 16 consecutive pair rows of the panel at position j (a scatter with stride 16).
    const __m512i pair_rows = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(16));
    int32_t* d32 = reinterpret_cast<int32_t*>(d);
    for (int64_t j = 0; j < cols && j < 16; ++j) {
      const float* src = B + (j0 + p + j) * ldb + k0;
      for (int64_t k = 0; k < kcp; k += 32) {
        const __m512 v0 = _mm512_maskz_loadu_ps(mask_first(kc - k), src + k);
        const __m512 v1 = _mm512_maskz_loadu_ps(mask_first(kc - k - 16), src + k + 16);
        // bfloat16 in k order, then read as 16 pairs
        const __m256i h0 = _mm512_cvtepi32_epi16(bf16_bits(v0));
        const __m256i h1 = _mm512_cvtepi32_epi16(bf16_bits(v1));
        const __m512i pairs = _mm512_inserti64x4(_mm512_castsi256_si512(h0), h1, 1);
        _mm512_i32scatter_epi32(d32 + (k / 2) * 16 + j, pair_rows, pairs, 4);
      }
    }
  }
}

// C[m x n] (n <= 32) = alpha * acc + beta * C, then + bias, ReLU or another element-wise
// activation (args). acc: m rows of 32 floats. C is not read when beta == 0.
inline void writeback_bf16(const float* acc, int m, int n, float* c, int64_t ldc, const UkArgs& args) {
  const __m512 va = _mm512_set1_ps(args.alpha), vb = _mm512_set1_ps(args.beta), zero = _mm512_setzero_ps();
  const __mmask16 k0 = mask_first(n), k1 = mask_first(n - 16);
  const bool read_c = args.beta != 0.f;
  __m512 bias0 = zero, bias1 = zero;
  if (args.bias) {
    bias0 = _mm512_maskz_loadu_ps(k0, args.bias);
    bias1 = _mm512_maskz_loadu_ps(k1, args.bias + 16);
  }
  for (int r = 0; r < m; ++r) {
    float* cr = c + r * ldc;
    __m512 v0 = _mm512_mul_ps(va, _mm512_loadu_ps(acc + r * 32));
    __m512 v1 = _mm512_mul_ps(va, _mm512_loadu_ps(acc + r * 32 + 16));
    if (read_c) {
      v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, cr), v0);
      v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, cr + 16), v1);
    }
    if (args.bias) {
      v0 = _mm512_add_ps(v0, bias0);
      v1 = _mm512_add_ps(v1, bias1);
    }
    if (args.relu) {  // max(0, x) returns x when x is NaN: NaN propagates through ReLU
      v0 = _mm512_max_ps(zero, v0);
      v1 = _mm512_max_ps(zero, v1);
    }
    _mm512_mask_storeu_ps(cr, k0, v0);
    if (k1) _mm512_mask_storeu_ps(cr + 16, k1, v1);
  }
  if (args.act_call)
    for (int r = 0; r < m; ++r) activation_forward(args.activation, args.act_alpha, c + r * ldc, c + r * ldc, n);
}

}  // namespace
}  // namespace nerve::gemm_detail
