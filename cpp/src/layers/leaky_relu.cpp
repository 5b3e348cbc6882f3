// LeakyReLU: x for x > 0, negative_slope * x otherwise.
#include <stdexcept>

#include "nerve/layers/activations.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<LeakyReLUArgs>& LeakyReLUArgs::table() {
  using Self = LeakyReLUArgs;
  static const ArgTable<LeakyReLUArgs> t{{NERVE_ARG(negative_slope).must("a non-negative number", arg_non_negative)}};
  return t;
}
NERVE_REGISTER_LAYER(LeakyReLU, "LeakyReLU")

LeakyReLU::LeakyReLU(std::string name, LeakyReLUArgs args)
    : ElementwiseActivationLayer(std::move(name)), args_(std::move(args)) {
  LeakyReLUArgs::table().validate(args_, describe());
}

Tensor LeakyReLU::forward(const Tensor& x, bool) {
  return activation(x, Activation::LeakyRelu, static_cast<float>(args_.negative_slope));
}

}  // namespace nerve
