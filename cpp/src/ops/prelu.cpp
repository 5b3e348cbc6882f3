// prelu(): alpha is broadcast through a per-sample index map (sample element -> alpha element),
// built once per call, so shared axes cost nothing in the loops.
#include <stdexcept>
#include <vector>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/ops/activations.h"

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
  std::vector<int64_t> index;  // per sample element: its alpha
  const char* name() const override { return "PReLU"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous(), x = inputs[0].contiguous(), alpha = inputs[1].contiguous();
    const int64_t per = static_cast<int64_t>(index.size()), batch = per ? x.numel() / per : 0;
    std::vector<Tensor> grads(2);
    if (inputs[0].requires_grad()) {
      Tensor dx = Tensor::empty(x.shape());
      parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b)
          for (int64_t i = 0; i < per; ++i) {
            int64_t e = b * per + i;
            dx.data()[e] = x.data()[e] > 0.f ? g.data()[e] : alpha.data()[index[i]] * g.data()[e];
          }
      });
      grads[0] = dx;
    }
    if (inputs[1].requires_grad()) {
      Tensor da = Tensor::zeros(alpha.shape());
      for (int64_t b = 0; b < batch; ++b)  // serial: shared axes make several elements add into one alpha
        for (int64_t i = 0; i < per; ++i) {
          int64_t e = b * per + i;
          if (x.data()[e] <= 0.f) da.data()[index[i]] += x.data()[e] * g.data()[e];
        }
      grads[1] = da;
    }
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
  Tensor xc = x.contiguous(), ac = alpha.contiguous(), out = Tensor::empty(s);
  const int64_t per = static_cast<int64_t>(node->index.size()), batch = per ? x.numel() / per : 0;
  parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t i = 0; i < per; ++i) {
        int64_t e = b * per + i;
        float v = xc.data()[e];
        out.data()[e] = v > 0.f ? v : ac.data()[node->index[i]] * v;
      }
  });
  node->inputs = {x, alpha};
  return record(out, node);
}

}  // namespace nerve
