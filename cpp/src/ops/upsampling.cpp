// upsample2d(): NHWC images upsampled by integer factors, nearest or bilinear (the kernels are the
// device's shape family; the CPU's in cpp/kernels/cpu/shape/upsampling.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/reshaping.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct Upsample2DNode : Node {
  int64_t N, H, W, C, sh, sw;
  bool bilinear;
  const char* name() const override { return "UpSampling2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty({N, H, W, C}, g.device());
    NERVE_KERNEL(g.device(), shape, upsample2d_backward, "upsample2d")(g.data(), N, H, W, C, sh, sw, bilinear,
                                                                       dx.data());
    return {dx};
  }
};

}  // namespace

Tensor upsample2d(const Tensor& x, int64_t size_h, int64_t size_w, const std::string& interpolation) {
  if (x.dim() != 4)
    throw std::invalid_argument("upsample2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (size_h <= 0 || size_w <= 0)
    throw std::invalid_argument("upsample2d: size must be positive, got (" + std::to_string(size_h) + ", " +
                                std::to_string(size_w) + ")");
  if (interpolation != "nearest" && interpolation != "bilinear")
    throw std::invalid_argument("upsample2d: interpolation must be 'nearest' or 'bilinear', got '" + interpolation +
                                "'");
  const bool bilinear = interpolation == "bilinear";
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({N, H * size_h, W * size_w, C}, x.device());
  NERVE_KERNEL(x.device(), shape, upsample2d, "upsample2d")(xc.data(), N, H, W, C, size_h, size_w, bilinear, y.data());
  auto node = std::make_shared<Upsample2DNode>();
  node->inputs = {x};
  node->N = N;
  node->H = H;
  node->W = W;
  node->C = C;
  node->sh = size_h;
  node->sw = size_w;
  node->bilinear = bilinear;
  return record(y, node);
}

}  // namespace nerve
