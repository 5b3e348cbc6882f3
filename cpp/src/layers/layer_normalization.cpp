// LayerNormalization over the last axis (Keras epsilon 1e-3 by default).
#include <stdexcept>

#include "nerve/layers/normalization.h"
#include "nerve/ops/normalization.h"

namespace nerve {

LayerNormalization::LayerNormalization(std::string name, float epsilon, bool center, bool scale,
                                       Initializer gamma_initializer, Initializer beta_initializer)
    : Layer(std::move(name)), epsilon_(epsilon), center_(center), scale_(scale),
      gamma_init_(std::move(gamma_initializer)), beta_init_(std::move(beta_initializer)) {
  if (!(epsilon > 0.f)) throw std::invalid_argument(describe() + ": epsilon must be positive");
  check_initializer(gamma_init_);
  check_initializer(beta_init_);
}

Shape LayerNormalization::output_shape(const Shape& s) const {
  if (s.empty()) throw std::invalid_argument(describe() + ": input needs a feature axis, got a scalar per sample");
  require_known_dim(describe(), s, s.size() - 1, "the last axis (features)");
  return s;
}

void LayerNormalization::build_weights(const Shape& s, uint64_t seed) {
  int64_t D = s.back();
  if (scale_) add_weight({D}, gamma_init_, D, D, seed);
  if (center_) add_weight({D}, beta_init_, D, D, seed ^ 0xb1a5ull);
}

Tensor LayerNormalization::forward(const Tensor& x, bool) {
  Tensor gamma = scale_ ? weights_[0] : Tensor();
  Tensor beta = center_ ? weights_[scale_ ? 1 : 0] : Tensor();
  Tensor y = layer_norm(x, gamma, beta, epsilon_);
  y.impl()->mask = x.impl()->mask;
  return y;
}

}  // namespace nerve
