#include <stdexcept>

#include "nerve/layers/core.h"
#include "nerve/ops/core.h"

namespace nerve {

const ArgTable<DenseArgs>& DenseArgs::table() {
  using Self = DenseArgs;
  static const ArgTable<DenseArgs> t{{
      NERVE_ARG(units).require().must("a positive int", arg_positive),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(bias_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Dense, "Dense")

Dense::Dense(std::string name, DenseArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  DenseArgs::table().validate(args_, describe());
  units_ = args_.units;
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  if (activation_ == Activation::Glu && units_ % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the units, so units must be even, got " +
                                std::to_string(units_));
  check_initializer(args_.kernel_initializer);
  check_initializer(args_.bias_initializer);
}

Shape Dense::output_shape(const Shape& input_shape) const {
  if (input_shape.empty())
    throw std::invalid_argument(describe() + ": input needs at least one feature axis, got a scalar per sample");
  require_known_dim(describe(), input_shape, input_shape.size() - 1, "the last axis (features)");
  Shape out = input_shape;
  out.back() = activation_output_features(activation_, units_);  // glu halves the units
  return out;
}

void Dense::build_weights(const Shape& input_shape, uint64_t seed) {
  int64_t in = input_shape.back();
  add_weight({in, units_}, args_.kernel_initializer, in, units_, seed, true, "kernel");
  if (args_.use_bias) add_weight({units_}, args_.bias_initializer, in, units_, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Dense::forward(const Tensor& x, bool) {
  return dense(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), activation_, alpha_, precision());
}

}  // namespace nerve
