// RandomImageLayer: the shape check, seed and call counter every augmentation layer shares.
#include <stdexcept>

#include "nerve/layers/augmentation.h"
#include "nerve/layers/regularization.h"

namespace nerve {

Shape RandomImageLayer::output_shape(const Shape& s) const {
  if (s.size() != 3)
    throw std::invalid_argument(
        describe() + ": expected images of rank 4 (batch, height, width, channels), got shape " + batch_shape_str(s) +
        "; give one image a batch axis (image[None]), grayscale images a channel axis "
        "(N, H, W, 1)");
  return s;
}

void RandomImageLayer::build_weights(const Shape&, uint64_t seed) {
  seed_ = given_seed_ ? static_cast<uint64_t>(*given_seed_) : seed;
  calls_ = 0;
}

uint64_t RandomImageLayer::next_draw_seed() { return dropout_seed(seed_, calls_++); }

}  // namespace nerve
