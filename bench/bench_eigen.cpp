// Eigen's GEMM on row-major float maps (flags: see CMakeLists.txt; bench_eigen_baseline.cpp builds it at SSE2).
#include <Eigen/Core>
#include <cstdint>

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void bench_eigen_sgemm(int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C) {
  Eigen::Map<const RowMat> a(A, M, K), b(B, K, N);
  Eigen::Map<RowMat> c(C, M, N);
  c.noalias() = a * b;
}
void bench_eigen_set_threads(int n) { Eigen::setNbThreads(n); }
const char* bench_eigen_simd() { return Eigen::SimdInstructionSetsInUse(); }
#define NERVE_STR2(x) #x
#define NERVE_STR(x) NERVE_STR2(x)
const char* bench_eigen_version() {
  return NERVE_STR(EIGEN_WORLD_VERSION) "." NERVE_STR(EIGEN_MAJOR_VERSION) "." NERVE_STR(EIGEN_MINOR_VERSION);
}
