#include <stdexcept>

#include "nerve/layers.h"

namespace nerve {

std::string Layer::describe() const { return std::string(type()) + " '" + name_ + "'"; }

void Layer::build(const Shape& input_shape, uint64_t seed) {
  (void)output_shape(input_shape);  // validates the input shape
  weights_.clear();
  weight_trainable_.clear();
  build_weights(input_shape, seed);
  input_shape_ = input_shape;
  built_ = true;
}

Tensor Layer::call(const Tensor& x, bool training) {
  if (!built_) throw std::logic_error(describe() + " is called before it is built");
  Shape got(x.shape().begin() + (x.dim() ? 1 : 0), x.shape().end());
  if (x.dim() == 0 || got != input_shape_)
  {
    std::string want = "(None";
    for (int64_t d : input_shape_) want += ", " + std::to_string(d);
    throw std::invalid_argument(describe() + ": expected input of shape " + want + "), got " +
                                x.shape_string());
  }
  return forward(x, training);
}

std::vector<Tensor> Layer::trainable_weights() const {
  std::vector<Tensor> out;
  if (!trainable) return out;
  for (size_t i = 0; i < weights_.size(); ++i)
    if (weight_trainable_[i]) out.push_back(weights_[i]);
  return out;
}

std::vector<Tensor> Layer::non_trainable_weights() const {
  std::vector<Tensor> out;
  for (size_t i = 0; i < weights_.size(); ++i)
    if (!trainable || !weight_trainable_[i]) out.push_back(weights_[i]);
  return out;
}

Tensor Layer::add_weight(const Shape& shape, const Initializer& init, int64_t fan_in,
                         int64_t fan_out, uint64_t seed, bool trainable_weight) {
  Tensor w = Tensor::empty(shape);
  initialize(w, init, fan_in, fan_out, seed);
  w.set_requires_grad(trainable_weight);
  weights_.push_back(w);
  weight_trainable_.push_back(trainable_weight);
  return w;
}

}  // namespace nerve
