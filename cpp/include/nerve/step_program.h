// StepProgram: a model's overridden train_step / test_step (Python), traced once into steps that
// C++ replays on every batch: registered ops, layer and model calls, the compiled loss, the
// model's regularization penalty, gradients of a value w.r.t. captured weights, an optimizer's
// update of those weights, and in-place assignments (a metric tracker's running totals). fit then
// runs chunks of such steps in C++ (run_chunk), as it does the built-in step (trainer.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nerve/layers/traced.h"
#include "nerve/losses.h"
#include "nerve/models/model.h"
#include "nerve/optimizers.h"
#include "nerve/trainer.h"

namespace nerve {

struct StepInstruction {
  enum class Kind { Op, LayerCall, ModelCall, Loss, Penalty, Gradient, ApplyGradients, Assign, Metric, MetricResult };
  Kind kind = Kind::Op;
  std::string op;  // Op: the registered op; Assign: "assign", "assign_add" or "assign_sub"
  OpAttrs attrs;
  std::vector<DimPatch> patches;
  std::vector<int64_t> inputs;           // value indices (Gradient: {target, sources...}; ApplyGradients:
                                         // {grads..., variables...}; Assign: {target, value})
  std::shared_ptr<Layer> layer;          // LayerCall
  std::shared_ptr<Model> model;          // ModelCall, Penalty
  std::shared_ptr<Optimizer> optimizer;  // ApplyGradients
  Loss loss;                             // Loss
  MetricSpec metric;                     // Metric, MetricResult
  std::shared_ptr<MetricState> state;    // Metric, MetricResult: a Python metric's running state
  bool training = false;                 // LayerCall, ModelCall
  int64_t num_outputs = 0;               // values this step appends
  int64_t first_output = 0;
};

// values = [inputs..., then captures and step outputs in the order they were added], as in
// TraceProgram (layers/traced.h).
class StepProgram {
 public:
  explicit StepProgram(int64_t num_inputs) : num_values_(num_inputs), num_inputs_(num_inputs) {}
  int64_t add_capture(const Tensor& t);
  int64_t add_op(const std::string& op, OpAttrs attrs, std::vector<int64_t> inputs, int64_t num_outputs,
                 std::vector<DimPatch> patches);
  int64_t add_layer_call(std::shared_ptr<Layer> layer, std::vector<int64_t> inputs, int64_t num_outputs, bool training);
  int64_t add_model_call(std::shared_ptr<Model> model, std::vector<int64_t> inputs, int64_t num_outputs, bool training);
  // compute_loss(loss, pred, target[, sample_weight]): one scalar.
  int64_t add_loss(const Loss& loss, std::vector<int64_t> inputs);
  // The model's regularization penalty after its last call in this step (0 when it has none).
  int64_t add_penalty(std::shared_ptr<Model> model);
  // d target / d source for each source (captured weights): one value per source, undefined where
  // the target does not depend on it (the optimizer then skips that weight, as Keras's None).
  int64_t add_gradient(int64_t target, std::vector<int64_t> sources);
  void add_apply_gradients(std::shared_ptr<Optimizer> optimizer, std::vector<int64_t> grads,
                           std::vector<int64_t> variables);
  void add_assign(const std::string& kind, int64_t target, int64_t value);
  // update_metric(spec, *state, pred, target[, sample_weight]) (metrics.h): a compiled-style
  // metric's update_state; add_metric_result: its result() as a scalar value.
  void add_metric_update(const MetricSpec& spec, std::shared_ptr<MetricState> state, std::vector<int64_t> inputs);
  int64_t add_metric_result(const MetricSpec& spec, std::shared_ptr<MetricState> state);
  void set_outputs(std::vector<int64_t> outputs);

  // One step on one batch; returns the output values.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;
  // Batches first_batch .. first_batch+num_batches-1 of an epoch over `arrays` (every input's
  // whole array, rows gathered in `order`, as Trainer::train); returns the last step's outputs.
  std::vector<Tensor> run_chunk(const std::vector<Tensor>& arrays, SampleOrder order, int64_t batch_size,
                                int64_t first_batch, int64_t num_batches) const;

  int64_t num_inputs() const { return num_inputs_; }
  // What each step does (tests, debugging): an op name, "layer:<name>", "model", "loss", ...
  std::vector<std::string> describe_steps() const;

 private:
  int64_t push(StepInstruction s);
  void check_value(int64_t v, const char* what) const;
  int64_t num_values_;
  int64_t num_inputs_;
  std::vector<std::pair<int64_t, Tensor>> captures_;
  std::vector<StepInstruction> steps_;
  std::vector<int64_t> outputs_;
  std::vector<int64_t> last_use_;               // per value: the last step reading it (-1: kept to the end)
  std::vector<std::shared_ptr<Model>> models_;  // called models: their activity losses are cleared after a step
};

}  // namespace nerve
