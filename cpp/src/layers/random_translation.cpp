// RandomTranslation: each sample shifted by its own fraction of the height and width while training.
#include "augmentation_args.h"
#include "nerve/layers/augmentation.h"
#include "nerve/random.h"

namespace nerve {

const ArgTable<RandomTranslationArgs>& RandomTranslationArgs::table() {
  using Self = RandomTranslationArgs;
  static const ArgTable<RandomTranslationArgs> t{{
      NERVE_ARG(height_lower).must("a number in [-1, 1]", arg_in_signed_unit),
      NERVE_ARG(height_upper).must("a number in [-1, 1]", arg_in_signed_unit),
      NERVE_ARG(width_lower).must("a number in [-1, 1]", arg_in_signed_unit),
      NERVE_ARG(width_upper).must("a number in [-1, 1]", arg_in_signed_unit),
      NERVE_AFFINE_AUGMENTATION_FIELDS,
  }};
  return t;
}
NERVE_REGISTER_LAYER(RandomTranslation, "RandomTranslation")

RandomTranslation::RandomTranslation(std::string name, RandomTranslationArgs args)
    : RandomImageLayer(std::move(name)), args_(std::move(args)) {
  RandomTranslationArgs::table().validate(args_, describe());
  if (args_.height_lower > args_.height_upper || args_.width_lower > args_.width_upper)
    throw std::invalid_argument(describe() + ": a factor's lower bound must not exceed its upper bound");
  given_seed_ = args_.seed;
}

Tensor RandomTranslation::forward(const Tensor& x, bool training) {
  if (!training) return x;
  const std::string who = describe();
  const auto fill = affine_fill_from(args_.fill_mode, who);
  const auto interpolation = affine_interpolation_from(args_.interpolation, who);
  Rng rng(next_draw_seed());
  const auto H = static_cast<float>(x.size(1)), W = static_cast<float>(x.size(2));
  const auto draw = [&](double lo, double hi) {
    return static_cast<float>(lo) + static_cast<float>(hi - lo) * rng.uniform();
  };
  std::vector<AffineTransform> transforms(static_cast<size_t>(x.size(0)));
  for (auto& t : transforms) {
    const float dy = draw(args_.height_lower, args_.height_upper) * H;
    const float dx = draw(args_.width_lower, args_.width_upper) * W;
    t = {1.f, 0.f, -dx, 0.f, 1.f, -dy, 0.f, 0.f};  // Keras's translation matrix
  }
  return affine_transform(x, transforms, interpolation, fill, static_cast<float>(args_.fill_value));
}

}  // namespace nerve
