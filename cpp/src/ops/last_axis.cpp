// Ops along the last axis (nerve/ops/last_axis.h).
#include "nerve/ops/last_axis.h"

#include "nerve/autograd.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

int64_t last_dim(const Tensor& x) { return x.dim() == 0 ? 1 : x.shape().back(); }
int64_t row_count(const Tensor& x) {
  const int64_t n = last_dim(x);
  return n == 0 ? 0 : x.numel() / n;
}

struct CumulativeNode : Node {
  bool product = false;
  Tensor x;  // contiguous, detached
  const char* name() const override { return product ? "cumprod" : "cumsum"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), math, cumulative_rows_backward, name())
    (product, x.data(), dy.data(), row_count(x), last_dim(x), dx.data());
    return {dx};
  }
};

}  // namespace

Tensor argsort_last(const Tensor& x, bool descending) {
  Tensor xc = x.contiguous().detach();
  Tensor idx = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), math, argsort_rows, "argsort")
  (xc.data(), row_count(x), last_dim(x), descending, idx.data());
  return idx;
}

Tensor cumulative_last(const Tensor& x, bool product) {
  const char* name = product ? "cumprod" : "cumsum";
  Tensor xc = x.contiguous().detach();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), math, cumulative_rows, name)(product, xc.data(), row_count(x), last_dim(x), y.data());
  auto node = std::make_shared<CumulativeNode>();
  node->product = product;
  node->inputs = {x};
  node->x = xc;
  return record(y, node);
}

}  // namespace nerve
