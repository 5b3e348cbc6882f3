// Matrix products with numpy's matmul semantics.
#pragma once
#include "nerve/tensor.h"

namespace nerve {

// x1 @ x2: 1-D operands promoted to a row (x1) or column (x2) and the added axis removed after;
// operands of more than 2 axes are stacks of matrices whose leading (batch) axes broadcast.
// Each matrix product runs through the device's GEMM. (nerve::matmul is the 2-D product.)
Tensor batched_matmul(const Tensor& x1, const Tensor& x2);

}  // namespace nerve
