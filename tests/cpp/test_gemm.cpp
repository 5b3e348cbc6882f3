// sgemm against a naive triple loop in double, on every ISA this CPU runs (generic, AVX2,
// AVX-512 as available) and with 1 and 2 threads: odd sizes (tails of every micro-kernel), both
// transposes, alpha / beta, row strides wider than the rows, the small and the blocked path
// (a shape one cache block bigger than the ISA's blocking), the BLAS beta == 0 rule (NaN in C is
// not read), the epilogue (bias + activation), and the argument errors. Then sgemm_bf16 the same
// way on every bfloat16 kernel this machine runs (plain, AVX512-BF16, AMX), against the double
// product of the operands rounded to bfloat16.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "nerve/bfloat16.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

using namespace nerve;

namespace {

struct Case {
  int64_t M, N, K;
};

std::mt19937 rng(1234);
bool g_bf16 = false;  // run_case calls sgemm_bf16 and rounds the reference's operands

std::vector<float> random_vector(size_t n) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// One sgemm call against the reference; returns false (after reporting) on a mismatch.
bool run_case(const std::string& where, Trans ta, Trans tb, const Case& c, float alpha, float beta, bool nan_in_c,
              const Epilogue* ep = nullptr) {
  const int64_t M = c.M, N = c.N, K = c.K;
  // Row strides a few floats wider than the rows, so a kernel reading past a row shows.
  const int64_t a_rows = ta == Trans::No ? M : K, a_cols = ta == Trans::No ? K : M;
  const int64_t b_rows = tb == Trans::No ? K : N, b_cols = tb == Trans::No ? N : K;
  const int64_t lda = a_cols + 3, ldb = b_cols + 5, ldc = N + 2;
  std::vector<float> A = random_vector(static_cast<size_t>(a_rows * lda + 1));
  std::vector<float> B = random_vector(static_cast<size_t>(b_rows * ldb + 1));
  std::vector<float> C = random_vector(static_cast<size_t>(M * ldc + 1));
  if (nan_in_c)
    for (float& x : C) x = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> C0 = C;
  auto a_raw = [&](int64_t i, int64_t k) { return ta == Trans::No ? A[i * lda + k] : A[k * lda + i]; };
  auto b_raw = [&](int64_t k, int64_t j) { return tb == Trans::No ? B[k * ldb + j] : B[j * ldb + k]; };
  auto a_at = [&](int64_t i, int64_t k) { return g_bf16 ? round_to_bf16(a_raw(i, k)) : a_raw(i, k); };
  auto b_at = [&](int64_t k, int64_t j) { return g_bf16 ? round_to_bf16(b_raw(k, j)) : b_raw(k, j); };

  if (g_bf16)
    sgemm_bf16(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, ep ? *ep : Epilogue{});
  else if (ep)
    sgemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, *ep);
  else
    sgemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);

  int bad = 0;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double dot = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        dot += double(a_at(i, k)) * b_at(k, j);
        mag += std::fabs(double(a_at(i, k)) * b_at(k, j));
      }
      const double c0 = beta == 0.f ? 0.0 : double(C0[i * ldc + j]);
      double want = alpha * dot + beta * c0;
      double scale = std::fabs(alpha) * mag + std::fabs(beta * c0);
      if (ep) {
        if (ep->bias) want += ep->bias[j], scale += std::fabs(ep->bias[j]);
        if (ep->activation == Activation::Relu) want = want > 0 ? want : 0;
      }
      // Any summation order of K float products stays within about (K + 2) units of roundoff (2^-24) of the scale.
      const double tol = (K + 2) * 6e-8 * scale + 1e-6;
      const double got = C[i * ldc + j];
      if (!(std::fabs(got - want) <= tol) && bad++ < 3)
        std::fprintf(stderr, "  %s: C[%ld, %ld] = %.9g, expected %.9g (tolerance %.3g)\n", where.c_str(), long(i),
                     long(j), got, want, tol);
    }
    // The padding between rows of C is never written.
    for (int64_t j = N; j < ldc; ++j)
      if (!(std::isnan(C[i * ldc + j]) && std::isnan(C0[i * ldc + j])) && C[i * ldc + j] != C0[i * ldc + j] &&
          bad++ < 3)
        std::fprintf(stderr, "  %s: padding C[%ld, %ld] was written\n", where.c_str(), long(i), long(j));
  }
  return CHECK(bad == 0) || (std::fprintf(stderr, "    in %s\n", where.c_str()), false);
}

std::string describe(Isa isa, int threads, Trans ta, Trans tb, const Case& c, float alpha, float beta) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s, %d thread(s), %c%c M=%ld N=%ld K=%ld alpha=%g beta=%g", isa_name(isa), threads,
                ta == Trans::Yes ? 'T' : 'N', tb == Trans::Yes ? 'T' : 'N', long(c.M), long(c.N), long(c.K), alpha,
                beta);
  return buf;
}

void test_isa(Isa isa, int threads) {
  set_isa(isa);
  set_num_threads(threads);
  CHECK(active_isa() == isa);
  const GemmBlocking blk = gemm_blocking(isa);
  std::printf("  %s (%s, mr %d nr %d mc %d kc %d nc %d), %d thread(s)\n", isa_name(isa), blk.kernel, blk.mr, blk.nr,
              blk.mc, blk.kc, blk.nc, threads);
  std::vector<Case> cases = {
      {1, 1, 1},
      {0, 5, 3},
      {4, 0, 2},
      {3, 5, 0},
      {1, 17, 9},
      {7, 1, 13},
      {5, 7, 3},
      {13, 31, 17},
      {33, 65, 29},
      {65, 47, 101},
      {100, 9, 77},
      {3, 129, 60},
      // The blocked path over more than one cache block in M and K, with tails in M and N.
      {blk.mc + blk.mr + 1, 3 * blk.nr + 5, blk.kc + 7},
  };
  const float scalars[][2] = {{1.f, 0.f}, {-0.5f, 1.f}, {1.75f, 0.3f}};
  for (const Case& c : cases)
    for (Trans ta : {Trans::No, Trans::Yes})
      for (Trans tb : {Trans::No, Trans::Yes})
        for (const auto& s : scalars)
          run_case(describe(isa, threads, ta, tb, c, s[0], s[1]), ta, tb, c, s[0], s[1], false);

  // beta == 0: C is not read, so NaN there does not propagate.
  for (const Case& c : {Case{5, 7, 3}, Case{64, 96, 80}})
    run_case(describe(isa, threads, Trans::No, Trans::No, c, 1.f, 0.f) + ", NaN in C", Trans::No, Trans::No, c, 1.f,
             0.f, true);

  // The epilogue: C = relu(alpha A B + beta C + bias).
  for (const Case& c : {Case{6, 19, 11}, Case{70, 90, 150}}) {
    std::vector<float> bias = random_vector(static_cast<size_t>(c.N));
    Epilogue ep;
    ep.bias = bias.data();
    ep.activation = Activation::Relu;
    run_case(describe(isa, threads, Trans::No, Trans::Yes, c, 1.f, 0.5f) + ", bias + relu", Trans::No, Trans::Yes, c,
             1.f, 0.5f, false, &ep);
  }
}

// sgemm_bf16 on one bfloat16 kernel: the same cases, plus one over more than one of the packed
// kernels' blocks (1024 rows, 512 deep).
void test_bf16(Bf16Kernel kernel, int threads) {
  set_bf16_kernel(kernel);
  set_num_threads(threads);
  CHECK(active_bf16_kernel() == kernel);
  std::printf("  sgemm_bf16 on %s (%s), %d thread(s)\n", bf16_kernel_name(kernel), bf16_kernel_detail(kernel), threads);
  g_bf16 = true;
  const std::vector<Case> cases = {{1, 1, 1},    {0, 5, 3},    {3, 5, 0},     {1, 17, 9},   {7, 1, 13},
                                   {13, 31, 17}, {33, 65, 29}, {65, 47, 101}, {3, 129, 60}, {1058, 101, 519}};
  const float scalars[][2] = {{1.f, 0.f}, {-0.5f, 1.f}, {1.f, 1.f}};
  char buf[200];
  for (const Case& c : cases)
    for (Trans ta : {Trans::No, Trans::Yes})
      for (Trans tb : {Trans::No, Trans::Yes})
        for (const auto& s : scalars) {
          std::snprintf(buf, sizeof buf, "sgemm_bf16 %s, %d thread(s), %c%c M=%ld N=%ld K=%ld alpha=%g beta=%g",
                        bf16_kernel_name(kernel), threads, ta == Trans::Yes ? 'T' : 'N', tb == Trans::Yes ? 'T' : 'N',
                        long(c.M), long(c.N), long(c.K), s[0], s[1]);
          run_case(buf, ta, tb, c, s[0], s[1], false);
        }
  run_case("sgemm_bf16, NaN in C", Trans::No, Trans::No, Case{64, 96, 80}, 1.f, 0.f, true);
  std::vector<float> bias = random_vector(70);
  Epilogue ep;
  ep.bias = bias.data();
  ep.activation = Activation::Relu;
  run_case("sgemm_bf16, bias + relu", Trans::No, Trans::Yes, Case{70, 70, 600}, 1.f, 0.5f, false, &ep);
  g_bf16 = false;
}

void argument_errors() {
  float a[4] = {}, b[4] = {}, c[4] = {};
  CHECK_THROWS(std::invalid_argument, sgemm(Trans::No, Trans::No, -1, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 2));
  CHECK_THROWS(std::invalid_argument, sgemm(Trans::No, Trans::No, 2, 2, 2, 1.f, a, 1, b, 2, 0.f, c, 2));  // lda < K
  CHECK_THROWS(std::invalid_argument, sgemm(Trans::No, Trans::No, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 1));  // ldc < N
  Epilogue softmax;
  softmax.activation = Activation::Softmax;
  CHECK_THROWS(std::invalid_argument, sgemm(Trans::No, Trans::No, 2, 2, 2, 1.f, a, 2, b, 2, 0.f, c, 2, softmax));
}

}  // namespace

int main() {
  try {
    const Isa best = detected_isa();
    std::printf("detected ISA: %s; OpenMP: %s\n", isa_name(best), has_openmp() ? "yes" : "no");
    int tested = 0;
    for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
      if (static_cast<int>(isa) > static_cast<int>(best)) {
        std::printf("  %s: not supported by this CPU, skipped\n", isa_name(isa));
        continue;
      }
      if (!isa_compiled(isa)) {
        std::printf("  %s: not compiled into this build, skipped\n", isa_name(isa));
        continue;
      }
      for (int threads : {1, 2}) {
        if (threads > 1 && !has_openmp()) continue;
        test_isa(isa, threads);
      }
      ++tested;
    }
    CHECK(tested >= 1);
    // Forcing an ISA the CPU lacks is an error, not a silent fallback.
    if (best != Isa::Avx512) CHECK_THROWS(std::runtime_error, set_isa(Isa::Avx512));
    std::printf("bfloat16 kernel: %s%s%s\n", bf16_kernel_name(detected_bf16_kernel()),
                detected_bf16_kernel() == Bf16Kernel::Amx ? "" : "; ", bf16_unusable_reason().c_str());
    for (Bf16Kernel k : {Bf16Kernel::Plain, Bf16Kernel::Avx512Bf16, Bf16Kernel::Amx}) {
      if (static_cast<int>(k) > static_cast<int>(detected_bf16_kernel())) {
        CHECK_THROWS(std::runtime_error, set_bf16_kernel(k));
        continue;
      }
      for (int threads : {1, 2})
        if (threads == 1 || has_openmp()) test_bf16(k, threads);
    }
    set_bf16_kernel(detected_bf16_kernel());
    argument_errors();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_gemm");
}
