// Ops along the last axis (nerve.ops moves the axis Keras names there first): argsort and the
// running sum and product.
#pragma once

#include "nerve/tensor.h"

namespace nerve {

// The indices (floats) that sort each row, stable; NaN counts as the largest value. No gradient.
Tensor argsort_last(const Tensor& x, bool descending);
// The running sum (cumsum) or product (cumprod) along the last axis, with its gradient (exact
// where x holds zeros). A 0-d x is taken as one value.
Tensor cumulative_last(const Tensor& x, bool product);

}  // namespace nerve
