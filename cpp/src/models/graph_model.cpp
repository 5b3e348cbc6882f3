#include "nerve/models/graph_model.h"

#include <algorithm>
#include <stdexcept>

#include "nerve/interrupt.h"
#include "nerve/ops.h"
#include "nerve/random.h"

namespace nerve {

namespace {
constexpr int64_t kKeep = INT64_MAX;  // last_use_ of a value that is a model output

std::string shapes_str(const std::vector<Shape>& shapes) {
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + batch_shape_str(shapes[i]);
  return s + "]";
}
}  // namespace

const Shape& GraphModel::shape_of(const ValueRef& v) const {
  if (v.node < 0 || v.node >= static_cast<int64_t>(nodes_.size()))
    throw std::invalid_argument("GraphModel: node " + std::to_string(v.node) + " does not exist (" +
                                std::to_string(nodes_.size()) + " nodes so far)");
  const Node& n = nodes_[v.node];
  if (v.index < 0 || v.index >= static_cast<int64_t>(n.output_shapes.size()))
    throw std::invalid_argument("GraphModel: node " + std::to_string(v.node) + " has " +
                                std::to_string(n.output_shapes.size()) + " outputs, asked for output " +
                                std::to_string(v.index));
  return n.output_shapes[v.index];
}

int64_t GraphModel::add_input(const Shape& shape) {
  if (nodes_.size() != input_nodes_.size())
    throw std::logic_error("GraphModel: add every input before the first layer node");
  for (int64_t d : shape)
    if (d <= 0 && d != kUnknownDim)
      throw std::invalid_argument("GraphModel: input shape " + batch_shape_str(shape) +
                                  " must have positive (or unknown) dimensions");
  nodes_.push_back({nullptr, {}, {shape}});
  last_use_.push_back(-1);
  repeat_call_.push_back(0);
  input_nodes_.push_back(static_cast<int64_t>(nodes_.size()) - 1);
  return input_nodes_.back();
}

int64_t GraphModel::add_node(std::shared_ptr<Layer> layer, const std::vector<ValueRef>& inputs) {
  if (!layer) throw std::invalid_argument("GraphModel.add_node: layer is null");
  if (inputs.empty()) throw std::invalid_argument("GraphModel.add_node: a layer needs inputs");
  std::vector<Shape> shapes;
  for (const ValueRef& v : inputs) shapes.push_back(shape_of(v));
  if (!layer->built()) {
    layer->build_many(shapes, next_seed());
  } else if (layer->input_shapes() != shapes && !layer->accepts(shapes)) {
    throw std::invalid_argument(std::string(layer->type()) + " '" + layer->name() + "' was built for inputs " +
                                shapes_str(layer->input_specs()) + " and cannot be called (shared) on inputs " +
                                shapes_str(shapes));
  }
  int64_t id = static_cast<int64_t>(nodes_.size());
  nodes_.push_back({layer, inputs, layer->output_shapes_many(shapes)});
  last_use_.push_back(-1);
  bool seen = std::find(layers_.begin(), layers_.end(), layer) != layers_.end();
  repeat_call_.push_back(seen ? 1 : 0);
  if (!seen) layers_.push_back(layer);
  for (const ValueRef& v : inputs)
    if (last_use_[v.node] != kKeep) last_use_[v.node] = id;
  return id;
}

void GraphModel::set_outputs(const std::vector<ValueRef>& outputs) {
  if (outputs.empty()) throw std::invalid_argument("GraphModel: a model needs at least one output");
  for (const ValueRef& v : outputs) {
    (void)shape_of(v);
    last_use_[v.node] = kKeep;
  }
  outputs_ = outputs;
}

std::vector<Tensor> GraphModel::forward_many(const std::vector<Tensor>& xs, bool training) {
  if (outputs_.empty()) throw std::logic_error("GraphModel: forward before set_outputs");
  if (xs.size() != input_nodes_.size())
    throw std::invalid_argument("model expects " + std::to_string(input_nodes_.size()) + " input(s), got " +
                                std::to_string(xs.size()));
  std::vector<std::vector<Tensor>> values(nodes_.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const Shape& want = nodes_[input_nodes_[i]].output_shapes[0];
    Shape got(xs[i].shape().begin() + (xs[i].dim() ? 1 : 0), xs[i].shape().end());
    if (xs[i].dim() == 0 || (!flexible_inputs_ && !shape_fits(want, got)))
      throw std::invalid_argument("model input " + std::to_string(i) + " expects shape " + batch_shape_str(want) +
                                  ", got " + xs[i].shape_string());
    values[input_nodes_[i]] = {xs[i]};
  }
  std::vector<Tensor> args;
  // A long inference pass (one huge batch) stops between two layers on an interrupt
  // (nerve/interrupt.h); a training pass only between steps, where the trainer polls.
  InterruptPoll poll;
  for (size_t id = input_nodes_.size(); id < nodes_.size(); ++id) {
    if (!training) poll();
    const Node& n = nodes_[id];
    args.clear();
    for (const ValueRef& v : n.inputs) args.push_back(values[v.node][v.index]);
    if (repeat_call_[id]) {
      // A shared layer: each call's activity penalty counts, not only the last one.
      Tensor earlier = n.layer->activity_loss();
      values[id] = n.layer->call_many(args, training);
      const Tensor& now = n.layer->activity_loss();
      if (earlier.defined()) n.layer->set_activity_loss(now.defined() ? add(earlier, now) : earlier);
    } else {
      values[id] = n.layer->call_many(args, training);
    }
    // Drop values no later node reads, so activations are freed as early as in Sequential.
    for (const ValueRef& v : n.inputs)
      if (last_use_[v.node] == static_cast<int64_t>(id)) values[v.node].clear();
  }
  std::vector<Tensor> out;
  for (const ValueRef& v : outputs_) out.push_back(values[v.node][v.index]);
  return out;
}

Tensor GraphModel::forward(const Tensor& x, bool training) {
  if (input_nodes_.size() != 1 || outputs_.size() != 1)
    throw std::invalid_argument("model has " + std::to_string(input_nodes_.size()) + " inputs and " +
                                std::to_string(outputs_.size()) + " outputs; use forward_many");
  return forward_many({x}, training)[0];
}

std::vector<Tensor> GraphModel::trainable_weights() const {
  // A Python layer traced once per input shape or call argument has one C++ layer per trace,
  // all holding the same weight tensors: each weight is listed (and updated) once.
  std::vector<Tensor> out;
  std::vector<const TensorImpl*> seen;
  for (auto& layer : layers_)
    for (auto& w : layer->trainable_weights()) {
      if (std::find(seen.begin(), seen.end(), w.impl()) != seen.end()) continue;
      seen.push_back(w.impl());
      out.push_back(w);
    }
  return out;
}

std::vector<Shape> GraphModel::input_shapes() const {
  std::vector<Shape> out;
  for (int64_t id : input_nodes_) out.push_back(nodes_[id].output_shapes[0]);
  return out;
}

std::vector<Shape> GraphModel::output_shapes() const {
  std::vector<Shape> out;
  for (const ValueRef& v : outputs_) out.push_back(shape_of(v));
  return out;
}

}  // namespace nerve
