// Optimizer update loops with 16-float vectors (compiled with only the avx512 flags).
#include "update_loops_impl.h"

namespace nerve::update_loops_detail {
const UpdateLoops* update_loops_avx512() {
  static const UpdateLoops k{"avx512", &update, &scaled_sub, &sum_squares};
  return &k;
}
}  // namespace nerve::update_loops_detail
