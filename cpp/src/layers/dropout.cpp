#include <stdexcept>

#include "nerve/layers/regularization.h"
#include "nerve/ops/regularization.h"

namespace nerve {

const ArgTable<DropoutArgs>& DropoutArgs::table() {
  using Self = DropoutArgs;
  static const ArgTable<DropoutArgs> t{{
      NERVE_ARG(rate).require().must("a float in [0, 1)", arg_unit_interval),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Dropout, "Dropout")

Dropout::Dropout(std::string name, DropoutArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  DropoutArgs::table().validate(args_, describe());
  rate_ = static_cast<float>(args_.rate);
}

void Dropout::build_weights(const Shape&, uint64_t seed) {
  seed_ = args_.seed ? static_cast<uint64_t>(*args_.seed) : seed;
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
