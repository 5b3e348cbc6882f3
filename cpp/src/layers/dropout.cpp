#include <stdexcept>

#include "nerve/layers/regularization.h"
#include "nerve/ops/regularization.h"

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

uint64_t dropout_seed(uint64_t layer_seed, uint64_t call) {
  uint64_t z = layer_seed + 0x9E3779B97F4A7C15ull * (call + 1);  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace nerve
