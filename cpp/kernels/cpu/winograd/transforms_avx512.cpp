// Winograd transforms with 16-float vectors (compiled with only the avx512 flags).
#define NERVE_WINO_VLEN 16
#include "transforms_impl.h"

namespace nerve::winograd_detail {
const TransformKernels* transforms_avx512() {
  static const TransformKernels k{"avx512", &input_tile, &grad_tile, &output_tile, &kernel_tile, &kernel_grad_tile};
  return &k;
}
}  // namespace nerve::winograd_detail
