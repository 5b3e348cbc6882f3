// LayerNormalization over the last axis.
#include <stdexcept>

#include "nerve/layers/normalization.h"
#include "nerve/ops/normalization.h"

namespace nerve {

const ArgTable<LayerNormalizationArgs>& LayerNormalizationArgs::table() {
  using Self = LayerNormalizationArgs;
  static const ArgTable<LayerNormalizationArgs> t{{
      NERVE_ARG(axis).supports("only axis=-1 is implemented",
                               [](const ArgValue& v) { return std::get<int64_t>(v) == -1; }),
      NERVE_ARG(epsilon).must("a positive number", arg_positive),
      NERVE_ARG(center),
      NERVE_ARG(scale),
      NERVE_ARG(beta_initializer),
      NERVE_ARG(gamma_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(LayerNormalization, "LayerNormalization")

LayerNormalization::LayerNormalization(std::string name, LayerNormalizationArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  LayerNormalizationArgs::table().validate(args_, describe());
  epsilon_ = static_cast<float>(args_.epsilon);
  check_initializer(args_.gamma_initializer);
  check_initializer(args_.beta_initializer);
}

namespace {
LayerNormalizationArgs with_epsilon(float epsilon) {
  LayerNormalizationArgs a;
  a.epsilon = epsilon;
  return a;
}
}  // namespace

LayerNormalization::LayerNormalization(std::string name, float epsilon)
    : LayerNormalization(std::move(name), with_epsilon(epsilon)) {}

Shape LayerNormalization::output_shape(const Shape& s) const {
  if (s.empty()) throw std::invalid_argument(describe() + ": input needs a feature axis, got a scalar per sample");
  require_known_dim(describe(), s, s.size() - 1, "the last axis (features)");
  return s;
}

void LayerNormalization::build_weights(const Shape& s, uint64_t seed) {
  int64_t D = s.back();
  if (args_.scale) add_weight({D}, args_.gamma_initializer, D, D, seed, true, "gamma");
  if (args_.center) add_weight({D}, args_.beta_initializer, D, D, seed ^ 0xb1a5ull, true, "beta");
}

Tensor LayerNormalization::forward(const Tensor& x, bool) {
  Tensor gamma = args_.scale ? weights_[0] : Tensor();
  Tensor beta = args_.center ? weights_[args_.scale ? 1 : 0] : Tensor();
  Tensor y = layer_norm(x, gamma, beta, epsilon_);
  y.impl()->mask = x.impl()->mask;
  return y;
}

}  // namespace nerve
