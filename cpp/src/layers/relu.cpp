// ReLU: relu with Keras's max_value, negative_slope and threshold.
#include <stdexcept>

#include "nerve/layers/activations.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<ReLUArgs>& ReLUArgs::table() {
  using Self = ReLUArgs;
  static const ArgTable<ReLUArgs> t{{
      NERVE_ARG(max_value).must("a non-negative number or None", arg_non_negative),
      NERVE_ARG(negative_slope).must("a non-negative number", arg_non_negative),
      NERVE_ARG(threshold).must("a non-negative number", arg_non_negative),
  }};
  return t;
}
NERVE_REGISTER_LAYER(ReLU, "ReLU")

ReLU::ReLU(std::string name, ReLUArgs args) : ElementwiseActivationLayer(std::move(name)), args_(std::move(args)) {
  ReLUArgs::table().validate(args_, describe());
}

Tensor ReLU::forward(const Tensor& x, bool) {
  if (!args_.max_value && args_.negative_slope == 0.0 && args_.threshold == 0.0) return activation(x, Activation::Relu);
  ActivationParams p(static_cast<float>(args_.negative_slope));
  if (args_.max_value) p.max_value = static_cast<float>(*args_.max_value);
  p.threshold = static_cast<float>(args_.threshold);
  return activation(x, Activation::ReluGeneral, p);
}

}  // namespace nerve
