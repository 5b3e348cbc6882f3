// Winograd transforms with 4-float vectors (baseline flags: SSE2 on x86-64).
#define NERVE_WINO_VLEN 4
#include "transforms_impl.h"

namespace nerve::winograd_detail {
const TransformKernels* transforms_generic() {
  static const TransformKernels k{"generic", &input_tile, &grad_tile, &output_tile, &kernel_tile, &kernel_grad_tile};
  return &k;
}
}  // namespace nerve::winograd_detail
