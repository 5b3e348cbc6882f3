// RandomZoom: each sample zoomed about its centre by its own factors while training.
#include "augmentation_args.h"
#include "nerve/layers/augmentation.h"
#include "nerve/random.h"

namespace nerve {

namespace {
bool zoom_bound(const ArgValue& v) {  // Keras: (-1, 1] (a factor of -1 would zoom to a point)
  if (std::holds_alternative<std::monostate>(v)) return true;
  const double x = std::get<double>(v);
  return x > -1.0 && x <= 1.0;
}
}  // namespace

const ArgTable<RandomZoomArgs>& RandomZoomArgs::table() {
  using Self = RandomZoomArgs;
  static const ArgTable<RandomZoomArgs> t{{
      NERVE_ARG(height_lower).must("a number in (-1, 1]", zoom_bound),
      NERVE_ARG(height_upper).must("a number in (-1, 1]", zoom_bound),
      NERVE_ARG(width_lower).must("a number in (-1, 1] or None", zoom_bound),
      NERVE_ARG(width_upper).must("a number in (-1, 1] or None", zoom_bound),
      NERVE_AFFINE_AUGMENTATION_FIELDS,
  }};
  return t;
}
NERVE_REGISTER_LAYER(RandomZoom, "RandomZoom")

RandomZoom::RandomZoom(std::string name, RandomZoomArgs args)
    : RandomImageLayer(std::move(name)), args_(std::move(args)) {
  RandomZoomArgs::table().validate(args_, describe());
  if (args_.width_lower.has_value() != args_.width_upper.has_value())
    throw std::invalid_argument(describe() + ": width_lower and width_upper are given together or not at all");
  if (args_.height_lower > args_.height_upper || (args_.width_lower && *args_.width_lower > *args_.width_upper))
    throw std::invalid_argument(describe() + ": a factor's lower bound must not exceed its upper bound");
  given_seed_ = args_.seed;
}

Tensor RandomZoom::forward(const Tensor& x, bool training) {
  if (!training) return x;
  const std::string who = describe();
  const auto fill = affine_fill_from(args_.fill_mode, who);
  const auto interpolation = affine_interpolation_from(args_.interpolation, who);
  Rng rng(next_draw_seed());
  const float H = static_cast<float>(x.size(1)), W = static_cast<float>(x.size(2));
  const auto draw = [&](double lo, double hi) {
    return (1.f + static_cast<float>(lo)) + static_cast<float>(hi - lo) * rng.uniform();
  };
  std::vector<AffineTransform> transforms(static_cast<size_t>(x.size(0)));
  for (auto& t : transforms) {
    const float zy = draw(args_.height_lower, args_.height_upper);
    const float zx = args_.width_lower ? draw(*args_.width_lower, *args_.width_upper) : zy;
    // Keras's zoom matrix: the grid scaled about the centre ((size - 1) / 2)
    t = {zx, 0.f, (W - 1.f) / 2.f * (1.f - zx), 0.f, zy, (H - 1.f) / 2.f * (1.f - zy), 0.f, 0.f};
  }
  return affine_transform(x, transforms, interpolation, fill, static_cast<float>(args_.fill_value));
}

}  // namespace nerve
