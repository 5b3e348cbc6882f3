// nerve::sgemm driver: BLIS-style blocking around per-ISA micro-kernels (see README.md here).
// Baseline-compiled: all SIMD lives in ukernel_*.cpp, reached through the GemmKernel table.
//
// Loop nest (row-major C = alpha op(A) op(B) + beta C; MR x NR register block):
//   ic  over M in blocks of mc   : A block packed once into a buffer shared by the threads (L3)
//    pc over K in blocks of kc   : beta applies on the first panel, the epilogue on the last
//     [threads split the (M panels x N) work in a grid, tn threads along N, tm along M]
//      jc over my N range in blocks of nc : B block packed per thread (L2)
//       ir over my MR-row micro-panels of A  (A micro-panel stays in L1)
//        jr over NR-column micro-panels of B : micro-kernel on the MR x NR tile of C
// Small problems take an unpacked path (sup): A is read in place, B in place when it is not
// transposed; packing would cost more than the blocking saves there.
#include "nerve/gemm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel.h"
#include "nerve/denormals.h"
#include "nerve/runtime.h"
#include "parallel.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve {
namespace {

using gemm_detail::GemmKernel;
using gemm_detail::PackAFn;
using gemm_detail::UkArgs;
using gemm_detail::UkernelFn;

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// A 64-byte aligned scratch buffer kept per thread and grown on demand (no malloc per call).
struct AlignedBuf {
  float* p = nullptr;
  size_t cap = 0;  // floats
  ~AlignedBuf() { std::free(p); }
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      p = nullptr;
      cap = 0;
      const size_t bytes = round_up(static_cast<int64_t>(std::max<size_t>(n, 16) * sizeof(float)), 64);
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) throw std::bad_alloc();
      cap = bytes / sizeof(float);
    }
    return p;
  }
};
// Row tiles that must share a misaligned B before gemm_sup copies it (see there).
constexpr int64_t kSupPackMisalignedRowTiles = 32;
thread_local AlignedBuf tl_pack_a;    // shared packed-A block (owned by the calling thread)
thread_local AlignedBuf tl_pack_b;    // per-thread packed-B block
thread_local AlignedBuf tl_narrow_c;  // C transposed, for gemm_narrow

inline void split_range(int64_t n, int parts, int idx, int64_t& lo, int64_t& hi) {
  lo = n * idx / parts;
  hi = n * (idx + 1) / parts;
}

inline void team_barrier(int nthr) {
#ifdef NERVE_HAVE_OPENMP
  if (nthr > 1) {
#pragma omp barrier
  }
#else
  (void)nthr;
#endif
}

using gemm_parallel::run_parallel;

// At least ~2^19 multiply-adds (~10 us of one core) per thread, or fork/join costs dominate.
int threads_for(int64_t M, int64_t N, int64_t K) { return gemm_parallel::threads_for_work(M, N, K, int64_t{1} << 19); }

UkArgs make_args(float alpha, float beta, const Epilogue& ep, bool last) {
  UkArgs a;
  a.alpha = alpha;
  a.beta = beta;
  if (last) {
    a.relu = ep.activation == Activation::Relu;
    a.act_call = ep.activation != Activation::Linear && ep.activation != Activation::Relu;
    a.activation = ep.activation;
    a.act_alpha = ep.alpha;
  }
  return a;
}

// K == 0: C = beta * C (C not read when beta == 0), then the epilogue.
void scale_only(int64_t M, int64_t N, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f)
      std::fill(c, c + N, 0.f);
    else if (beta != 1.f)
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    if (ep.bias)
      for (int64_t j = 0; j < N; ++j) c[j] += ep.bias[j];
    if (ep.activation != Activation::Linear) activation_forward(ep.activation, ep.alpha, c, c, N);
  }
}

// Unpacked path for small problems (and skinny M with B not transposed), and for the implicit
// GEMM: with ntaps > 1 the kernels sum ntaps products whose A is shifted by tap_off[t], and B
// holds the ntaps K-row blocks one after the other (see UkArgs).
void gemm_sup(const GemmKernel& kr, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep, int nt,
              int ntaps = 1, const int64_t* tap_off = nullptr) {
  const int MR = kr.mr, NR = kr.nr;
  const int64_t kb = K * ntaps;  // rows of B
  const int64_t rs_a = ta == Trans::No ? lda : 1, cs_a = ta == Trans::No ? 1 : lda;
  const float* b_base = B;
  int64_t b_ld = ldb, b_panel_stride = 0;  // packed: panel p at b_base + p * b_panel_stride
  // A transposed B is packed into NR-column panels (K x NR each). So is a B whose rows are not
  // 64-byte aligned (numpy arrays are 16-byte aligned; or ldb not a multiple of 16) when it
  // streams from L2 (over 32 KiB) to many row tiles: each vector load of such a row then spans
  // two cache lines, and the kernel waits on L2. Measured on (32768, 576, 64), the product of
  // a 3x3 64-channel convolution: +14-20% against the unaligned B; on (1024, 256, 64) +20%.
  // Smaller B (L1-resident) or fewer rows (the serial copy is not repaid) are left in place.
  const bool b_split = (reinterpret_cast<uintptr_t>(B) % 64 != 0 || ldb % 16 != 0) && N >= NR &&
                       kb * N * int64_t(sizeof(float)) > (int64_t(32) << 10) &&
                       ceil_div(M, MR) >= kSupPackMisalignedRowTiles;
  if (tb == Trans::Yes || b_split) {
    float* bp = tl_pack_b.get(static_cast<size_t>(round_up(N, NR) * kb));
    kr.pack_b(tb == Trans::Yes, B, ldb, 0, kb, 0, N, bp);
    b_base = bp;
    b_ld = NR;
    b_panel_stride = NR * kb;
  }
  UkArgs args0 = make_args(alpha, beta, ep, true);
  args0.ntaps = ntaps;
  args0.tap_off = tap_off;
  const int64_t npn = ceil_div(N, NR), npm = ceil_div(M, MR);
  run_parallel(static_cast<int>(std::min<int64_t>(nt, npn * npm)), [&](int tid, int nthr) {
    // Threads split the N panels; when there are fewer N panels than threads (a tall, narrow
    // C), the M panels too.
    int tn = static_cast<int>(std::min<int64_t>(nthr, npn));
    while (nthr % tn) --tn;
    const int tm = nthr / tn;
    int64_t p0, p1, q0, q1;
    split_range(npn, tn, tid % tn, p0, p1);
    split_range(npm, tm, tid / tn, q0, q1);
    UkArgs args = args0;
    // Row panels outer: the MR rows of A are read from memory once and stay in L1 across the
    // (few) N panels; B stays in L2.
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t i0 = q * MR;
      const int m = static_cast<int>(std::min<int64_t>(MR, M - i0));
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t j0 = p * NR;
        if (m == 1 && kr.sup_row && !b_panel_stride) {  // a row over several panels at once
          const int64_t last = std::min(p1, p + kr.sup_row_cols / NR);
          const int n = static_cast<int>(std::min<int64_t>(last * NR, N) - j0);
          args.bias = ep.bias ? ep.bias + j0 : nullptr;
          kr.sup_row(K, A + i0 * rs_a, rs_a, cs_a, b_base + j0, b_ld, C + i0 * ldc + j0, ldc, n, args);
          p = last - 1;
          continue;
        }
        const int n = static_cast<int>(std::min<int64_t>(NR, N - j0));
        const float* b = b_panel_stride ? b_base + p * b_panel_stride : b_base + j0;
        args.bias = ep.bias ? ep.bias + j0 : nullptr;
        kr.sup[m](K, A + i0 * rs_a, rs_a, cs_a, b, b_ld, C + i0 * ldc + j0, ldc, n, args);
      }
    }
  });
}

// A product with a few columns (N <= kNarrowMaxN: a Dense layer of one or two units, a binary
// classifier's or a Q-network's output). The sup kernel vectorises along C's
// columns, so with N = 1 or 2 each of its FMAs had 1 or 2 useful lanes of 16: (1024, 256)·(256, 1)
// ran at 0.26x numpy, (128, 128)ᵀ·(128, 2) at 0.40x. Here op(A) not transposed is a set of dot
// products along k (GemmKernel::narrow_rows: its rows read once, in place, against op(B)'s few
// columns copied contiguous); op(A) transposed (a weight gradient X^T dY) is computed as C^T =
// op(B)^T op(A)^T by the sup kernel, whose vector lanes are then C's rows, read in place. Either
// way C^T lands in a scratch buffer and the write-back below applies beta, the bias and the
// activation as the kernels' write-back does. Every row count takes this path (one sample too):
// a row's dot products do not depend on the other rows, so a sample's outputs are the same bits
// in any batch (a data-parallel rank's half batch and the whole one, predict on one sample and on
// many), as on the paths for wider products.
void gemm_narrow(const GemmKernel& kr, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                 int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep,
                 int nt) {
  float* ct = tl_narrow_c.get(static_cast<size_t>(N * M + N * K));
  if (ta == Trans::Yes) {
    const Trans ta_t = tb == Trans::No ? Trans::Yes : Trans::No;  // op(B)^T as the left operand
    gemm_sup(kr, ta_t, Trans::No, N, M, K, alpha, B, ldb, A, lda, 0.f, ct, M, Epilogue{}, nt);
  } else {
    float* bt = ct + N * M;  // op(B)^T: N rows of K
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j) bt[j * K + k] = tb == Trans::No ? B[k * ldb + j] : B[j * ldb + k];
    const int64_t rows_per_thread = std::max<int64_t>(16, ceil_div(M, nt));
    const int parts = static_cast<int>(ceil_div(M, rows_per_thread));
    run_parallel(parts, [&](int tid, int nthr) {
      int64_t lo, hi;
      split_range(M, nthr, tid, lo, hi);
      if (hi > lo) kr.narrow_rows(hi - lo, static_cast<int>(N), K, alpha, A + lo * lda, lda, bt, ct + lo, M);
    });
  }
  const bool relu = ep.activation == Activation::Relu;
  const bool act_call = ep.activation != Activation::Linear && !relu;
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) {
      float x = ct[j * M + i];
      if (beta != 0.f) x = std::fma(beta, c[j], x);
      if (ep.bias) x += ep.bias[j];
      if (relu) x = 0.f > x ? 0.f : x;  // the kernels' max(0, x): a NaN stays NaN
      c[j] = x;
    }
    if (act_call) activation_forward(ep.activation, ep.alpha, c, c, N);
  }
}

// Whether MR rows of A, lda floats apart, fall into L1 sets spread enough to read A in place:
// at most four rows per set of a 64-set L1 (32 KiB 8-way, 48 KiB 12-way), leaving ways for the
// B stream. lda = 784 spreads 14 rows over 14 sets, 256 over 4 sets (4, 4, 3, 3 rows; measured
// +5% on (1024, 256)·(256, 128) against the copy); 512 puts 7 rows in each of 2 sets and 1024 (a
// 4 KiB stride) all 14 into one, where packing A is what keeps them apart.
bool rows_spread_in_l1(int64_t lda, int rows) {
  int per_set[64] = {};
  for (int r = 0; r < rows; ++r)
    if (++per_set[((static_cast<uint64_t>(r) * static_cast<uint64_t>(lda) * sizeof(float)) >> 6) & 63] > 4)
      return false;
  return true;
}

void gemm_blocked(const GemmKernel& kr, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                  const Epilogue& ep, int nt) {
  const int MR = kr.mr, NR = kr.nr;
  const bool at = ta == Trans::Yes, bt = tb == Trans::Yes;
  // Balanced blocks: no tiny remainder panel in K or M.
  const int64_t nkb = ceil_div(K, kr.kc), kcb = ceil_div(K, nkb);
  const int64_t nmb = ceil_div(M, kr.mc), mcb = round_up(ceil_div(M, nmb), MR);
  // A not transposed: row-panel layout (a copy, no transpose), k-stride kcp. Else k-major.
  const bool a_rows = !at;
  // A not transposed, with rows that do not crowd one L1 set: read in place (no copy, no barrier).
  const bool a_in_place = a_rows && kr.ukernel_inplace[1] && rows_spread_in_l1(lda, MR);
  const PackAFn pack_a = a_rows ? kr.pack_a_rows : kr.pack_a;
  const UkernelFn* ukernels = a_in_place ? kr.ukernel_inplace : a_rows ? kr.ukernel_rows : kr.ukernel;
  const int64_t mcb_eff = std::min(mcb, round_up(M, MR));
  const int64_t a_block = mcb_eff * (a_rows ? kr.kcp : kcb);  // floats per packed (ic, pc) block
  auto a_panel_stride = [&](int64_t kc) { return MR * (a_rows ? int64_t(kr.kcp) : kc); };
  // Small A (the deep-learning shapes): pack all of it once, then loop jc outside pc, so the C
  // tile stays in cache across the K panels and no barrier is needed after the packing.
  // In place, A is "resident" where it lies: the same loops, without the packing.
  const bool a_resident = a_in_place || (nmb == 1 && a_block * nkb * 4 <= (int64_t(3) << 19));  // <= 1.5 MiB
  float* const Ap = a_in_place ? nullptr : tl_pack_a.get(static_cast<size_t>(a_resident ? a_block * nkb : a_block));

  // Thread grid tm x tn: minimise the per-thread (padded) work plus its B packing.
  const int64_t npn = ceil_div(N, NR), npm = ceil_div(M, MR);
  auto grid_for = [&](int nthr, int& tm, int& tn) {
    double best = -1;
    tm = 1;
    tn = nthr;
    for (int cand_n = nthr; cand_n >= 1; --cand_n) {
      if (nthr % cand_n) continue;
      const int cand_m = nthr / cand_n;
      const double cols = static_cast<double>(ceil_div(npn, cand_n) * NR);
      const double rows = static_cast<double>(std::min<int64_t>(M, ceil_div(npm, cand_m) * MR));
      const double cost = cols * (rows + 24.0);  // packing one B element ~ 24 FMA lanes
      if (best < 0 || cost < best * 0.98) {
        best = cost;
        tm = cand_m;
        tn = cand_n;
      }
    }
  };

  run_parallel(nt, [&](int tid, int nthr) {
    int tm, tn;
    grid_for(nthr, tm, tn);
    const int tid_n = tid % tn, tid_m = tid / tn;
    int64_t pn0, pn1;
    split_range(npn, tn, tid_n, pn0, pn1);
    const int64_t n0 = pn0 * NR, n1 = std::min<int64_t>(N, pn1 * NR);
    const int64_t L = n1 - n0;
    const int64_t ncb = L > 0 ? round_up(ceil_div(L, ceil_div(L, kr.nc)), NR) : NR;
    float* const Bp = tl_pack_b.get(static_cast<size_t>(ncb * kcb));

    // One packed A block (rows ic.., depth pc..) x one packed B block (cols jc..): my A panels.
    auto macro = [&](const float* Ablk, int64_t ic, int64_t mc, int64_t pc, int64_t kc, int64_t jc, int64_t nc,
                     int64_t ma0, int64_t ma1) {
      const bool last = pc + kc == K;
      UkArgs args = make_args(alpha, pc == 0 ? beta : 1.f, ep, last);
      args.a_rs = lda;
      const int64_t aps = a_panel_stride(kc);
      for (int64_t ir = ma0; ir < ma1; ++ir) {
        const int m = static_cast<int>(std::min<int64_t>(MR, mc - ir * MR));
        const UkernelFn uk = ukernels[m];
        const float* a = a_in_place ? A + (ic + ir * MR) * lda + pc : Ablk + ir * aps;
        float* c_row = C + (ic + ir * MR) * ldc + jc;
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int n = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          args.bias = last && ep.bias ? ep.bias + jc + jr : nullptr;
          uk(kc, a, Bp + jr * kc, c_row + jr, ldc, n, args);
        }
      }
    };

    if (a_resident) {
      const int64_t npa = ceil_div(M, MR);
      if (!a_in_place) {  // every thread packs a share of the (K panel, micro-panel) pairs
        int64_t q0, q1;
        split_range(npa * nkb, nthr, tid, q0, q1);
        for (int64_t q = q0; q < q1;) {
          const int64_t pi = q / npa, p_lo = q % npa, p_hi = std::min(npa, p_lo + (q1 - q));
          const int64_t pc = pi * kcb, kc = std::min(kcb, K - pc);
          pack_a(at, A, lda, p_lo * MR, std::min(M, p_hi * MR) - p_lo * MR, pc, kc,
                 Ap + pi * a_block + p_lo * a_panel_stride(kc));
          q += p_hi - p_lo;
        }
        team_barrier(nthr);
      }
      int64_t ma0, ma1;
      split_range(npa, tm, tid_m, ma0, ma1);
      if (ma1 > ma0)
        for (int64_t jc = n0; jc < n1; jc += ncb) {
          const int64_t nc = std::min(ncb, n1 - jc);
          for (int64_t pi = 0; pi < nkb; ++pi) {
            const int64_t pc = pi * kcb, kc = std::min(kcb, K - pc);
            kr.pack_b(bt, B, ldb, pc, kc, jc, nc, Bp);
            macro(a_in_place ? nullptr : Ap + pi * a_block, 0, M, pc, kc, jc, nc, ma0, ma1);
          }
        }
      return;
    }

    for (int64_t ic = 0; ic < M; ic += mcb) {
      const int64_t mc = std::min(mcb, M - ic);
      const int64_t npa = ceil_div(mc, MR);
      int64_t ma0, ma1;
      split_range(npa, tm, tid_m, ma0, ma1);
      for (int64_t pc = 0; pc < K; pc += kcb) {
        const int64_t kc = std::min(kcb, K - pc);
        {  // every thread packs a share of the A block's micro-panels
          int64_t q0, q1;
          split_range(npa, nthr, tid, q0, q1);
          if (q1 > q0)
            pack_a(at, A, lda, ic + q0 * MR, std::min(mc, q1 * MR) - q0 * MR, pc, kc, Ap + q0 * a_panel_stride(kc));
        }
        team_barrier(nthr);
        if (ma1 > ma0)
          for (int64_t jc = n0; jc < n1; jc += ncb) {
            const int64_t nc = std::min(ncb, n1 - jc);
            kr.pack_b(bt, B, ldb, pc, kc, jc, nc, Bp);
            macro(Ap, ic, mc, pc, kc, jc, nc, ma0, ma1);
          }
        team_barrier(nthr);  // the A block is repacked next
      }
    }
  });
}

void check_ld(const char* what, int64_t ld, int64_t rows, int64_t cols) {
  if (rows > 0 && ld < std::max<int64_t>(1, cols))
    throw std::invalid_argument(std::string("sgemm: ") + what + " = " + std::to_string(ld) +
                                " is smaller than the row length " + std::to_string(cols));
}

}  // namespace

void sgemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument("sgemm: negative dimension (M=" + std::to_string(M) + ", N=" + std::to_string(N) +
                                ", K=" + std::to_string(K) + ")");
  if (!activation_elementwise(ep.activation))
    throw std::invalid_argument(std::string("sgemm: ") + activation_name(ep.activation) +
                                " is not element-wise and cannot be a GEMM epilogue");
  if (M == 0 || N == 0) return;
  check_ld("lda", lda, ta == Trans::No ? M : K, ta == Trans::No ? K : M);
  check_ld("ldb", ldb, tb == Trans::No ? K : N, tb == Trans::No ? N : K);
  check_ld("ldc", ldc, M, N);
  const GemmKernel& kr = gemm_detail::gemm_kernel_for(active_isa());
  if (K == 0) {
    scale_only(M, N, beta, C, ldc, ep);
    return;
  }
  const int nt = threads_for(M, N, K);
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  // Small or skinny problems: packing costs more than it saves (see README.md, "small path").
  // Packing A pays off through its reuse across the N/NR column panels, packing B through M/MR:
  // with at most two column panels (a convolution's or a Dense layer's few output channels) the
  // A copy is pure overhead, so A is read in place.
  const bool small = work <= 40.0 * 40.0 * 40.0 || (M <= 4 && tb == Trans::No) || N <= 2 * kr.nr;
  if (N <= gemm_detail::kNarrowMaxN && kr.narrow_transposed && kr.narrow_rows)
    gemm_narrow(kr, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, nt);
  else if (small)
    gemm_sup(kr, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, nt);
  else
    gemm_blocked(kr, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, nt);
}

void sgemm_taps(int64_t M, int64_t N, int64_t K, const float* A, int64_t rs_a, const int64_t* tap_off, int ntaps,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (M < 0 || N < 0 || K < 0 || ntaps < 1)
    throw std::invalid_argument("sgemm_taps: negative dimension or no taps (M=" + std::to_string(M) +
                                ", N=" + std::to_string(N) + ", K=" + std::to_string(K) +
                                ", ntaps=" + std::to_string(ntaps) + ")");
  if (!activation_elementwise(ep.activation))
    throw std::invalid_argument(std::string("sgemm_taps: ") + activation_name(ep.activation) +
                                " is not element-wise and cannot be an epilogue");
  if (M == 0 || N == 0) return;
  check_ld("ldb", ldb, K, N);
  check_ld("ldc", ldc, M, N);
  if (K == 0) {
    scale_only(M, N, beta, C, ldc, ep);
    return;
  }
  // Single-threaded (the callers split rows); row tiles outer, as for any unpacked product.
  gemm_sup(gemm_detail::gemm_kernel_for(active_isa()), Trans::No, Trans::No, M, N, K, 1.f, A, rs_a, B, ldb, beta, C,
           ldc, ep, 1, ntaps, tap_off);
}

double measure_fma_peak_gflops(int threads) {
  const GemmKernel& kr = gemm_detail::gemm_kernel_for(active_isa());
  if (threads < 1) threads = 1;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const int64_t iters = 4'000'000;
    std::vector<double> flops(threads, 0.0);
    float sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
    run_parallel(threads, [&](int tid, int) {
      float s = 0;
      flops[tid] = kr.fma_loop(iters, &s);
      if (s == 1234.5f) sink += s;  // keep the result alive
    });
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double total = sink;
    for (double f : flops) total += f;
    best = std::max(best, total / dt * 1e-9);
  }
  return best;
}

void sgemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, Epilogue{});
}

}  // namespace nerve
