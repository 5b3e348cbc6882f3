// zero_pad2d(): zeros around the height and width of NHWC images.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/ops/reshaping.h"

namespace nerve {

namespace {

// Copies rows of W*C floats between an unpadded [N, H, W, C] and a padded [N, PH, PW, C] image;
// to_padded picks the direction (forward writes into the padding frame, backward reads from it).
void copy_interior(const float* src, float* dst, int64_t N, int64_t H, int64_t W, int64_t C, int64_t top, int64_t left,
                   int64_t PH, int64_t PW, bool to_padded) {
  parallel_for(N * H, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(W * C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / H, h = t % H;
      const int64_t inner = t * W * C, outer = ((n * PH + h + top) * PW + left) * C;
      if (to_padded)
        std::memcpy(dst + outer, src + inner, static_cast<size_t>(W * C) * sizeof(float));
      else
        std::memcpy(dst + inner, src + outer, static_cast<size_t>(W * C) * sizeof(float));
    }
  });
}

struct ZeroPadNode : Node {
  int64_t N, H, W, C, top, left, PH, PW;
  const char* name() const override { return "ZeroPadding2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty({N, H, W, C});
    copy_interior(g.data(), dx.data(), N, H, W, C, top, left, PH, PW, false);
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
  Tensor y = Tensor::zeros({N, PH, PW, C});
  copy_interior(xc.data(), y.data(), N, H, W, C, top, left, PH, PW, true);
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
