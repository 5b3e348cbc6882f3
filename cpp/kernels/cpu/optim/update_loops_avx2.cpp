// Optimizer update loops with 8-float vectors (compiled with only the avx2 flags).
#include "update_loops_impl.h"

namespace nerve::update_loops_detail {
const UpdateLoops* update_loops_avx2() {
  static const UpdateLoops k{"avx2", &update, &scaled_sub, &sum_squares};
  return &k;
}
}  // namespace nerve::update_loops_detail
