// How the conv kernels split work between threads: whole images (or rows) per thread, each thread
// running its share serially (its GEMMs single-threaded inside the parallel region).
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>

#include "nerve/denormals.h"
#include "nerve/runtime.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve::conv_kernels {

// Threads that split the batch (1: process chunks in turn and let the GEMM use the threads).
inline int batch_threads(int64_t N) {
#ifdef NERVE_HAVE_OPENMP
  if (omp_in_parallel()) return 1;
  const int nt = num_threads();
  return N >= nt ? nt : 1;
#else
  (void)N;
  return 1;
#endif
}

// Threads that split `rows` output rows (the forward pass).
inline int row_threads(int64_t rows) {
#ifdef NERVE_HAVE_OPENMP
  if (omp_in_parallel()) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(num_threads(), rows)));
#else
  (void)rows;
  return 1;
#endif
}

// Runs body(tid, first, end) on `nt` threads, each with an equal share of N items (images or rows).
template <class F>
void split_batch(int nt, int64_t N, F&& body) {
#ifdef NERVE_HAVE_OPENMP
  if (nt > 1) {
    std::exception_ptr error;  // an exception must not escape an OpenMP region
    const unsigned mode = DenormalsFlushed::mode_for_workers();
#pragma omp parallel num_threads(nt)
    {
      const int t = omp_get_thread_num();
      DenormalsFlushed scope(mode);
      try {
        body(t, N * t / nt, N * (t + 1) / nt);
      } catch (...) {
#pragma omp critical(nerve_conv2d_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#endif
  body(0, int64_t{0}, N);
}

}  // namespace nerve::conv_kernels
