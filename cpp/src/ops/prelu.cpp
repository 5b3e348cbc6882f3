// prelu(): alpha is broadcast through a per-sample index map (sample element -> alpha element),
// built once per call from the shapes, so shared axes cost nothing in the loops (the device's
// activation family; the CPU's in cpp/kernels/cpu/activation/prelu.cpp).
#include <stdexcept>
#include <vector>

#include "nerve/autograd.h"
#include "nerve/ops/activations.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

// For each element of one sample (row-major over `sample`), the index of its alpha.
std::vector<int64_t> alpha_index(const Shape& sample, const Shape& alpha) {
  int64_t n = 1;
  for (int64_t d : sample) n *= d;
  std::vector<int64_t> idx(n);
  std::vector<int64_t> coord(sample.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t a = 0;
    for (size_t k = 0; k < sample.size(); ++k) a = a * alpha[k] + (alpha[k] == 1 ? 0 : coord[k]);
    idx[i] = a;
    for (size_t k = sample.size(); k-- > 0;) {  // advance the row-major coordinate
      if (++coord[k] < sample[k]) break;
      coord[k] = 0;
    }
  }
  return idx;
}

struct PReluNode : Node {
  std::vector<int64_t> index;  // per sample element: its alpha (host metadata, built once per call)
  const char* name() const override { return "PReLU"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous(), x = inputs[0].contiguous(), alpha = inputs[1].contiguous();
    const int64_t per = static_cast<int64_t>(index.size()), batch = per ? x.numel() / per : 0;
    std::vector<Tensor> grads(2);
    if (inputs[0].requires_grad()) grads[0] = Tensor::empty(x.shape(), x.device());
    if (inputs[1].requires_grad()) grads[1] = Tensor::empty(alpha.shape(), x.device());
    NERVE_KERNEL(x.device(), activation, prelu_backward, "prelu")(
        x.data(), alpha.data(), g.data(), index.data(), batch, per, grads[0].defined() ? grads[0].data() : nullptr,
        grads[1].defined() ? grads[1].data() : nullptr, alpha.numel());
    return grads;
  }
};

}  // namespace

Tensor prelu(const Tensor& x, const Tensor& alpha) {
  const Shape& s = x.shape();
  const Shape& a = alpha.shape();
  bool fits = x.dim() >= 1 && a.size() + 1 == s.size();
  for (size_t k = 0; fits && k < a.size(); ++k) fits = a[k] == s[k + 1] || a[k] == 1;
  if (!fits)
    throw std::invalid_argument("prelu: alpha of shape " + alpha.shape_string() + " does not fit input " +
                                x.shape_string() + " (it needs the input's per-sample shape, with 1 on shared axes)");
  Shape sample(s.begin() + 1, s.end());
  auto node = std::make_shared<PReluNode>();
  node->index = alpha_index(sample, a);
  check_same_device("prelu", x, alpha);
  Tensor xc = x.contiguous(), ac = alpha.contiguous(), out = Tensor::empty(s, x.device());
  const int64_t per = static_cast<int64_t>(node->index.size()), batch = per ? x.numel() / per : 0;
  NERVE_KERNEL(x.device(), activation, prelu_forward, "prelu")(xc.data(), ac.data(), node->index.data(), batch, per,
                                                               out.data());
  node->inputs = {x, alpha};
  return record(out, node);
}

}  // namespace nerve
