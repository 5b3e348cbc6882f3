// Thread teams of the GEMM drivers (gemm.cpp: float32, gemm_bf16.cpp: bfloat16), shared so the
// two fork, size and flush denormals the same way. Baseline-compiled code only: no ISA TU
// includes this.
#pragma once
#include <algorithm>
#include <cstdint>

#include "nerve/denormals.h"
#include "nerve/runtime.h"

#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve::gemm_parallel {

// Runs body(tid, nthr) on nt threads (directly when nt == 1: no fork/join cost), each with
// denormals flushed (nerve/denormals.h).
template <class F>
void run_parallel(int nt, F&& body) {
#ifdef NERVE_HAVE_OPENMP
  if (nt > 1) {
    const unsigned mode = DenormalsFlushed::mode_for_workers();
#pragma omp parallel num_threads(nt)
    {
      DenormalsFlushed scope(mode);
      body(omp_get_thread_num(), omp_get_num_threads());
    }
    return;
  }
#endif
  DenormalsFlushed scope;
  body(0, 1);
}

// Threads for an M x N x K product: num_threads(), but at least `min_work` multiply-adds per
// thread (fork/join costs dominate below), and 1 inside a parallel region already.
inline int threads_for_work(int64_t M, int64_t N, int64_t K, int64_t min_work) {
  const int nt = num_threads();
#ifdef NERVE_HAVE_OPENMP
  if (omp_in_parallel()) return 1;  // already inside a parallel region: stay serial
#endif
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int64_t by_work = static_cast<int64_t>(work / static_cast<double>(min_work));
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, by_work)));
}

}  // namespace nerve::gemm_parallel
