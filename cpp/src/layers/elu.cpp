// ELU: x for x > 0, alpha * (exp(x) - 1) otherwise.
#include <stdexcept>

#include "nerve/layers/activations.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<ELUArgs>& ELUArgs::table() {
  using Self = ELUArgs;
  static const ArgTable<ELUArgs> t{{NERVE_ARG(alpha)}};  // any alpha, as Keras
  return t;
}
NERVE_REGISTER_LAYER(ELU, "ELU")

ELU::ELU(std::string name, ELUArgs args) : ElementwiseActivationLayer(std::move(name)), args_(std::move(args)) {}

Tensor ELU::forward(const Tensor& x, bool) { return activation(x, Activation::Elu, static_cast<float>(args_.alpha)); }

}  // namespace nerve
