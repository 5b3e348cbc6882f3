// adjust_contrast(): RandomContrast's (x - mean) * factor + mean, clipped to the value range, as
// element-wise ops (their nodes carry the gradient; the clip's is jnp.clip's).
#include <stdexcept>

#include "nerve/ops/augmentation.h"
#include "nerve/ops/core.h"
#include "nerve/ops/math.h"
#include "nerve/ops/reductions.h"

namespace nerve {

Tensor adjust_contrast(const Tensor& x, const std::vector<float>& factors, float lo, float hi) {
  if (x.dim() != 4)
    throw std::invalid_argument("adjust_contrast: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (factors.size() != static_cast<size_t>(x.size(0)))
    throw std::invalid_argument("adjust_contrast: " + std::to_string(factors.size()) + " factors for a batch of " +
                                std::to_string(x.size(0)));
  // the mean over the height, then over the width, as Keras takes it
  Tensor m = reduce(reduce(x, ReduceKind::Mean, std::vector<int64_t>{1}, true), ReduceKind::Mean,
                    std::vector<int64_t>{2}, true);
  Tensor f = Tensor::from_vector(factors, {x.size(0), 1, 1, 1}, x.device());
  Tensor y = binary_op(BinaryOp::Add, binary_op(BinaryOp::Multiply, binary_op(BinaryOp::Subtract, x, m), f), m);
  return clip(y, lo, hi);
}

}  // namespace nerve
