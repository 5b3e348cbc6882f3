// sgemm_bf16 (gemm.h): operands rounded to bfloat16, products summed in float32. Three paths,
// chosen at run time (nerve::active_bf16_kernel, NERVE_ISA):
//   amx, avx512_bf16: pack A and B to bfloat16 while packing (kernel_bf16.h), then the ISA TU's
//                     macro-kernel (TDPBF16PS tiles / VDPBF16PS registers) per cache block;
//   plain:            round op(A) and op(B) into float32 copies and run sgemm on them.
// Loop nest per thread (a tm x tn grid of threads, each with its own rows and columns of C), in
// the kernel's order (GemmKernelBf16::b_outer):
//   A outer (AMX):                          B outer (AVX512-BF16):
//   ic over my rows in blocks of mc         jc over my columns in blocks of nc
//    pc over K in balanced panels <= kc      pc over K in balanced panels <= kc
//     pack A (mc x kc)                        pack B (kc x nc, kept in L2)
//     jc over my columns in blocks of nc      ic over my rows in blocks of mc
//      pack B (kc x nc) -> macro-kernel        pack A (mc x kc) -> macro-kernel
// beta on the first K panel, the epilogue on the last.
// No thread splits K, so the result does not depend on the thread count.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel_bf16.h"
#include "nerve/bfloat16.h"
#include "nerve/denormals.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"
#include "parallel.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve {

bool bf16_kernel_compiled(Bf16Kernel k) {
  switch (k) {
    case Bf16Kernel::Plain:
      return true;
    case Bf16Kernel::Avx512Bf16:
#ifdef NERVE_GEMM_HAVE_AVX512BF16
      return true;
#else
      return false;
#endif
    case Bf16Kernel::Amx:
#ifdef NERVE_GEMM_HAVE_AMX
      return true;
#else
      return false;
#endif
  }
  return false;
}

namespace {

using gemm_detail::GemmKernelBf16;
using gemm_detail::UkArgs;

const GemmKernelBf16* kernel_for(Bf16Kernel k) {
  switch (k) {
#ifdef NERVE_GEMM_HAVE_AVX512BF16
    case Bf16Kernel::Avx512Bf16:
      return gemm_detail::gemm_kernel_avx512bf16();
#endif
#ifdef NERVE_GEMM_HAVE_AMX
    case Bf16Kernel::Amx:
      return gemm_detail::gemm_kernel_amx();
#endif
    default:
      return nullptr;
  }
}

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Copy a rows x cols matrix (row stride ld) rounded to bfloat16, densely (row stride cols).
std::vector<float> rounded_copy(const float* src, int64_t rows, int64_t cols, int64_t ld) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[static_cast<size_t>(r * cols + c)] = round_to_bf16(src[r * ld + c]);
  return out;
}

// A 64-byte aligned scratch buffer per thread, grown on demand (no malloc per call).
struct Bf16Buf {
  uint16_t* p = nullptr;
  size_t cap = 0;  // elements
  ~Bf16Buf() { std::free(p); }
  uint16_t* get(size_t n) {
    if (n > cap) {
      std::free(p);
      cap = 0;
      const size_t bytes = static_cast<size_t>(round_up(static_cast<int64_t>(n * sizeof(uint16_t)), 64));
      p = static_cast<uint16_t*>(std::aligned_alloc(64, bytes));
      if (!p) throw std::bad_alloc();
      cap = bytes / sizeof(uint16_t);
    }
    return p;
  }
};
thread_local Bf16Buf tl_a, tl_b;

using gemm_parallel::run_parallel;

// At least ~2^21 multiply-adds per thread (~10 us of AMX or VDPBF16PS work), or fork/join
// costs dominate.
int threads_for(int64_t M, int64_t N, int64_t K) { return gemm_parallel::threads_for_work(M, N, K, int64_t{1} << 21); }

// The tm x tn thread grid with the least work per thread: its C share (in the kernel's blocks)
// plus the packing of its A rows and B columns (one packed element costs about as much as 32
// multiply-adds of the AMX or VDPBF16PS kernels).
void choose_grid(int nthr, int64_t M, int64_t N, int64_t bm, int64_t bn, int& tm, int& tn) {
  double best = -1;
  for (int t = 1; t <= nthr; ++t) {
    if (nthr % t) continue;
    const int u = nthr / t;
    const double rows = static_cast<double>(ceil_div(ceil_div(M, bm), t) * bm);
    const double cols = static_cast<double>(ceil_div(ceil_div(N, bn), u) * bn);
    const double cost = rows * cols + 32.0 * (rows + cols);
    if (best < 0 || cost < best) {
      best = cost;
      tm = t;
      tn = u;
    }
  }
}

UkArgs make_args(float alpha, float beta, const Epilogue& ep, bool last) {
  UkArgs a;
  a.alpha = alpha;
  a.beta = beta;
  if (last) {
    a.bias = ep.bias;
    a.relu = ep.activation == Activation::Relu;
    a.act_call = ep.activation != Activation::Linear && ep.activation != Activation::Relu;
    a.activation = ep.activation;
    a.act_alpha = ep.alpha;
  }
  return a;
}

void gemm_packed(const GemmKernelBf16& kr, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                 const Epilogue& ep, int nt) {
  // K in balanced panels (no tiny remainder), each padded to a multiple of 32 with zeros.
  // Narrow products (N <= 128: a convolution's or a layer's few output channels) may take deeper
  // panels: their B block is small, and each K panel past the first re-reads and rewrites all of C.
  const int64_t npk = ceil_div(K, N <= 128 ? kr.kc_narrow : kr.kc);
  const int64_t kcb = round_up(ceil_div(K, npk), 2);
  run_parallel(nt, [&](int tid, int nthr) {
    const int64_t rb = kr.row_pad > 16 ? kr.row_pad : 16, cb = kr.col_pad;
    int tm = 1, tn = 1;
    choose_grid(nthr, M, N, rb, cb, tm, tn);
    const int64_t mu = ceil_div(M, rb), nu = ceil_div(N, cb);
    const int64_t r0 = std::min(M, mu * (tid / tn) / tm * rb), r1 = std::min(M, mu * (tid / tn + 1) / tm * rb);
    const int64_t c0 = std::min(N, nu * (tid % tn) / tn * cb), c1 = std::min(N, nu * (tid % tn + 1) / tn * cb);
    if (r1 <= r0 || c1 <= c0) return;
    // Balanced blocks of my rows and columns.
    const int64_t mc = round_up(ceil_div(r1 - r0, ceil_div(r1 - r0, kr.mc)), rb);
    const int64_t nc = round_up(ceil_div(c1 - c0, ceil_div(c1 - c0, kr.nc)), cb);
    const int64_t kcp_max = round_up(kcb, 32);
    uint16_t* ap = tl_a.get(static_cast<size_t>(round_up(mc, kr.row_pad) * kr.a_ld));
    uint16_t* bp = tl_b.get(static_cast<size_t>(kcp_max * round_up(nc, cb)));
    if (kr.thread_begin) kr.thread_begin();
    // One block of C: rows [ic, ic + m) x columns [jc, jc + n) over the K panel at pc.
    auto block = [&](int64_t ic, int64_t m, int64_t jc, int64_t n, int64_t pc, int64_t kc) {
      UkArgs args = make_args(alpha, pc == 0 ? beta : 1.f, ep, pc + kc >= K);
      args.bias = args.bias ? args.bias + jc : nullptr;
      kr.macro(ap, m, bp, n, round_up(kc, 32), C + ic * ldc + jc, ldc, args);
    };
    if (kr.b_outer) {
      for (int64_t jc = c0; jc < c1; jc += nc) {
        const int64_t n = std::min(nc, c1 - jc);
        for (int64_t pc = 0; pc < K; pc += kcb) {
          const int64_t kc = std::min(kcb, K - pc), kcp = round_up(kc, 32);
          kr.pack_b(tb, B, ldb, pc, kc, kcp, jc, n, bp);
          for (int64_t ic = r0; ic < r1; ic += mc) {
            const int64_t m = std::min(mc, r1 - ic);
            kr.pack_a(ta, A, lda, ic, m, pc, kc, kcp, ap);
            block(ic, m, jc, n, pc, kc);
          }
        }
      }
    } else {
      for (int64_t ic = r0; ic < r1; ic += mc) {
        const int64_t m = std::min(mc, r1 - ic);
        for (int64_t pc = 0; pc < K; pc += kcb) {
          const int64_t kc = std::min(kcb, K - pc), kcp = round_up(kc, 32);
          kr.pack_a(ta, A, lda, ic, m, pc, kc, kcp, ap);
          for (int64_t jc = c0; jc < c1; jc += nc) {
            const int64_t n = std::min(nc, c1 - jc);
            kr.pack_b(tb, B, ldb, pc, kc, kcp, jc, n, bp);
            block(ic, m, jc, n, pc, kc);
          }
        }
      }
    }
    if (kr.thread_end) kr.thread_end();
  });
}

}  // namespace

const char* bf16_kernel_detail(Bf16Kernel k) {
  const GemmKernelBf16* kr = kernel_for(k);
  return kr ? kr->name : "plain";
}

void sgemm_bf16(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument("sgemm_bf16: negative dimension (M=" + std::to_string(M) + ", N=" + std::to_string(N) +
                                ", K=" + std::to_string(K) + ")");
  const int64_t a_rows = ta == Trans::No ? M : K, a_cols = ta == Trans::No ? K : M;
  const int64_t b_rows = tb == Trans::No ? K : N, b_cols = tb == Trans::No ? N : K;
  // Empty products, bad leading dimensions or a row activation: sgemm does the scaling and the
  // epilogue, or raises its message.
  if (M == 0 || N == 0 || K == 0 || lda < a_cols || ldb < b_cols || ldc < N || !activation_elementwise(ep.activation)) {
    sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
    return;
  }
  const GemmKernelBf16* kr = kernel_for(active_bf16_kernel());
  if (kr) {
    gemm_packed(*kr, ta == Trans::Yes, tb == Trans::Yes, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep,
                threads_for(M, N, K));
    return;
  }
  const std::vector<float> a = rounded_copy(A, a_rows, a_cols, lda);
  const std::vector<float> b = rounded_copy(B, b_rows, b_cols, ldb);
  sgemm(ta, tb, M, N, K, alpha, a.data(), a_cols, b.data(), b_cols, beta, C, ldc, ep);
}

}  // namespace nerve
