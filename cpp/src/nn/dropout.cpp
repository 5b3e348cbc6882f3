#include <stdexcept>

#include "nerve/conv_layers.h"

namespace nerve {

Dropout::Dropout(std::string name, float rate, int64_t seed) : Layer(std::move(name)), rate_(rate), user_seed_(seed) {
  if (!(rate >= 0.f && rate < 1.f))
    throw std::invalid_argument(describe() + ": rate must be in [0, 1), got " + std::to_string(rate));
}

void Dropout::build_weights(const Shape&, uint64_t seed) {
  seed_ = user_seed_ >= 0 ? static_cast<uint64_t>(user_seed_) : seed;
  calls_ = 0;
}

Tensor Dropout::forward(const Tensor& x, bool training) {
  if (!training || rate_ == 0.f) return x;
  // A fresh, reproducible mask per training step: the step counter is folded into the seed.
  return dropout(x, rate_, seed_ + 0x9E3779B97F4A7C15ull * ++calls_);
}

}  // namespace nerve
