// Ops that combine several tensors into one: the building blocks of the merge layers.
// Same conventions as nerve/ops/core.h (shape checks naming the op, CPU kernel, backward Node).
#pragma once
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

// Joins tensors along `axis` (negative counts from the end). Every other axis must agree.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);

// Element-wise sum of any number (>= 1) of tensors of the same shape, in one pass and one node.
Tensor add_n(const std::vector<Tensor>& xs);

}  // namespace nerve
