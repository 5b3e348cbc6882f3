// Activation: an activation function as a layer.
#include <stdexcept>

#include "nerve/layers/core.h"
#include "nerve/ops/core.h"

namespace nerve {

const ArgTable<ActivationArgs>& ActivationArgs::table() {
  using Self = ActivationArgs;
  static const ArgTable<ActivationArgs> t{{NERVE_ACTIVATION_ARG(activation).require()}};
  return t;
}
NERVE_REGISTER_LAYER(ActivationLayer, "Activation")

ActivationLayer::ActivationLayer(std::string name, ActivationArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
}

Shape ActivationLayer::output_shape(const Shape& input_shape) const {
  Shape out = input_shape;
  if (!activation_elementwise(activation_)) {
    if (out.empty())
      throw std::invalid_argument(describe() + ": " + activation_name(activation_) +
                                  " acts over the last axis; the input has none (a scalar per sample)");
    try {
      out.back() = activation_output_features(activation_, out.back());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(describe() + ": " + e.what());
    }
  }
  return out;
}

Tensor ActivationLayer::forward(const Tensor& x, bool) { return activation(x, activation_, alpha_); }

}  // namespace nerve
