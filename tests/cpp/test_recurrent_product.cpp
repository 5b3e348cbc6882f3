// PackedRecurrentMatrix (cpp/kernels/cpu/recurrent/recurrent_product.h), the per-step product of
// the recurrent kernels with the matrix packed once, against a triple loop in double on every ISA
// this CPU runs: W stored as is and transposed, K over one and several of the ISA's K panels,
// N with a column tail, row counts over and under the micro-kernel's MR, row strides wider than
// the rows, beta 0 (C not read: NaN there stays out) and 1, with and without a bias; and the
// same matrix reused for several products, as the T steps of a sequence reuse it.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "cpu/recurrent/recurrent_product.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

using namespace nerve;

namespace {

std::mt19937 rng(77);

std::vector<float> random_vector(size_t n) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

void run_case(bool trans, int64_t K, int64_t N, const std::vector<int64_t>& row_counts, float beta, bool with_bias) {
  const int64_t ldw = (trans ? K : N) + 3;
  const std::vector<float> W = random_vector(static_cast<size_t>((trans ? N : K) * ldw));
  const std::vector<float> bias = random_vector(static_cast<size_t>(N));
  auto w_at = [&](int64_t k, int64_t j) { return trans ? W[j * ldw + k] : W[k * ldw + j]; };
  const kernels::PackedRecurrentMatrix packed(trans, W.data(), ldw, K, N);
  for (int64_t m : row_counts) {  // the same packed matrix, several products
    const int64_t lda = K + 2, ldc = N + 1;
    const std::vector<float> A = random_vector(static_cast<size_t>(m * lda + 1));
    std::vector<float> C = random_vector(static_cast<size_t>(m * ldc + 1));
    if (beta == 0.f)
      for (float& x : C) x = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> C0 = C;
    packed.multiply(A.data(), lda, m, beta, with_bias ? bias.data() : nullptr, C.data(), ldc);
    int bad = 0;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        double dot = 0, mag = 0;
        for (int64_t k = 0; k < K; ++k) {
          dot += double(A[i * lda + k]) * w_at(k, j);
          mag += std::fabs(double(A[i * lda + k]) * w_at(k, j));
        }
        const double c0 = beta == 0.f ? 0.0 : double(C0[i * ldc + j]);
        const double b = with_bias ? bias[j] : 0.0;
        const double want = dot + beta * c0 + b;
        const double tol = (K + 3) * 6e-8 * (mag + std::fabs(beta * c0) + std::fabs(b)) + 1e-6;
        if (!(std::fabs(C[i * ldc + j] - want) <= tol) && bad++ < 3)
          std::fprintf(stderr, "  C[%ld, %ld] = %.9g, expected %.9g\n", long(i), long(j), C[i * ldc + j], want);
      }
      for (int64_t j = N; j < ldc; ++j)  // the padding between rows of C is never written
        if (!(std::isnan(C[i * ldc + j]) && std::isnan(C0[i * ldc + j])) && C[i * ldc + j] != C0[i * ldc + j] &&
            bad++ < 3)
          std::fprintf(stderr, "  padding C[%ld, %ld] was written\n", long(i), long(j));
    }
    if (!CHECK(bad == 0))
      std::fprintf(stderr, "    in %s: trans=%d K=%ld N=%ld m=%ld beta=%g bias=%d\n", isa_name(active_isa()),
                   int(trans), long(K), long(N), long(m), beta, int(with_bias));
  }
}

void test_isa(Isa isa) {
  set_isa(isa);
  const GemmBlocking blk = gemm_blocking(isa);
  std::printf("  %s (mr %d, nr %d, kc %d)\n", isa_name(isa), blk.mr, blk.nr, blk.kc);
  const std::vector<int64_t> rows = {1, 3, int64_t(blk.mr) - 1, blk.mr, int64_t(blk.mr) + 1, 64};
  for (bool trans : {false, true})
    for (float beta : {0.f, 1.f})
      for (bool with_bias : {false, true}) {
        run_case(trans, 128, 512, rows, beta, with_bias);            // LSTM(128): h U
        run_case(trans, 156, 512, rows, beta, with_bias);            // [x | h] [W; U] for 28 features
        run_case(trans, 2 * blk.kc + 5, 37, rows, beta, with_bias);  // three K panels, a column tail
        run_case(trans, 7, 3, rows, beta, with_bias);
      }
  run_case(false, 0, 9, rows, 1.f, true);  // no product: C = beta C + bias
}

}  // namespace

int main() {
  try {
    const Isa best = detected_isa();
    int tested = 0;
    for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
      if (static_cast<int>(isa) > static_cast<int>(best) || !isa_compiled(isa)) {
        std::printf("  %s: not run by this CPU or build, skipped\n", isa_name(isa));
        continue;
      }
      test_isa(isa);
      ++tested;
    }
    CHECK(tested >= 1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_recurrent_product");
}
