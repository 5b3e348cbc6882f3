// RandomRotation: each sample rotated about its centre by its own angle while training.
#include <cmath>

#include "augmentation_args.h"
#include "nerve/layers/augmentation.h"
#include "nerve/random.h"

namespace nerve {

const ArgTable<RandomRotationArgs>& RandomRotationArgs::table() {
  using Self = RandomRotationArgs;
  static const ArgTable<RandomRotationArgs> t{{
      NERVE_ARG(factor_lower).must("a finite number", arg_finite),
      NERVE_ARG(factor_upper).must("a finite number", arg_finite),
      NERVE_AFFINE_AUGMENTATION_FIELDS,
  }};
  return t;
}
NERVE_REGISTER_LAYER(RandomRotation, "RandomRotation")

RandomRotation::RandomRotation(std::string name, RandomRotationArgs args)
    : RandomImageLayer(std::move(name)), args_(std::move(args)) {
  RandomRotationArgs::table().validate(args_, describe());
  if (args_.factor_lower > args_.factor_upper)
    throw std::invalid_argument(describe() + ": factor_lower must not exceed factor_upper");
  given_seed_ = args_.seed;
}

Tensor RandomRotation::forward(const Tensor& x, bool training) {
  if (!training) return x;
  const std::string who = describe();
  const auto fill = affine_fill_from(args_.fill_mode, who);
  const auto interpolation = affine_interpolation_from(args_.interpolation, who);
  Rng rng(next_draw_seed());
  // Keras's _compute_affine_matrix with no shear, scale 1 and no shift, in float32 as Keras
  const float lo = static_cast<float>(args_.factor_lower) * 360.f, hi = static_cast<float>(args_.factor_upper) * 360.f;
  const float cx = 0.5f * static_cast<float>(x.size(2) - 1), cy = 0.5f * static_cast<float>(x.size(1) - 1);
  std::vector<AffineTransform> transforms(static_cast<size_t>(x.size(0)));
  for (auto& t : transforms) {
    const float angle = (lo + (hi - lo) * rng.uniform()) * static_cast<float>(M_PI / 180.0);
    const float c = std::cos(angle), s = std::sin(angle);
    const float a0 = c, a1 = -s, b0 = s, b1 = c;
    t = {a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0.f, 0.f};
  }
  return affine_transform(x, transforms, interpolation, fill, static_cast<float>(args_.fill_value));
}

}  // namespace nerve
