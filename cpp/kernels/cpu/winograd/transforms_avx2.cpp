// Winograd transforms with 8-float vectors (compiled with only the avx2 flags).
#define NERVE_WINO_VLEN 8
#include "transforms_impl.h"

namespace nerve::winograd_detail {
const TransformKernels* transforms_avx2() {
  static const TransformKernels k{"avx2", &input_tile, &grad_tile, &output_tile, &kernel_tile, &kernel_grad_tile};
  return &k;
}
}  // namespace nerve::winograd_detail
