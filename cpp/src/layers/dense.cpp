#include <stdexcept>

#include "nerve/layers/core.h"
#include "nerve/ops/core.h"

namespace nerve {

Dense::Dense(std::string name, int64_t units, Activation activation, float activation_alpha, bool use_bias,
             Initializer kernel_initializer, Initializer bias_initializer)
    : Layer(std::move(name)), units_(units), activation_(activation), alpha_(activation_alpha), use_bias_(use_bias),
      kernel_init_(std::move(kernel_initializer)), bias_init_(std::move(bias_initializer)) {
  if (units <= 0)
    throw std::invalid_argument("Dense '" + this->name() + "': units must be positive, got " + std::to_string(units));
  if (activation == Activation::Glu && units % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the units, so units must be even, got " +
                                std::to_string(units));
  check_initializer(kernel_init_);
  check_initializer(bias_init_);
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
  add_weight({in, units_}, kernel_init_, in, units_, seed, true, "kernel");
  if (use_bias_) add_weight({units_}, bias_init_, in, units_, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Dense::forward(const Tensor& x, bool) {
  return dense(x, weights_[0], use_bias_ ? weights_[1] : Tensor(), activation_, alpha_);
}

}  // namespace nerve
