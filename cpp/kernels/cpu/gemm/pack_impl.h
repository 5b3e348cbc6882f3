// Packing routines, written in plain C++ and #included by every ISA translation unit so that
// each copy is compiled (and auto-vectorised) with that TU's flags. Everything here is in an
// anonymous namespace: each TU gets its own internal-linkage copy (no ODR sharing across ISAs).
#pragma once
#include <cstdint>

namespace {

template <int MR>
void pack_a_impl(bool trans, const float* __restrict A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc,
                 float* __restrict dst) {
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

// Row-panel layout for A stored M x K: panel p holds rows r at dst + p*MR*KCP + r*KCP, k
// contiguous. A plain copy (no transpose); rows past m are never read by the exact-m kernels.
template <int MR, int KCP>
void pack_a_rows_impl(const float* __restrict A, int64_t lda, int64_t i0, int64_t m, int64_t k0, int64_t kc,
                      float* __restrict dst) {
  for (int64_t r = 0; r < m; ++r) {
    const float* src = A + (i0 + r) * lda + k0;
    float* d = dst + (r / MR) * (MR * KCP) + (r % MR) * KCP;
    for (int64_t k = 0; k < kc; ++k) d[k] = src[k];
  }
}

template <int NR>
void pack_b_impl(bool trans, const float* __restrict B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t n,
                 float* __restrict dst) {
  if (!trans) {
    // B stored K x N: row k of the block is n contiguous floats, scattered into the NR-wide
    // panels. Row-at-a-time keeps the reads sequential (B is often streamed from DRAM, with
    // rows far apart, e.g. an im2col matrix), and rows a few ahead are prefetched.
    const int64_t nfull = n / NR * NR;
    const int nrem = static_cast<int>(n - nfull);
    const float* src = B + k0 * ldb + j0;
    for (int64_t k = 0; k < kc; ++k, src += ldb) {
      if (k + 4 < kc)
        for (int64_t j = 0; j < n; j += 16) __builtin_prefetch(src + 4 * ldb + j, 0, 3);
      float* d = dst + k * NR;
      for (int64_t j = 0; j < nfull; j += NR, d += NR * kc)
#pragma GCC unroll 32
        for (int jj = 0; jj < NR; ++jj) d[jj] = src[j + jj];
      if (nrem) {
        for (int jj = 0; jj < nrem; ++jj) d[jj] = src[nfull + jj];
        for (int jj = nrem; jj < NR; ++jj) d[jj] = 0.f;
      }
    }
    return;
  }
  for (int64_t p = 0; p < n; p += NR, dst += NR * kc) {
    const int64_t c0 = j0 + p;
    const int np = (n - p) < NR ? static_cast<int>(n - p) : NR;
    {
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

// The narrow product (GemmKernel::narrow_rows), written for the compiler to vectorise with the
// TU's flags: W partial sums per output along k (one vector), R rows at a time so that R * N
// independent FMA chains hide the FMA latency; each row of A is read once, in order.
template <int W, int R, int N>
void narrow_rows_n(int64_t m, int64_t K, float alpha, const float* __restrict A, int64_t lda,
                   const float* __restrict bt, float* __restrict ct, int64_t ldct) {
  const int64_t kv = K - K % W;
  for (int64_t i0 = 0; i0 < m; i0 += R) {
    const int rows = (m - i0) < R ? static_cast<int>(m - i0) : R;
    float acc[R][N][W] = {};
    for (int64_t k = 0; k < kv; k += W)
      for (int r = 0; r < R; ++r) {
        const float* a = A + (i0 + (r < rows ? r : 0)) * lda + k;  // rows past m: recompute row 0
#pragma GCC unroll 4
        for (int j = 0; j < N; ++j)
#pragma GCC unroll 16
          for (int w = 0; w < W; ++w) acc[r][j][w] += a[w] * bt[j * K + k + w];
      }
    for (int r = 0; r < rows; ++r) {
      const float* a = A + (i0 + r) * lda;
      for (int j = 0; j < N; ++j) {
        float sum = 0.f;
        for (int w = 0; w < W; ++w) sum += acc[r][j][w];
        for (int64_t k = kv; k < K; ++k) sum += a[k] * bt[j * K + k];
        ct[j * ldct + i0 + r] = alpha * sum;
      }
    }
  }
}

template <int W, int R>
void narrow_rows_impl(int64_t m, int n, int64_t K, float alpha, const float* A, int64_t lda, const float* bt, float* ct,
                      int64_t ldct) {
  switch (n) {
    case 1:
      return narrow_rows_n<W, R, 1>(m, K, alpha, A, lda, bt, ct, ldct);
    case 2:
      return narrow_rows_n<W, R, 2>(m, K, alpha, A, lda, bt, ct, ldct);
    case 3:
      return narrow_rows_n<W, R, 3>(m, K, alpha, A, lda, bt, ct, ldct);
    default:
      return narrow_rows_n<W, R, 4>(m, K, alpha, A, lda, bt, ct, ldct);
  }
}

}  // namespace
