// Softmax over the last axis.
#include <stdexcept>

#include "nerve/layers/activations.h"
#include "nerve/layers/arguments.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<SoftmaxArgs>& SoftmaxArgs::table() {
  using Self = SoftmaxArgs;
  static const ArgTable<SoftmaxArgs> t{{NERVE_ARG(axis)}};
  return t;
}
NERVE_REGISTER_LAYER(Softmax, "Softmax")

Softmax::Softmax(std::string name, SoftmaxArgs args) : Layer(std::move(name)), args_(std::move(args)) {}

Shape Softmax::output_shape(const Shape& input_shape) const {
  const int64_t rank = static_cast<int64_t>(input_shape.size()) + 1;  // with the batch axis
  if (input_shape.empty())
    throw std::invalid_argument(describe() + ": softmax acts over an axis; the input has none (a scalar per sample)");
  if (args_.axis != -1 && args_.axis != rank - 1)
    throw std::invalid_argument(describe() + ": only the last axis is supported (axis=-1), got axis=" +
                                std::to_string(args_.axis) + " for a " + std::to_string(rank) + "-D input");
  return input_shape;
}

Tensor Softmax::forward(const Tensor& x, bool) {
  if (x.impl()->mask.defined())  // Keras sets the masked positions to -1e9 before the softmax
    throw UnsupportedArgument(describe() + ": its input of shape " + x.shape_string() +
                              " carries a padding mask (Embedding(mask_zero=True)); Keras applies it to the "
                              "softmax, which nerve does not implement yet");
  return activation(x, Activation::Softmax);
}

}  // namespace nerve
