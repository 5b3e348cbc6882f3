// Weight and activity regularizers (Keras L1, L2, L1L2): a penalty l1·sum|x| + l2·sum x² that is
// added to the training loss, so it enters both the reported loss and the gradient.
#pragma once
#include "nerve/tensor.h"

namespace nerve {

struct Regularizer {
  float l1 = 0.f, l2 = 0.f;
  bool active() const { return l1 != 0.f || l2 != 0.f; }
};

// The penalty as a scalar tensor, differentiable: d/dx = l1·sign(x) + 2·l2·x.
Tensor regularization_penalty(const Tensor& x, const Regularizer& r);
// A layer output's activity penalty, as Keras 3: the penalty divided by the batch size (the first
// axis; 0 for an empty batch), so its strength does not depend on the batch size.
Tensor activity_penalty(const Tensor& y, const Regularizer& r);

}  // namespace nerve
