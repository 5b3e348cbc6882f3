// crop2d(): the inner window of NHWC images, zero_pad2d's adjoint, on the same kernel (the device's
// shape family pad2d_copy, read from the "padded" side forward and written to it backward).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/reshaping.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct Crop2DNode : Node {
  int64_t N, OH, OW, C, top, left, H, W;
  const char* name() const override { return "Cropping2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::zeros({N, H, W, C}, g.device());
    NERVE_KERNEL(g.device(), shape, pad2d_copy, "crop2d")(g.data(), dx.data(), N, OH, OW, C, top, left, H, W, true);
    return {dx};
  }
};

}  // namespace

Tensor crop2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  if (x.dim() != 4)
    throw std::invalid_argument("crop2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw std::invalid_argument("crop2d: cropping must be non-negative");
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  if (top + bottom >= H || left + right >= W)
    throw std::invalid_argument("crop2d: cropping (" + std::to_string(top) + ", " + std::to_string(bottom) + "), (" +
                                std::to_string(left) + ", " + std::to_string(right) +
                                ") leaves nothing of an input of shape " + x.shape_string() +
                                " (height is axis 1, width axis 2)");
  const int64_t OH = H - top - bottom, OW = W - left - right;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({N, OH, OW, C}, x.device());
  NERVE_KERNEL(x.device(), shape, pad2d_copy, "crop2d")(xc.data(), y.data(), N, OH, OW, C, top, left, H, W, false);
  auto node = std::make_shared<Crop2DNode>();
  node->inputs = {x};
  node->N = N;
  node->OH = OH;
  node->OW = OW;
  node->C = C;
  node->top = top;
  node->left = left;
  node->H = H;
  node->W = W;
  return record(y, node);
}

}  // namespace nerve
