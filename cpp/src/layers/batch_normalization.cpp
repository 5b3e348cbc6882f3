#include <stdexcept>

#include "nerve/layers/normalization.h"
#include "nerve/ops/normalization.h"

namespace nerve {

BatchNormalization::BatchNormalization(std::string name, float momentum, float epsilon, bool center, bool scale,
                                       Initializer beta_initializer, Initializer gamma_initializer,
                                       Initializer moving_mean_initializer, Initializer moving_variance_initializer)
    : Layer(std::move(name)), momentum_(momentum), epsilon_(epsilon), center_(center), scale_(scale),
      beta_init_(std::move(beta_initializer)), gamma_init_(std::move(gamma_initializer)),
      mean_init_(std::move(moving_mean_initializer)), var_init_(std::move(moving_variance_initializer)) {
  if (!(momentum >= 0.f && momentum <= 1.f))
    throw std::invalid_argument(describe() + ": momentum must be in [0, 1], got " + std::to_string(momentum));
  if (!(epsilon > 0.f))
    throw std::invalid_argument(describe() + ": epsilon must be positive, got " + std::to_string(epsilon));
  for (auto* i : {&beta_init_, &gamma_init_, &mean_init_, &var_init_}) check_initializer(*i);
}

Shape BatchNormalization::output_shape(const Shape& s) const {
  if (s.empty())
    throw std::invalid_argument(describe() + ": input needs a feature axis, got shape " + batch_shape_str(s));
  require_known_dim(describe(), s, s.size() - 1, "the last axis (channels)");
  return s;
}

void BatchNormalization::build_weights(const Shape& s, uint64_t seed) {
  const int64_t C = s.back();
  if (scale_) add_weight({C}, gamma_init_, C, C, seed, true, "gamma");
  if (center_) add_weight({C}, beta_init_, C, C, seed ^ 0xbe7aull, true, "beta");
  add_weight({C}, mean_init_, C, C, seed ^ 0x3ea4ull, /*trainable=*/false);
  add_weight({C}, var_init_, C, C, seed ^ 0x7a7ull, /*trainable=*/false);
}

Tensor BatchNormalization::forward(const Tensor& x, bool training) {
  size_t i = 0;
  Tensor gamma = scale_ ? weights_[i++] : Tensor();
  Tensor beta = center_ ? weights_[i++] : Tensor();
  const Tensor& moving_mean = weights_[i++];
  const Tensor& moving_variance = weights_[i++];
  return batch_norm(x, gamma, beta, moving_mean, moving_variance, training && trainable, momentum_, epsilon_);
}

}  // namespace nerve
