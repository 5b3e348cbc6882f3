// RandomContrast: each sample's contrast scaled by its own factor while training.
#include "augmentation_args.h"
#include "nerve/layers/augmentation.h"
#include "nerve/random.h"

namespace nerve {

const ArgTable<RandomContrastArgs>& RandomContrastArgs::table() {
  using Self = RandomContrastArgs;
  static const ArgTable<RandomContrastArgs> t{{
      NERVE_ARG(factor_lower).must("a finite number", arg_finite),
      NERVE_ARG(factor_upper).must("a finite number", arg_finite),
      NERVE_ARG(value_low).must("a finite number", arg_finite),
      NERVE_ARG(value_high).must("a finite number", arg_finite),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(RandomContrast, "RandomContrast")

RandomContrast::RandomContrast(std::string name, RandomContrastArgs args)
    : RandomImageLayer(std::move(name)), args_(std::move(args)) {
  RandomContrastArgs::table().validate(args_, describe());
  given_seed_ = args_.seed;
}

Tensor RandomContrast::forward(const Tensor& x, bool training) {
  if (!training) return x;
  Rng rng(next_draw_seed());
  const float lo = 1.f - static_cast<float>(args_.factor_lower), hi = 1.f + static_cast<float>(args_.factor_upper);
  std::vector<float> factors(static_cast<size_t>(x.size(0)));
  for (float& f : factors) f = lo + (hi - lo) * rng.uniform();
  return adjust_contrast(x, factors, static_cast<float>(args_.value_low), static_cast<float>(args_.value_high));
}

}  // namespace nerve
