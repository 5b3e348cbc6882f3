// The same Eigen GEMM as bench_eigen.cpp, compiled with the baseline x86-64 flags only (SSE2):
// what a portable wheel that calls Eigen gets, since it may not use -march=native. Linked into
// its own executable (bench_gemm_baseline_eigen), never beside the AVX-512 copy: two copies of
// Eigen's inline templates built with different flags in one binary could be merged by the linker.
#include "bench_eigen.cpp"
