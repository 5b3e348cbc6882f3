// Activation ops with learned parameters (the parameter-free ones are nerve::activation in
// nerve/ops/core.h).
#pragma once
#include "nerve/activation.h"
#include "nerve/tensor.h"

namespace nerve {

// Parametric ReLU: x where x > 0, alpha * x elsewhere. x [B, ...S]; alpha has the rank of S, each
// axis either S's size or 1 (shared along it), and broadcasts over the batch.
Tensor prelu(const Tensor& x, const Tensor& alpha);

// A row activation (softmax, log_softmax) along any axis of x (negative axes count from the end):
// the axis is moved last for the kernel and back after. std::invalid_argument naming `op`, the
// shape and the axis when x has no such axis.
Tensor activation_along(const char* op, const Tensor& x, Activation act, int64_t axis);

}  // namespace nerve
