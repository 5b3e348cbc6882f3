#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/layers/arguments.h"
#include "nerve/layers/traced.h"
#include "nerve/ops.h"
#include "ops/trace_replay.h"

namespace nerve {

void TraceProgram::check_value(int64_t v, const char* what) const {
  if (v < 0 || v >= num_values_)
    throw std::invalid_argument(std::string("TraceProgram: ") + what + " refers to value " + std::to_string(v) +
                                ", but only " + std::to_string(num_values_) + " values exist");
}

int64_t TraceProgram::add_capture(const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument("TraceProgram: a capture is an undefined tensor");
  captures_.emplace_back(num_values_, t);
  last_use_.resize(num_values_ + 1, -1);
  return num_values_++;
}

int64_t TraceProgram::add_op(const std::string& op, OpAttrs attrs, std::vector<int64_t> inputs, int64_t num_outputs,
                             std::vector<DimPatch> patches) {
  (void)find_op(op);  // an unknown name fails now, listing the registered ones
  for (int64_t v : inputs) check_value(v, "an op input");
  for (const DimPatch& p : patches) check_value(p.value, "a dim patch");
  TraceStep s;
  s.kind = TraceStep::Kind::Op;
  s.op = op;
  attrs.op_name = op;
  s.attrs = std::move(attrs);
  s.patches = std::move(patches);
  s.inputs = std::move(inputs);
  s.num_outputs = num_outputs;
  s.first_output = num_values_;
  steps_.push_back(std::move(s));
  num_values_ += num_outputs;
  return steps_.back().first_output;
}

int64_t TraceProgram::add_layer_call(std::shared_ptr<Layer> layer, std::vector<int64_t> inputs, int64_t num_outputs,
                                     int training) {
  if (!layer) throw std::invalid_argument("TraceProgram: a layer call has no layer");
  for (int64_t v : inputs) check_value(v, "a layer input");
  TraceStep s;
  s.kind = TraceStep::Kind::LayerCall;
  s.layer = std::move(layer);
  s.inputs = std::move(inputs);
  s.num_outputs = num_outputs;
  s.training = training;
  s.first_output = num_values_;
  steps_.push_back(std::move(s));
  num_values_ += num_outputs;
  return steps_.back().first_output;
}

void TraceProgram::add_loss(int64_t value) {
  check_value(value, "add_loss");
  TraceStep s;
  s.kind = TraceStep::Kind::AddLoss;
  s.inputs = {value};
  s.first_output = num_values_;
  steps_.push_back(std::move(s));
}

void TraceProgram::add_assign(const std::string& kind, int64_t target, int64_t value) {
  if (kind != "assign" && kind != "assign_add" && kind != "assign_sub")
    throw std::invalid_argument("TraceProgram: unknown assignment '" + kind + "'");
  check_value(target, "an assignment target");
  check_value(value, "an assigned value");
  bool captured = false;
  for (const auto& c : captures_) captured = captured || c.first == target;
  if (!captured) throw std::invalid_argument("TraceProgram: " + kind + " targets a value that is not a weight");
  TraceStep s;
  s.kind = TraceStep::Kind::Assign;
  s.op = kind;
  s.inputs = {target, value};
  s.first_output = num_values_;
  steps_.push_back(std::move(s));
}

void TraceProgram::set_outputs(std::vector<int64_t> outputs, std::vector<Shape> output_shapes) {
  if (outputs.empty() || outputs.size() != output_shapes.size())
    throw std::invalid_argument("TraceProgram: outputs and their shapes must be non-empty lists of one length");
  for (int64_t v : outputs) check_value(v, "an output");
  outputs_ = std::move(outputs);
  output_shapes_ = std::move(output_shapes);
  fuse_dense();
  // Free each intermediate value after the last step that reads it (outputs and captures stay).
  last_use_ = trace_replay::last_uses(steps_, num_values_, outputs_, captures_);
}

const Tensor* TraceProgram::captured(int64_t value) const {
  for (const auto& c : captures_)
    if (c.first == value) return &c.second;
  return nullptr;
}

void TraceProgram::fuse_dense() {
  // matmul(x, kernel) + bias [then relu / sigmoid / tanh], with kernel and bias weights or
  // constants, is what the built-in Dense computes: one "dense" op runs it with the bias and the
  // activation fused into the GEMM (and one backward node instead of three).
  std::vector<int64_t> uses(num_values_, 0);
  for (const TraceStep& s : steps_) {
    for (int64_t v : s.inputs) ++uses[v];
    for (const DimPatch& p : s.patches) ++uses[p.value];
  }
  for (int64_t v : outputs_) ++uses[v];
  auto plain_op = [](const TraceStep& s, const char* name) {
    return s.kind == TraceStep::Kind::Op && s.op == name && s.patches.empty() && s.attrs.items().empty();
  };
  // The step reading value v (its only reader), if it comes after step i.
  auto reader = [&](size_t i, int64_t v) -> int64_t {
    if (uses[v] != 1) return -1;
    for (size_t k = i + 1; k < steps_.size(); ++k)
      for (int64_t in : steps_[k].inputs)
        if (in == v) return static_cast<int64_t>(k);
    return -1;
  };
  for (size_t i = 0; i < steps_.size(); ++i) {
    TraceStep& mm = steps_[i];
    if (!plain_op(mm, "matmul") || mm.inputs.size() != 2) continue;
    const Tensor* kernel = captured(mm.inputs[1]);
    if (!kernel || kernel->dim() != 2) continue;
    int64_t j = reader(i, mm.first_output);
    if (j < 0 || !plain_op(steps_[j], "add") || steps_[j].inputs.size() != 2) continue;
    int64_t other = steps_[j].inputs[0] == mm.first_output ? steps_[j].inputs[1] : steps_[j].inputs[0];
    const Tensor* bias = captured(other);
    if (!bias || bias->dim() != 1 || bias->size(0) != kernel->size(1)) continue;
    std::string activation = "linear";
    int64_t last = j;
    int64_t k = reader(static_cast<size_t>(j), steps_[j].first_output);
    if (k >= 0) {
      for (const char* act : {"relu", "sigmoid", "tanh"})
        if (plain_op(steps_[k], act) && steps_[k].inputs.size() == 1) activation = act;
      if (activation != "linear") last = k;
    }
    mm.op = "dense";
    mm.attrs = OpAttrs{{"activation", activation}};
    mm.attrs.op_name = "dense";
    mm.inputs.push_back(other);
    mm.first_output = steps_[last].first_output;
    steps_.erase(steps_.begin() + last);
    if (last != j) steps_.erase(steps_.begin() + j);
  }
}

std::vector<std::shared_ptr<Layer>> TraceProgram::sublayers() const {
  std::vector<std::shared_ptr<Layer>> out;
  for (const TraceStep& s : steps_) {
    if (s.kind != TraceStep::Kind::LayerCall) continue;
    bool seen = false;
    for (const auto& l : out) seen = seen || l == s.layer;
    if (!seen) out.push_back(s.layer);
  }
  return out;
}

std::vector<Tensor> TraceProgram::run(const std::vector<Tensor>& xs, bool training, std::vector<Tensor>& losses) const {
  if (static_cast<int64_t>(xs.size()) != num_inputs_)
    throw std::invalid_argument("traced call takes " + std::to_string(num_inputs_) + " inputs, got " +
                                std::to_string(xs.size()));
  std::vector<Tensor> values = trace_replay::initial_values(num_values_, xs, captures_);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const TraceStep& s = steps_[i];
    std::vector<Tensor> in = trace_replay::step_inputs(s, values);
    switch (s.kind) {
      case TraceStep::Kind::Op: {
        std::vector<Tensor> out = call_op(s.op, in, trace_replay::patched_attrs(s, values));
        if (static_cast<int64_t>(out.size()) != s.num_outputs)
          throw std::logic_error(s.op + ": gave " + std::to_string(out.size()) + " outputs, traced " +
                                 std::to_string(s.num_outputs));
        for (int64_t k = 0; k < s.num_outputs; ++k) values[s.first_output + k] = std::move(out[k]);
        break;
      }
      case TraceStep::Kind::LayerCall: {
        bool mode = s.training < 0 ? training : s.training != 0;
        std::vector<Tensor> out = s.layer->call_many(in, mode);
        if (static_cast<int64_t>(out.size()) != s.num_outputs)
          throw std::logic_error(s.layer->name() + ": gave " + std::to_string(out.size()) + " outputs, traced " +
                                 std::to_string(s.num_outputs));
        for (int64_t k = 0; k < s.num_outputs; ++k) values[s.first_output + k] = std::move(out[k]);
        break;
      }
      case TraceStep::Kind::AddLoss:
        losses.push_back(in[0].numel() == 1 ? in[0].reshape({}) : sum(in[0]));
        break;
      case TraceStep::Kind::Assign:
        trace_replay::assign(s.op, values[s.inputs[0]], values[s.inputs[1]]);
        break;
    }
    trace_replay::free_after(s, i, last_use_, values);
  }
  std::vector<Tensor> out;
  out.reserve(outputs_.size());
  for (int64_t v : outputs_) out.push_back(values[v]);
  return out;
}

TracedLayer::TracedLayer(std::string name, std::string type_name, std::shared_ptr<TraceProgram> train,
                         std::shared_ptr<TraceProgram> infer, std::vector<Shape> input_shapes)
    : Layer(std::move(name)), type_name_(std::move(type_name)), train_(std::move(train)), infer_(std::move(infer)),
      traced_input_shapes_(std::move(input_shapes)) {
  if (!train_ || !infer_) throw std::invalid_argument("TracedLayer: both programs are required");
  if (train_->output_shapes().empty() || infer_->output_shapes().empty())
    throw std::invalid_argument("TracedLayer: a program has no outputs (set_outputs was not called)");
  sublayers_ = train_->sublayers();
  for (const auto& l : infer_->sublayers()) {
    bool seen = false;
    for (const auto& k : sublayers_) seen = seen || k == l;
    if (!seen) sublayers_.push_back(l);
  }
}

void TracedLayer::add_own_weight(const Tensor& w, bool trainable_weight, const Regularizer& regularizer) {
  owned_.push_back({w, trainable_weight, regularizer});
  Tensor handle = w;
  handle.set_requires_grad(trainable && trainable_weight);
}

void TracedLayer::add_sublayer_weight(const Tensor& w, bool trainable_weight) {
  // The sub-layer counts its own penalty (its regularization_loss), so none here.
  owned_.push_back({w, trainable_weight, Regularizer{}});
}

void TracedLayer::set_weight_trainable(size_t index, bool trainable_weight) {
  if (index >= owned_.size())
    throw std::invalid_argument(describe() + ": no weight " + std::to_string(index) + " (it has " +
                                std::to_string(owned_.size()) + ")");
  owned_[index].trainable = trainable_weight;
  if (index < weight_trainable_.size()) weight_trainable_[index] = trainable_weight;
}

void TracedLayer::complete() {
  build_many(traced_input_shapes_, 0);
  set_trainable(trainable);
}

void TracedLayer::readopt_weights() {
  for (const Owned& o : owned_) {
    weights_.push_back(o.w);
    weight_trainable_.push_back(o.trainable);
    weight_regularizers_.push_back(o.regularizer);
  }
}

void TracedLayer::build_weights(const Shape& input_shape, uint64_t seed) { build_weights_many({input_shape}, seed); }

void TracedLayer::build_weights_many(const std::vector<Shape>& input_shapes, uint64_t) {
  // The weights were made when Python traced call(); a build only re-registers them, and only
  // for inputs they fit.
  bool fits = input_shapes.size() == traced_input_shapes_.size();
  for (size_t i = 0; fits && i < input_shapes.size(); ++i) fits = shape_fits(traced_input_shapes_[i], input_shapes[i]);
  if (!fits) {
    std::string got, traced;
    for (const auto& s : input_shapes) got += batch_shape_str(s) + " ";
    for (const auto& s : traced_input_shapes_) traced += batch_shape_str(s) + " ";
    readopt_weights();
    throw std::invalid_argument(describe() + " was traced for inputs " + traced + "and cannot be built for " + got);
  }
  readopt_weights();
}

Shape TracedLayer::output_shape(const Shape& input_shape) const {
  std::vector<Shape> out = output_shapes_many({input_shape});
  if (out.size() != 1) throw std::invalid_argument(describe() + " gives " + std::to_string(out.size()) + " outputs");
  return out[0];
}

std::vector<Shape> TracedLayer::output_shapes_many(const std::vector<Shape>& input_shapes) const {
  if (input_shapes.size() != traced_input_shapes_.size())
    throw std::invalid_argument(describe() + " takes " + std::to_string(traced_input_shapes_.size()) + " inputs, got " +
                                std::to_string(input_shapes.size()));
  for (size_t i = 0; i < input_shapes.size(); ++i)
    if (!shape_fits(traced_input_shapes_[i], input_shapes[i]))
      throw std::invalid_argument(describe() + ": input " + std::to_string(i) + " expected shape " +
                                  batch_shape_str(traced_input_shapes_[i]) + ", got " +
                                  batch_shape_str(input_shapes[i]));
  return infer_->output_shapes();
}

Tensor TracedLayer::forward(const Tensor& x, bool training) { return forward_many({x}, training).at(0); }

std::vector<Tensor> TracedLayer::forward_many(const std::vector<Tensor>& xs, bool training) {
  added_losses_.clear();
  Tensor mask;
  for (const Tensor& x : xs)
    if (!mask.defined() && x.impl()->mask.defined()) mask = x.impl()->mask;
  if (!mask.defined() || mask_rule_ == MaskRule::Drop) return program(training).run(xs, training, added_losses_);
  if (mask_rule_ == MaskRule::Refuse || xs.size() != 1)
    throw UnsupportedArgument(describe() + ": its input carries a padding mask (Embedding(mask_zero=True) or " +
                              "Masking), which Keras would give to its call(mask=...) or compute_mask; a traced " +
                              "call does not receive masks yet");
  std::vector<Tensor> out = program(training).run(xs, training, added_losses_);
  for (Tensor& y : out) {  // supports_masking: the mask rides on each output whose leading axes it fits
    const Shape& ms = mask.shape();
    if (y.dim() >= static_cast<int64_t>(ms.size()) && std::equal(ms.begin(), ms.end(), y.shape().begin()) &&
        !y.impl()->mask.defined())
      y.impl()->mask = mask;
  }
  return out;
}

Tensor TracedLayer::regularization_loss() const {
  Tensor total = Layer::regularization_loss();  // own weights' penalties, activity penalty
  auto plus = [&total](const Tensor& t) {
    if (t.defined()) total = total.defined() ? add(total, t) : t;
  };
  for (const Tensor& t : added_losses_) plus(t);
  for (const auto& l : sublayers_) plus(trainable ? l->regularization_loss() : l->activity_loss());
  return total;
}

void TracedLayer::clear_activity_loss() {
  Layer::clear_activity_loss();
  added_losses_.clear();
  for (const auto& l : sublayers_) l->clear_activity_loss();
}

}  // namespace nerve
