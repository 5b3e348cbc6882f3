// affine_transform(): Keras's per-sample affine resampling of NHWC images (RandomRotation,
// RandomTranslation, RandomZoom); the kernels are the device's augmentation family, the CPU's in
// cpp/kernels/cpu/augmentation/affine.cpp. The gradient goes to the images only.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/augmentation.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct AffineTransformNode : Node {
  AffineGeometry g;
  std::vector<float> transforms;  // N rows of 8
  const char* name() const override { return "affine_transform"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor gc = grad.contiguous();
    Tensor dx = Tensor::empty({g.N, g.H, g.W, g.C}, gc.device());
    NERVE_KERNEL(gc.device(), augmentation, affine_backward, "affine_transform")(gc.data(), g, transforms.data(),
                                                                                 dx.data());
    return {dx};
  }
};

}  // namespace

AffineFill affine_fill_from(const std::string& name, const std::string& who) {
  if (name == "reflect") return AffineFill::Reflect;
  if (name == "wrap") return AffineFill::Wrap;
  if (name == "constant") return AffineFill::Constant;
  if (name == "nearest") return AffineFill::Nearest;
  throw std::invalid_argument(who + ": fill_mode must be one of 'reflect', 'wrap', 'constant', 'nearest', got '" +
                              name + "'");
}

AffineInterpolation affine_interpolation_from(const std::string& name, const std::string& who) {
  if (name == "bilinear") return AffineInterpolation::Bilinear;
  if (name == "nearest") return AffineInterpolation::Nearest;
  throw std::invalid_argument(who + ": interpolation must be 'nearest' or 'bilinear', got '" + name + "'");
}

Tensor affine_transform(const Tensor& x, const std::vector<AffineTransform>& transforms,
                        AffineInterpolation interpolation, AffineFill fill, float fill_value) {
  if (x.dim() != 4)
    throw std::invalid_argument("affine_transform: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (transforms.size() != static_cast<size_t>(x.size(0)))
    throw std::invalid_argument("affine_transform: " + std::to_string(transforms.size()) +
                                " transforms for a batch of " + std::to_string(x.size(0)));
  auto node = std::make_shared<AffineTransformNode>();
  node->g = AffineGeometry{x.size(0), x.size(1), x.size(2), x.size(3), interpolation, fill, fill_value};
  node->transforms.reserve(8 * transforms.size());
  for (const AffineTransform& t : transforms) node->transforms.insert(node->transforms.end(), t.begin(), t.end());
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), augmentation, affine_forward, "affine_transform")(xc.data(), node->g,
                                                                             node->transforms.data(), y.data());
  node->inputs = {x};
  return record(y, node);
}

}  // namespace nerve
