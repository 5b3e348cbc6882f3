// layer_norm(): per-row mean and variance (two passes, in double), saved for the backward pass.
#include <Eigen/Core>
#include <cmath>
#include <stdexcept>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/ops/normalization.h"

namespace nerve {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

struct LayerNormNode : Node {
  Tensor xhat;  // [rows, D] normalised input
  Tensor rstd;  // [rows]
  const char* name() const override { return "LayerNorm"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Tensor &gamma = inputs[1], &beta = inputs[2];
    int64_t D = xhat.size(1), rows = xhat.size(0);
    Tensor gc = gamma.defined() ? gamma.contiguous() : Tensor();
    std::vector<Tensor> grads(3);
    if (inputs[0].requires_grad()) {
      Tensor dx = Tensor::empty(inputs[0].shape(), inputs[0].device());
      parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
        Eigen::ArrayXf dxh(D);
        for (int64_t r = r0; r < r1; ++r) {
          CArr dy(g.data() + r * D, D), xh(xhat.data() + r * D, D);
          dxh = gc.defined() ? (dy * CArr(gc.data(), D)).eval() : Eigen::ArrayXf(dy);
          float m1 = dxh.mean(), m2 = (dxh * xh).mean();
          Arr(dx.data() + r * D, D) = rstd.data()[r] * (dxh - m1 - xh * m2);
        }
      });
      grads[0] = dx;
    }
    if (gamma.defined() && gamma.requires_grad()) {
      Tensor dg = Tensor::zeros({D});
      for (int64_t r = 0; r < rows; ++r) Arr(dg.data(), D) += CArr(g.data() + r * D, D) * CArr(xhat.data() + r * D, D);
      grads[1] = dg;
    }
    if (beta.defined() && beta.requires_grad()) {
      Tensor db = Tensor::zeros({D});
      for (int64_t r = 0; r < rows; ++r) Arr(db.data(), D) += CArr(g.data() + r * D, D);
      grads[2] = db;
    }
    return grads;
  }
};

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon) {
  if (x.dim() < 1) throw std::invalid_argument("layer_norm: input must have at least one axis");
  int64_t D = x.size(-1), rows = D ? x.numel() / D : 0;
  for (const Tensor* p : {&gamma, &beta})
    if (p->defined() && (p->dim() != 1 || p->size(0) != D))
      throw std::invalid_argument("layer_norm: scale/offset of shape " + p->shape_string() +
                                  " does not match the last axis of input " + x.shape_string());
  if (!(epsilon > 0.f)) throw std::invalid_argument("layer_norm: epsilon must be positive");
  Tensor xc = x.contiguous();
  Tensor xhat = Tensor::empty({rows, D}), rstd = Tensor::empty({rows}), out = Tensor::empty(x.shape(), x.device());
  Tensor gc = gamma.defined() ? gamma.contiguous() : Tensor();
  Tensor bc = beta.defined() ? beta.contiguous() : Tensor();
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      CArr xr(xc.data() + r * D, D);
      double mu = xr.cast<double>().mean();
      double var = (xr.cast<double>() - mu).square().mean();
      float rs = static_cast<float>(1.0 / std::sqrt(var + epsilon));
      Arr xh(xhat.data() + r * D, D), y(out.data() + r * D, D);
      xh = (xr - static_cast<float>(mu)) * rs;
      y = xh;
      if (gc.defined()) y *= CArr(gc.data(), D);
      if (bc.defined()) y += CArr(bc.data(), D);
      rstd.data()[r] = rs;
    }
  });
  auto node = std::make_shared<LayerNormNode>();
  node->inputs = {x, gamma, beta};
  node->xhat = xhat;
  node->rstd = rstd;
  return record(out, node);
}

}  // namespace nerve
