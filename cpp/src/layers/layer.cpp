#include "nerve/layers/layer.h"

#include <new>
#include <stdexcept>

#include "nerve/ops.h"
#include "nerve/out_of_memory.h"

namespace nerve {

std::string Layer::describe() const { return std::string(type()) + " '" + name_ + "'"; }

void Layer::build(const Shape& input_shape, uint64_t seed) {
  (void)output_shape(input_shape);  // validates the input shape
  clear_weights();
  build_weights(input_shape, seed);
  input_shape_ = input_shape;
  finish_build({input_shape});
}

void Layer::build_many(const std::vector<Shape>& input_shapes, uint64_t seed) {
  if (input_shapes.size() == 1) return build(input_shapes[0], seed);
  (void)output_shapes_many(input_shapes);  // validates
  clear_weights();
  build_weights_many(input_shapes, seed);
  input_shape_.clear();
  finish_build(input_shapes);
}

void Layer::clear_weights() {
  weights_.clear();
  weight_trainable_.clear();
  weight_regularizers_.clear();
}

void Layer::finish_build(const std::vector<Shape>& input_shapes) {
  input_shapes_ = input_shapes;
  input_specs_.clear();
  for (size_t i = 0; i < input_shapes.size(); ++i) input_specs_.push_back(input_spec(input_shapes[i], i));
  // A layer with one input may still give several outputs (an RNN with return_state).
  single_output_ = output_shapes_many(input_shapes).size() == 1;
  built_ = true;
}

std::vector<Shape> Layer::output_shapes_many(const std::vector<Shape>& input_shapes) const {
  if (input_shapes.size() != 1)
    throw std::invalid_argument(describe() + " takes 1 input, got " + std::to_string(input_shapes.size()));
  return {output_shape(input_shapes[0])};
}

void Layer::build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) {
  build_weights(input_shapes.at(0), seed);
}

std::vector<Tensor> Layer::forward_many(const std::vector<Tensor>& xs, bool training) {
  return {forward(xs.at(0), training)};
}

namespace {
// Runs a layer's forward: an op's error (which cannot know the layer) is given the layer's name,
// unless the layer's own check already put it first. The name is formed only on an error: a
// small network's training step calls every layer, and building it each time was a measurable
// part of the step (perf of the XOR fit).
template <class Describe, class Forward>
auto naming_layer(Describe&& describe, Forward&& forward) -> decltype(forward()) {
  try {
    return forward();
  } catch (const std::invalid_argument& e) {
    const std::string who = describe();
    if (std::string(e.what()).rfind(who, 0) == 0) throw;
    throw std::invalid_argument(who + ": " + e.what());
  }
}
}  // namespace

std::vector<Tensor> Layer::call_many(const std::vector<Tensor>& xs, bool training) {
  if (!built_) throw std::logic_error(describe() + " is called before it is built");
  if (xs.size() == 1 && input_shapes_.size() == 1 && single_output_) return {call(xs[0], training)};
  if (xs.size() != input_shapes_.size())
    throw std::invalid_argument(describe() + " was built for " + std::to_string(input_shapes_.size()) +
                                " inputs, got " + std::to_string(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    Shape got(xs[i].shape().begin() + (xs[i].dim() ? 1 : 0), xs[i].shape().end());
    if (xs[i].dim() == 0 || !shape_fits(input_specs_[i], got))
      throw std::invalid_argument(describe() + ": input " + std::to_string(i) + " expected shape " +
                                  batch_shape_str(input_specs_[i]) + ", got " + xs[i].shape_string());
  }
  std::vector<Tensor> out = naming_layer([this] { return describe(); }, [&] { return forward_many(xs, training); });
  record_activity(out);
  return out;
}

Tensor Layer::call(const Tensor& x, bool training) {
  if (!built_) throw std::logic_error(describe() + " is called before it is built");
  Shape got(x.shape().begin() + (x.dim() ? 1 : 0), x.shape().end());
  if (input_specs_.size() != 1)
    throw std::invalid_argument(describe() + " was built for " + std::to_string(input_specs_.size()) +
                                " inputs, got 1");
  if (x.dim() == 0 || !shape_fits(input_specs_[0], got))
    throw std::invalid_argument(describe() + ": expected input of shape " + batch_shape_str(input_specs_[0]) +
                                ", got " + x.shape_string());
  Tensor y = naming_layer([this] { return describe(); }, [&] { return forward(x, training); });
  if (passes_mask() && x.impl()->mask.defined() && !y.impl()->mask.defined()) y.impl()->mask = x.impl()->mask;
  record_activity({y});
  return y;
}

bool Layer::accepts(const std::vector<Shape>& shapes) const {
  if (!built_ || shapes.size() != input_specs_.size()) return false;
  for (size_t i = 0; i < shapes.size(); ++i)
    if (!shape_fits(input_specs_[i], shapes[i])) return false;
  try {
    (void)output_shapes_many(shapes);  // the layer's own checks (e.g. key and value lengths)
  } catch (const std::invalid_argument&) {
    return false;
  }
  return true;
}

Shape any_size(const Shape& s) { return Shape(s.size(), kUnknownDim); }

Shape any_size_but_last(const Shape& s) {
  Shape out(s.size(), kUnknownDim);
  if (!s.empty()) out.back() = s.back();
  return out;
}

void require_known_dim(const std::string& who, const Shape& s, size_t axis, const std::string& what) {
  if (axis < s.size() && s[axis] == kUnknownDim)
    throw std::invalid_argument(who + ": " + what + " of the input must be known (fixed), got input shape " +
                                batch_shape_str(s) + "; give that size in nerve.Input(shape=...)");
}

void Layer::record_activity(const std::vector<Tensor>& outputs) {
  activity_loss_ = Tensor();
  if (!activity_regularizer.active()) return;
  for (const Tensor& y : outputs) {
    Tensor p = activity_penalty(y, activity_regularizer);
    activity_loss_ = activity_loss_.defined() ? add(activity_loss_, p) : p;
  }
}

void Layer::set_trainable(bool value) {
  trainable = value;
  for (size_t i = 0; i < weights_.size(); ++i) weights_[i].set_requires_grad(value && weight_trainable_[i]);
}

void Layer::set_precision(ComputePrecision p) {
  if (!supports_precision(p))
    throw std::invalid_argument(
        describe() + ": dtype policy '" + precision_name(p) +
        "' is not supported for this layer yet (its matrix products compute in float32 "
        "only); mixed_bfloat16 is supported for Dense, Conv1D and Conv2D and for layers without "
        "matrix products. Give this layer dtype='float32'.");
  precision_ = p;
}

void Layer::set_weight_regularizer(const std::string& role, const Regularizer& r) {
  if (!(r.l1 >= 0.f) || !(r.l2 >= 0.f))
    throw std::invalid_argument(describe() + ": " + role + " regularizer needs l1, l2 >= 0");
  role_regularizers_[role] = r;
}

Regularizer Layer::weight_regularizer(const std::string& role) const {
  auto it = role_regularizers_.find(role);
  return it == role_regularizers_.end() ? Regularizer{} : it->second;
}

void Layer::adopt_weight(const Tensor& w, bool trainable_weight) {
  weights_.push_back(w);
  weight_trainable_.push_back(trainable_weight);
  weight_regularizers_.push_back(Regularizer{});
}

Tensor Layer::regularization_loss() const {
  Tensor total = activity_loss_;
  if (!trainable) return total;
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (!weight_trainable_[i] || !weight_regularizers_[i].active()) continue;
    Tensor p = regularization_penalty(weights_[i], weight_regularizers_[i]);
    total = total.defined() ? add(total, p) : p;
  }
  return total;
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

Tensor Layer::add_weight(const Shape& shape, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed,
                         bool trainable_weight, const char* role, const char* name) {
  Tensor w;
  try {
    w = Tensor::empty(shape);
  } catch (const std::bad_alloc&) {  // say which layer asked for it (Dense(10**6) on 10**6 inputs)
    double nbytes = sizeof(float);
    for (int64_t d : shape) nbytes *= static_cast<double>(d);
    throw OutOfMemory(describe() + ": out of memory: its " + (role ? role : "weight") + " of shape " +
                      shape_str(shape) + " needs " + readable_bytes(nbytes) + " (float32), which cannot be allocated");
  }
  initialize(w, init, fan_in, fan_out, seed);
  w.impl()->path = intern_path(name_ + "/" + (name ? name : role ? role : "variable"));
  w.set_requires_grad(trainable_weight && trainable);
  weights_.push_back(w);
  weight_trainable_.push_back(trainable_weight);
  weight_regularizers_.push_back(role ? weight_regularizer(role) : Regularizer{});
  return w;
}

}  // namespace nerve
