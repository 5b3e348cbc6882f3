// Optimizer update loops with 4-float vectors (baseline flags: SSE2 on x86-64).
#include "update_loops_impl.h"

namespace nerve::update_loops_detail {
const UpdateLoops* update_loops_generic() {
  static const UpdateLoops k{"generic", &update, &scaled_sub, &sum_squares};
  return &k;
}
}  // namespace nerve::update_loops_detail
