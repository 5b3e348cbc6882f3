// zero_pad2d(): zeros around the height and width of NHWC images (the copies are the device's
// shape family; the CPU's in cpp/kernels/cpu/shape/copies.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/reshaping.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct ZeroPadNode : Node {
  int64_t N, H, W, C, top, left, PH, PW;
  const char* name() const override { return "ZeroPadding2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty({N, H, W, C}, g.device());
    NERVE_KERNEL(g.device(), shape, pad2d_copy, "zero_pad2d")(g.data(), dx.data(), N, H, W, C, top, left, PH, PW,
                                                              false);
    return {dx};
  }
};

}  // namespace

Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  if (x.dim() != 4)
    throw std::invalid_argument("zero_pad2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw std::invalid_argument("zero_pad2d: padding must be non-negative");
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  const int64_t PH = H + top + bottom, PW = W + left + right;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::zeros({N, PH, PW, C}, x.device());
  NERVE_KERNEL(x.device(), shape, pad2d_copy, "zero_pad2d")(xc.data(), y.data(), N, H, W, C, top, left, PH, PW, true);
  auto node = std::make_shared<ZeroPadNode>();
  node->inputs = {x};
  node->N = N;
  node->H = H;
  node->W = W;
  node->C = C;
  node->top = top;
  node->left = left;
  node->PH = PH;
  node->PW = PW;
  return record(y, node);
}

}  // namespace nerve
