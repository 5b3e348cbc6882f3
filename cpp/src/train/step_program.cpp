#include "nerve/step_program.h"

#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/denormals.h"
#include "nerve/ops.h"
#include "nerve/ops/creation.h"
#include "ops/trace_replay.h"

namespace nerve {

void StepProgram::check_value(int64_t v, const char* what) const {
  if (v < 0 || v >= num_values_)
    throw std::invalid_argument(std::string("StepProgram: ") + what + " refers to value " + std::to_string(v) +
                                ", but only " + std::to_string(num_values_) + " values exist");
}

int64_t StepProgram::push(StepInstruction s) {
  for (int64_t v : s.inputs) check_value(v, "a step input");
  for (const DimPatch& p : s.patches) check_value(p.value, "a dim patch");
  s.first_output = num_values_;
  num_values_ += s.num_outputs;
  steps_.push_back(std::move(s));
  return steps_.back().first_output;
}

int64_t StepProgram::add_capture(const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument("StepProgram: a capture is an undefined tensor");
  captures_.emplace_back(num_values_, t);
  return num_values_++;
}

int64_t StepProgram::add_op(const std::string& op, OpAttrs attrs, std::vector<int64_t> inputs, int64_t num_outputs,
                            std::vector<DimPatch> patches) {
  (void)find_op(op);  // an unknown name fails now, listing the registered ones
  StepInstruction s;
  s.op = op;
  attrs.op_name = op;
  s.attrs = std::move(attrs);
  s.patches = std::move(patches);
  s.inputs = std::move(inputs);
  s.num_outputs = num_outputs;
  return push(std::move(s));
}

int64_t StepProgram::add_layer_call(std::shared_ptr<Layer> layer, std::vector<int64_t> inputs, int64_t num_outputs,
                                    bool training) {
  if (!layer) throw std::invalid_argument("StepProgram: a layer call has no layer");
  StepInstruction s;
  s.kind = StepInstruction::Kind::LayerCall;
  s.layer = std::move(layer);
  s.inputs = std::move(inputs);
  s.num_outputs = num_outputs;
  s.training = training;
  return push(std::move(s));
}

int64_t StepProgram::add_model_call(std::shared_ptr<Model> model, std::vector<int64_t> inputs, int64_t num_outputs,
                                    bool training) {
  if (!model) throw std::invalid_argument("StepProgram: a model call has no model");
  bool seen = false;
  for (const auto& m : models_) seen = seen || m == model;
  if (!seen) models_.push_back(model);
  StepInstruction s;
  s.kind = StepInstruction::Kind::ModelCall;
  s.model = std::move(model);
  s.inputs = std::move(inputs);
  s.num_outputs = num_outputs;
  s.training = training;
  return push(std::move(s));
}

int64_t StepProgram::add_loss(const Loss& loss, std::vector<int64_t> inputs) {
  if (inputs.size() != 2 && inputs.size() != 3)
    throw std::invalid_argument("StepProgram: a loss takes pred, target and an optional sample weight");
  check_loss(loss);
  StepInstruction s;
  s.kind = StepInstruction::Kind::Loss;
  s.loss = loss;
  s.inputs = std::move(inputs);
  s.num_outputs = 1;
  return push(std::move(s));
}

int64_t StepProgram::add_penalty(std::shared_ptr<Model> model) {
  if (!model) throw std::invalid_argument("StepProgram: a penalty has no model");
  StepInstruction s;
  s.kind = StepInstruction::Kind::Penalty;
  s.model = std::move(model);
  s.num_outputs = 1;
  return push(std::move(s));
}

int64_t StepProgram::add_gradient(int64_t target, std::vector<int64_t> sources) {
  for (int64_t v : sources) {
    bool captured = false;
    for (const auto& c : captures_) captured = captured || c.first == v;
    if (!captured) throw std::invalid_argument("StepProgram: a gradient's source must be a captured weight");
  }
  StepInstruction s;
  s.kind = StepInstruction::Kind::Gradient;
  s.num_outputs = static_cast<int64_t>(sources.size());
  s.inputs = {target};
  s.inputs.insert(s.inputs.end(), sources.begin(), sources.end());
  return push(std::move(s));
}

void StepProgram::add_apply_gradients(std::shared_ptr<Optimizer> optimizer, std::vector<int64_t> grads,
                                      std::vector<int64_t> variables) {
  if (!optimizer) throw std::invalid_argument("StepProgram: apply_gradients has no optimizer");
  if (grads.size() != variables.size())
    throw std::invalid_argument("apply_gradients: " + std::to_string(grads.size()) + " gradients for " +
                                std::to_string(variables.size()) + " variables");
  StepInstruction s;
  s.kind = StepInstruction::Kind::ApplyGradients;
  s.optimizer = std::move(optimizer);
  s.inputs = std::move(grads);
  s.inputs.insert(s.inputs.end(), variables.begin(), variables.end());
  push(std::move(s));
}

void StepProgram::add_assign(const std::string& kind, int64_t target, int64_t value) {
  if (kind != "assign" && kind != "assign_add" && kind != "assign_sub")
    throw std::invalid_argument("StepProgram: unknown assignment '" + kind + "'");
  bool captured = false;
  for (const auto& c : captures_) captured = captured || c.first == target;
  if (!captured) throw std::invalid_argument("StepProgram: " + kind + " targets a value that is not a captured tensor");
  StepInstruction s;
  s.kind = StepInstruction::Kind::Assign;
  s.op = kind;
  s.inputs = {target, value};
  push(std::move(s));
}

void StepProgram::add_metric_update(const MetricSpec& spec, std::shared_ptr<MetricState> state,
                                    std::vector<int64_t> inputs) {
  if (!state) throw std::invalid_argument("StepProgram: a metric update has no state");
  if (inputs.size() != 2 && inputs.size() != 3)
    throw std::invalid_argument("StepProgram: a metric update takes pred, target and an optional sample weight");
  StepInstruction s;
  s.kind = StepInstruction::Kind::Metric;
  s.metric = spec;
  s.state = std::move(state);
  s.inputs = std::move(inputs);
  push(std::move(s));
}

int64_t StepProgram::add_metric_result(const MetricSpec& spec, std::shared_ptr<MetricState> state) {
  if (!state) throw std::invalid_argument("StepProgram: a metric result has no state");
  StepInstruction s;
  s.kind = StepInstruction::Kind::MetricResult;
  s.metric = spec;
  s.state = std::move(state);
  s.num_outputs = 1;
  return push(std::move(s));
}

void StepProgram::set_outputs(std::vector<int64_t> outputs) {
  for (int64_t v : outputs) check_value(v, "an output");
  outputs_ = std::move(outputs);
  // Free each intermediate value after the last step that reads it (outputs and captures stay).
  last_use_ = trace_replay::last_uses(steps_, num_values_, outputs_, captures_);
}

namespace {

void run_apply_gradients(const StepInstruction& s, const std::vector<Tensor>& values) {
  size_t n = s.inputs.size() / 2;
  std::vector<Tensor> used;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& g = values[s.inputs[i]];
    const Tensor& p = values[s.inputs[n + i]];
    if (!g.defined()) continue;  // no gradient (the loss does not depend on it): skipped, as Keras
    if (g.shape() != p.shape())
      throw std::invalid_argument("apply_gradients: gradient of shape " + g.shape_string() + " for variable of shape " +
                                  p.shape_string());
    Tensor handle = p;
    handle.set_grad(g);
    used.push_back(p);
  }
  try {
    if (!used.empty()) s.optimizer->apply(used);
  } catch (...) {
    for (auto& p : used) p.set_grad(Tensor());
    throw;
  }
  for (auto& p : used) p.set_grad(Tensor());
}

// Restores the recording switch however the step ends.
class GradEnabled {
 public:
  GradEnabled() : previous_(set_grad_enabled(true)) {}
  ~GradEnabled() { set_grad_enabled(previous_); }

 private:
  bool previous_;
};

}  // namespace

std::vector<Tensor> StepProgram::run(const std::vector<Tensor>& inputs) const {
  if (static_cast<int64_t>(inputs.size()) != num_inputs_)
    throw std::invalid_argument("traced step takes " + std::to_string(num_inputs_) + " inputs, got " +
                                std::to_string(inputs.size()));
  GradEnabled recording;  // as a GradientTape around the step: gradients of any value can be asked
  std::vector<Tensor> values = trace_replay::initial_values(num_values_, inputs, captures_);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const StepInstruction& s = steps_[i];
    std::vector<Tensor> in = trace_replay::step_inputs(s, values);
    std::vector<Tensor> out;
    switch (s.kind) {
      case StepInstruction::Kind::Op:
        out = call_op(s.op, in, trace_replay::patched_attrs(s, values));
        break;
      case StepInstruction::Kind::LayerCall:
        out = s.layer->call_many(in, s.training);
        break;
      case StepInstruction::Kind::ModelCall:
        out = s.model->forward_many(in, s.training);
        break;
      case StepInstruction::Kind::Loss:
        out = {compute_loss(s.loss, in[0], in[1], in.size() > 2 ? in[2] : Tensor())};
        break;
      case StepInstruction::Kind::Penalty: {
        Tensor t = s.model->regularization_loss();
        out = {t.defined() ? t : full(Shape{}, 0.f)};
        break;
      }
      case StepInstruction::Kind::Gradient: {
        std::vector<Tensor> sources(in.begin() + 1, in.end());
        out = gradients(in[0], sources);
        break;
      }
      case StepInstruction::Kind::ApplyGradients:
        run_apply_gradients(s, values);
        break;
      case StepInstruction::Kind::Assign:
        trace_replay::assign(s.op, values[s.inputs[0]], values[s.inputs[1]]);
        break;
      case StepInstruction::Kind::Metric: {
        NoGradGuard no_grad;  // a metric is no part of the loss
        update_metric(s.metric, *s.state, in[0], in[1], in.size() > 2 ? in[2] : Tensor());
        break;
      }
      case StepInstruction::Kind::MetricResult:
        if (s.metric.vector_result()) {  // F1Score(average=None), several thresholds, ...
          std::vector<double> v = metric_values(s.metric, *s.state);
          out = {Tensor::from_vector(std::vector<float>(v.begin(), v.end()), Shape{int64_t(v.size())})};
        } else {
          out = {full(Shape{}, static_cast<float>(metric_result(s.metric, *s.state)))};
        }
        break;
    }
    if (static_cast<int64_t>(out.size()) != s.num_outputs)
      throw std::logic_error("StepProgram: step " + std::to_string(i) + " gave " + std::to_string(out.size()) +
                             " outputs, traced " + std::to_string(s.num_outputs));
    for (int64_t k = 0; k < s.num_outputs; ++k) values[s.first_output + k] = std::move(out[k]);
    trace_replay::free_after(s, i, last_use_, values);
  }
  for (const auto& m : models_) m->clear_activity_losses();
  std::vector<Tensor> result;
  result.reserve(outputs_.size());
  for (int64_t v : outputs_) result.push_back(values[v]);
  return result;
}

std::vector<Tensor> StepProgram::run_chunk(const std::vector<Tensor>& arrays, SampleOrder order, int64_t batch_size,
                                           int64_t first_batch, int64_t num_batches) const {
  if (arrays.empty()) throw std::invalid_argument("traced step: no input arrays");
  if (batch_size <= 0) throw std::invalid_argument("traced step: batch_size must be positive");
  const int64_t n = arrays[0].size(0);
  for (const Tensor& a : arrays)
    if (a.dim() == 0 || a.size(0) != n)
      throw std::invalid_argument("traced step: every array must have " + std::to_string(n) + " samples, got " +
                                  a.shape_string());
  if (!order.empty() && order.size != n)
    throw std::invalid_argument("traced step: the sample order has " + std::to_string(order.size) + " entries for " +
                                std::to_string(n) + " samples");
  DenormalsFlushed flushed;  // once per chunk, as the built-in steps
  std::vector<Tensor> last;
  std::vector<Tensor> batch(arrays.size());
  for (int64_t b = first_batch; b < first_batch + num_batches; ++b) {
    int64_t begin = b * batch_size, end = std::min(begin + batch_size, n);
    if (begin >= n) throw std::invalid_argument("traced step: batch " + std::to_string(b) + " is past the data");
    for (size_t i = 0; i < arrays.size(); ++i)
      batch[i] =
          order.empty() ? slice_rows(arrays[i], begin, end) : gather_rows(arrays[i], order.data + begin, end - begin);
    last = run(batch);
  }
  return last;
}

std::vector<std::string> StepProgram::describe_steps() const {
  std::vector<std::string> out;
  for (const StepInstruction& s : steps_) {
    switch (s.kind) {
      case StepInstruction::Kind::Op:
      case StepInstruction::Kind::Assign:
        out.push_back(s.op);
        break;
      case StepInstruction::Kind::LayerCall:
        out.push_back("layer:" + s.layer->name());
        break;
      case StepInstruction::Kind::ModelCall:
        out.push_back("model");
        break;
      case StepInstruction::Kind::Loss:
        out.push_back(std::string("loss:") + loss_name(s.loss.kind));
        break;
      case StepInstruction::Kind::Penalty:
        out.push_back("penalty");
        break;
      case StepInstruction::Kind::Gradient:
        out.push_back("gradient");
        break;
      case StepInstruction::Kind::ApplyGradients:
        out.push_back(std::string("apply_gradients:") + s.optimizer->name());
        break;
      case StepInstruction::Kind::Metric:
        out.push_back(std::string("metric:") + metric_kind_name(s.metric.kind));
        break;
      case StepInstruction::Kind::MetricResult:
        out.push_back(std::string("result:") + metric_kind_name(s.metric.kind));
        break;
    }
  }
  return out;
}

}  // namespace nerve
