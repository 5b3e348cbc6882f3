// GaussianNoise and GaussianDropout: noise while training, the identity otherwise.
#include <stdexcept>

#include "nerve/layers/regularization.h"
#include "nerve/ops/regularization.h"

namespace nerve {

namespace {
bool in_closed_unit_interval(const ArgValue& v) {
  const double x = std::get<double>(v);
  return x >= 0.0 && x <= 1.0;
}
}  // namespace

const ArgTable<GaussianNoiseArgs>& GaussianNoiseArgs::table() {
  using Self = GaussianNoiseArgs;
  static const ArgTable<GaussianNoiseArgs> t{{
      NERVE_ARG(stddev).require().must("a float in [0, 1]", in_closed_unit_interval),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GaussianNoise, "GaussianNoise")

GaussianNoise::GaussianNoise(std::string name, GaussianNoiseArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  GaussianNoiseArgs::table().validate(args_, describe());
}

void GaussianNoise::build_weights(const Shape&, uint64_t seed) {
  seed_ = args_.seed ? static_cast<uint64_t>(*args_.seed) : seed;
  calls_ = 0;
}

Tensor GaussianNoise::forward(const Tensor& x, bool training) {
  if (!training || args_.stddev == 0.0) return x;
  return gaussian_noise(x, static_cast<float>(args_.stddev), dropout_seed(seed_, calls_++));
}

const ArgTable<GaussianDropoutArgs>& GaussianDropoutArgs::table() {
  using Self = GaussianDropoutArgs;
  static const ArgTable<GaussianDropoutArgs> t{{
      // Keras takes 1 too, whose noise has an infinite deviation: refused here
      NERVE_ARG(rate).require().must("a float in [0, 1)", arg_unit_interval),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GaussianDropout, "GaussianDropout")

GaussianDropout::GaussianDropout(std::string name, GaussianDropoutArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  GaussianDropoutArgs::table().validate(args_, describe());
}

void GaussianDropout::build_weights(const Shape&, uint64_t seed) {
  seed_ = args_.seed ? static_cast<uint64_t>(*args_.seed) : seed;
  calls_ = 0;
}

Tensor GaussianDropout::forward(const Tensor& x, bool training) {
  if (!training || args_.rate == 0.0) return x;
  return gaussian_dropout(x, static_cast<float>(args_.rate), dropout_seed(seed_, calls_++));
}

}  // namespace nerve
