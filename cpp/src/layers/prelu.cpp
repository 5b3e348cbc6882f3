// PReLU: a ReLU whose negative slope is learned, per element or shared along axes.
#include <stdexcept>

#include "nerve/layers/activations.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<PReLUArgs>& PReLUArgs::table() {
  using Self = PReLUArgs;
  static const ArgTable<PReLUArgs> t{{
      NERVE_ARG(alpha_initializer).shown_as("Zeros"),
      NERVE_ARG(shared_axes).must("axes of the input after the batch axis (>= 1) or None", arg_positive),
  }};
  return t;
}
NERVE_REGISTER_LAYER(PReLU, "PReLU")

PReLU::PReLU(std::string name, PReLUArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  PReLUArgs::table().validate(args_, describe());
  check_initializer(args_.alpha_initializer);
}

Shape PReLU::output_shape(const Shape& input_shape) const {
  if (args_.shared_axes)
    for (int64_t axis : *args_.shared_axes)
      if (axis > static_cast<int64_t>(input_shape.size()))
        throw std::invalid_argument(describe() + ": shared axis " + std::to_string(axis) + " is out of range for a " +
                                    std::to_string(input_shape.size() + 1) + "-D input");
  return input_shape;
}

void PReLU::build_weights(const Shape& input_shape, uint64_t seed) {
  Shape alpha = input_shape;
  if (args_.shared_axes)
    for (int64_t axis : *args_.shared_axes) alpha[axis - 1] = 1;
  for (size_t k = 0; k < alpha.size(); ++k)
    if (alpha[k] != 1) require_known_dim(describe(), input_shape, k, "an axis with its own alpha");
  int64_t n = 1;
  for (int64_t d : alpha) n *= d;
  add_weight(alpha, args_.alpha_initializer, n, n, seed, true, "alpha");
}

Tensor PReLU::forward(const Tensor& x, bool) { return prelu(x, weights_[0]); }

}  // namespace nerve
