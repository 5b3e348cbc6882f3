// flip_images(): per-sample height/width flips of NHWC images (RandomFlip); a flip is its own
// inverse, so the gradient is the same flips of the output's gradient.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/augmentation.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

Tensor flip_raw(const Tensor& x, const std::vector<uint8_t>& fh, const std::vector<uint8_t>& fw) {
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), augmentation, flip, "flip_images")(xc.data(), fh.empty() ? nullptr : fh.data(),
                                                              fw.empty() ? nullptr : fw.data(), x.size(0), x.size(1),
                                                              x.size(2), x.size(3), y.data());
  return y;
}

struct FlipImagesNode : Node {
  std::vector<uint8_t> flip_height, flip_width;
  const char* name() const override { return "flip_images"; }
  std::vector<Tensor> backward(const Tensor& grad) override { return {flip_raw(grad, flip_height, flip_width)}; }
};

}  // namespace

Tensor flip_images(const Tensor& x, const std::vector<uint8_t>& flip_height, const std::vector<uint8_t>& flip_width) {
  if (x.dim() != 4)
    throw std::invalid_argument("flip_images: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  const auto n = static_cast<size_t>(x.size(0));
  for (const auto* flags : {&flip_height, &flip_width})
    if (!flags->empty() && flags->size() != n)
      throw std::invalid_argument("flip_images: " + std::to_string(flags->size()) + " flip flags for a batch of " +
                                  std::to_string(n));
  auto node = std::make_shared<FlipImagesNode>();
  node->inputs = {x};
  node->flip_height = flip_height;
  node->flip_width = flip_width;
  return record(flip_raw(x, flip_height, flip_width), node);
}

}  // namespace nerve
