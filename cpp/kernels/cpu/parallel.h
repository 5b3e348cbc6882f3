// parallel_for: split [0, n) into one contiguous chunk per thread when the work is worth it.
// Static chunks keep results independent of scheduling (bit-reproducible for a thread count).
// Each worker computes with denormals flushed, as the calling thread does (nerve/denormals.h).
#pragma once
#include <algorithm>
#include <cstdint>

#include "nerve/denormals.h"
#include "nerve/runtime.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve {

template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
#ifdef NERVE_HAVE_OPENMP
  // nerve's count, not omp_get_max_threads(): that one is per thread, so a Python thread other
  // than the one that called set_num_threads would split work (and round) differently.
  int max_threads = num_threads();
  if (max_threads > 1 && n >= 2 * grain && !omp_in_parallel()) {
    int nt = static_cast<int>(std::min<int64_t>(max_threads, n / grain));
    int64_t chunk = (n + nt - 1) / nt;
    const unsigned mode = DenormalsFlushed::mode_for_workers();
#pragma omp parallel num_threads(nt)
    {
      DenormalsFlushed scope(mode);
      int64_t b = omp_get_thread_num() * chunk, e = std::min(n, b + chunk);
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  if (n > 0) {
    DenormalsFlushed scope;
    f(int64_t{0}, n);
  }
}

}  // namespace nerve
