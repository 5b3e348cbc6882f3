// RandomFlip: each sample flipped with probability 1/2 while training.
#include "augmentation_args.h"
#include "nerve/layers/augmentation.h"
#include "nerve/random.h"

namespace nerve {

const ArgTable<RandomFlipArgs>& RandomFlipArgs::table() {
  using Self = RandomFlipArgs;
  static const ArgTable<RandomFlipArgs> t{{
      NERVE_ARG(mode).must("one of 'horizontal', 'vertical', 'horizontal_and_vertical'",
                           arg_one_of({"horizontal", "vertical", "horizontal_and_vertical"})),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(RandomFlip, "RandomFlip")

RandomFlip::RandomFlip(std::string name, RandomFlipArgs args)
    : RandomImageLayer(std::move(name)), args_(std::move(args)) {
  RandomFlipArgs::table().validate(args_, describe());
  given_seed_ = args_.seed;
}

Tensor RandomFlip::forward(const Tensor& x, bool training) {
  if (!training) return x;
  Rng rng(next_draw_seed());
  std::vector<uint8_t> flips(static_cast<size_t>(x.size(0)));
  for (auto& f : flips) f = rng.uniform() < 0.5f;  // Keras: uniform <= 0.5
  const bool width = args_.mode != "vertical", height = args_.mode != "horizontal";
  return flip_images(x, height ? flips : std::vector<uint8_t>{}, width ? flips : std::vector<uint8_t>{});
}

}  // namespace nerve
