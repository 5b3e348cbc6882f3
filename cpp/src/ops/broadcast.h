// NumPy broadcasting for the element-wise ops (nerve/ops/math.h): the output shape and how each
// operand's memory maps onto it (BroadcastGeometry, kernel_table.h).
#pragma once
#include <vector>

#include "kernel_table.h"
#include "nerve/tensor.h"

namespace nerve {

// The geometry of contiguous operands of these shapes (one to three) over the output shape
// `out`, which must be their broadcast shape.
BroadcastGeometry broadcast_geometry(const Shape& out, const std::vector<Shape>& operands);

}  // namespace nerve
