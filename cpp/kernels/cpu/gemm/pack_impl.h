// Packing routines, written in plain C++ and #included by every ISA translation unit so that
// each copy is compiled (and auto-vectorised) with that TU's flags. Everything here is in an
// anonymous namespace: each TU gets its own internal-linkage copy (no ODR sharing across ISAs).
#pragma once
#include <cstdint>

namespace {

template <int MR>
void pack_a_impl(bool trans, const float* __restrict A, int64_t lda, int64_t i0, int64_t m,
                 int64_t k0, int64_t kc, float* __restrict dst) {
  for (int64_t p = 0; p < m; p += MR, dst += MR * kc) {
    const int64_t r0 = i0 + p;
    const int mp = (m - p) < MR ? static_cast<int>(m - p) : MR;
    if (trans) {
      // A stored K x M: each k gives mp contiguous values.
      const float* src = A + k0 * lda + r0;
      if (mp == MR) {
        for (int64_t k = 0; k < kc; ++k, src += lda)
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) dst[k * MR + r] = src[r];
      } else {
        for (int64_t k = 0; k < kc; ++k, src += lda) {
          for (int r = 0; r < mp; ++r) dst[k * MR + r] = src[r];
          for (int r = mp; r < MR; ++r) dst[k * MR + r] = 0.f;
        }
      }
    } else {
      // A stored M x K: transpose MR rows into k-major order.
      const float* src = A + r0 * lda + k0;
      if (mp == MR) {
        const float* rows[MR];
        for (int r = 0; r < MR; ++r) rows[r] = src + r * lda;
        for (int64_t k = 0; k < kc; ++k)
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) dst[k * MR + r] = rows[r][k];
      } else {
        for (int64_t k = 0; k < kc; ++k) {
          for (int r = 0; r < mp; ++r) dst[k * MR + r] = src[r * lda + k];
          for (int r = mp; r < MR; ++r) dst[k * MR + r] = 0.f;
        }
      }
    }
  }
}

template <int NR>
void pack_b_impl(bool trans, const float* __restrict B, int64_t ldb, int64_t k0, int64_t kc,
                 int64_t j0, int64_t n, float* __restrict dst) {
  for (int64_t p = 0; p < n; p += NR, dst += NR * kc) {
    const int64_t c0 = j0 + p;
    const int np = (n - p) < NR ? static_cast<int>(n - p) : NR;
    if (!trans) {
      // B stored K x N: each k row gives np contiguous values.
      const float* src = B + k0 * ldb + c0;
      if (np == NR) {
        for (int64_t k = 0; k < kc; ++k, src += ldb)
#pragma GCC unroll 32
          for (int j = 0; j < NR; ++j) dst[k * NR + j] = src[j];
      } else {
        for (int64_t k = 0; k < kc; ++k, src += ldb) {
          for (int j = 0; j < np; ++j) dst[k * NR + j] = src[j];
          for (int j = np; j < NR; ++j) dst[k * NR + j] = 0.f;
        }
      }
    } else {
      // B stored N x K: transpose. Blocks of 8 k keep the NR source streams short.
      const float* src = B + c0 * ldb + k0;
      int64_t k = 0;
      for (; k + 8 <= kc; k += 8) {
        for (int j = 0; j < np; ++j) {
          const float* s = src + j * ldb + k;
#pragma GCC unroll 8
          for (int kk = 0; kk < 8; ++kk) dst[(k + kk) * NR + j] = s[kk];
        }
        for (int j = np; j < NR; ++j)
#pragma GCC unroll 8
          for (int kk = 0; kk < 8; ++kk) dst[(k + kk) * NR + j] = 0.f;
      }
      for (; k < kc; ++k) {
        for (int j = 0; j < np; ++j) dst[k * NR + j] = src[j * ldb + k];
        for (int j = np; j < NR; ++j) dst[k * NR + j] = 0.f;
      }
    }
  }
}

}  // namespace
