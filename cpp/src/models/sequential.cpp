#include "nerve/models/sequential.h"

#include <stdexcept>

#include "nerve/interrupt.h"
#include "nerve/random.h"

namespace nerve {

std::vector<Tensor> Model::forward_many(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() != 1) throw std::invalid_argument("model takes 1 input, got " + std::to_string(xs.size()));
  return {forward(xs[0], training)};
}

void Sequential::add(std::shared_ptr<Layer> layer) {
  if (!layer) throw std::invalid_argument("Sequential.add: layer is null");
  layers_.push_back(std::move(layer));
  built_ = false;
}

void Sequential::build(const Shape& input_shape) {
  Shape shape = input_shape;
  for (auto& layer : layers_) {
    // A built layer keeps its weights wherever they fit (e.g. the same layers with the sequence
    // length left open); otherwise it is built afresh for the new shape.
    if (!layer->built() || (layer->input_shape() != shape && !layer->accepts({shape})))
      layer->build(shape, next_seed());
    shape = layer->output_shape(shape);
  }
  input_shape_ = input_shape;
  built_ = true;
}

Shape Sequential::output_shape() const {
  Shape shape = input_shape_;
  for (auto& layer : layers_) shape = layer->output_shape(shape);
  return shape;
}

Tensor Sequential::forward(const Tensor& x, bool training) {
  if (!built_) throw std::logic_error("Sequential: forward() before build()");
  Tensor h = x;
  // A long inference pass (one huge batch) stops between two layers on an interrupt
  // (nerve/interrupt.h); a training pass only between steps, where the trainer polls.
  InterruptPoll poll;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (i > 0 && !training) poll();
    h = layers_[i]->call(h, training);
  }
  return h;
}

std::vector<Tensor> Sequential::trainable_weights() const {
  std::vector<Tensor> out;
  for (auto& layer : layers_)
    for (auto& w : layer->trainable_weights()) out.push_back(w);
  return out;
}

}  // namespace nerve
