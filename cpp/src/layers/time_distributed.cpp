// TimeDistributed: folds time into the batch axis around any layer.
#include <stdexcept>

#include "nerve/layers/wrappers.h"

namespace nerve {

TimeDistributed::TimeDistributed(std::string name, std::shared_ptr<Layer> layer)
    : Layer(std::move(name)), inner_(std::move(layer)) {
  if (!inner_) throw std::invalid_argument(describe() + ": the wrapped layer is null");
}

Shape TimeDistributed::output_shape(const Shape& s) const {
  if (s.size() < 2)
    throw std::invalid_argument(describe() + ": expects input of shape (batch, timesteps, ...), got " +
                                batch_shape_str(s));
  Shape inner = inner_->output_shape(Shape(s.begin() + 1, s.end()));
  inner.insert(inner.begin(), s[0]);
  return inner;
}

Shape TimeDistributed::input_spec(const Shape& built, size_t) const {
  Shape spec = inner_->input_spec(Shape(built.begin() + 1, built.end()), 0);
  spec.insert(spec.begin(), kUnknownDim);  // any number of timesteps
  return spec;
}

void TimeDistributed::build_weights(const Shape& s, uint64_t seed) {
  inner_->build(Shape(s.begin() + 1, s.end()), seed);
  std::vector<Tensor> trainable = inner_->trainable_weights();
  for (const Tensor& w : inner_->weights()) {
    bool t = false;
    for (const Tensor& tw : trainable) t = t || tw.impl() == w.impl();
    adopt_weight(w, t);
  }
}

Tensor TimeDistributed::forward(const Tensor& x, bool training) {
  const int64_t B = x.size(0), T = x.size(1);
  Shape folded(x.shape().begin() + 1, x.shape().end());
  folded[0] = B * T;
  Tensor y = inner_->call(x.reshape(folded), training);
  Shape out = y.shape();
  out[0] = T;
  out.insert(out.begin(), B);
  Tensor result = y.reshape(out);
  result.impl()->mask = x.impl()->mask;
  return result;
}

}  // namespace nerve
