// Activation ops with learned parameters (the parameter-free ones are nerve::activation in
// nerve/ops/core.h).
#pragma once
#include "nerve/tensor.h"

namespace nerve {

// Parametric ReLU: x where x > 0, alpha * x elsewhere. x [B, ...S]; alpha has the rank of S, each
// axis either S's size or 1 (shared along it), and broadcasts over the batch.
Tensor prelu(const Tensor& x, const Tensor& alpha);

}  // namespace nerve
