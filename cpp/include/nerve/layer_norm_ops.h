// Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta.
#pragma once
#include "nerve/tensor.h"

namespace nerve {

// x [..., D]; gamma and beta [D] or undefined (no scale / no centre).
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon);

}  // namespace nerve
