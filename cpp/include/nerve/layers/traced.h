// TracedLayer: a layer written in Python (a nerve.layers.Layer subclass with its own call(), or a
// Lambda) whose call() was traced once into a TraceProgram of registered ops (nerve/op_registry.h)
// and sub-layer calls. The program then runs in C++ on every step, with no Python in between, so a
// model holding custom layers still trains in the C++ loop.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nerve/layers/layer.h"
#include "nerve/op_registry.h"

namespace nerve {

// An entry of a list attribute (or, with index -1, a whole int attribute) filled at run time from
// a value's size along an axis: reshape(x, (batch, 4)) where batch = ops.shape(x)[0].
struct DimPatch {
  std::string key;
  int64_t index = -1;
  int64_t value = 0;
  int64_t axis = 0;
};

struct TraceStep {
  enum class Kind { Op, LayerCall, AddLoss, Assign };
  Kind kind = Kind::Op;
  std::string op;  // Op: the registered op; Assign: "assign", "assign_add" or "assign_sub"
  OpAttrs attrs;
  std::vector<DimPatch> patches;
  std::vector<int64_t> inputs;   // value indices (Assign: {target, value})
  std::shared_ptr<Layer> layer;  // LayerCall
  int training = -1;             // LayerCall: -1 runs in the program's mode, else 0 / 1
  int64_t num_outputs = 0;       // values this step appends (Op, LayerCall)
  int64_t first_output = 0;      // index of its first output value
};

// values = [inputs..., then captures and step outputs in the order they were added]. A capture
// is a tensor the program reads as it is at run time (a weight, a constant).
class TraceProgram {
 public:
  explicit TraceProgram(int64_t num_inputs) : num_values_(num_inputs), num_inputs_(num_inputs) {}
  int64_t add_capture(const Tensor& t);
  int64_t add_op(const std::string& op, OpAttrs attrs, std::vector<int64_t> inputs, int64_t num_outputs,
                 std::vector<DimPatch> patches);
  int64_t add_layer_call(std::shared_ptr<Layer> layer, std::vector<int64_t> inputs, int64_t num_outputs, int training);
  void add_loss(int64_t value);
  // In-place update of a captured non-trainable weight (no gradient flows through it).
  void add_assign(const std::string& kind, int64_t target, int64_t value);
  void set_outputs(std::vector<int64_t> outputs, std::vector<Shape> output_shapes);

  // Runs the steps; `losses` receives the add_loss terms (each summed to a scalar).
  std::vector<Tensor> run(const std::vector<Tensor>& xs, bool training, std::vector<Tensor>& losses) const;

  int64_t num_inputs() const { return num_inputs_; }
  const std::vector<Shape>& output_shapes() const { return output_shapes_; }
  const std::vector<TraceStep>& steps() const { return steps_; }
  std::vector<std::shared_ptr<Layer>> sublayers() const;

 private:
  void check_value(int64_t v, const char* what) const;
  const Tensor* captured(int64_t value) const;  // the captured tensor of a value, or null
  void fuse_dense();
  int64_t num_values_;
  int64_t num_inputs_;
  std::vector<std::pair<int64_t, Tensor>> captures_;
  std::vector<TraceStep> steps_;
  std::vector<int64_t> outputs_;
  std::vector<Shape> output_shapes_;
  std::vector<int64_t> last_use_;  // per value: the last step reading it (outputs: never freed)
};

class TracedLayer : public Layer {
 public:
  // `train` and `infer` may be the same program (call() ignores `training`). Weights: the
  // layer's own add_weight weights, then its sub-layers' (each with its trainable flag and the
  // regularizer of the owning layer; sub-layers' penalties are counted through the sub-layers).
  TracedLayer(std::string name, std::string type_name, std::shared_ptr<TraceProgram> train,
              std::shared_ptr<TraceProgram> infer, std::vector<Shape> input_shapes);
  const char* type() const override { return type_name_.c_str(); }
  void add_own_weight(const Tensor& w, bool trainable_weight, const Regularizer& regularizer);
  void add_sublayer_weight(const Tensor& w, bool trainable_weight);
  // A sub-layer was frozen or unfrozen: weight `index` (in weights() order) follows it.
  void set_weight_trainable(size_t index, bool trainable_weight);
  // Registers the weights added above and marks the layer built for the traced input shapes.
  void complete();
  // What a padding mask on an input (TensorImpl::mask) does, from the Python layer's Keras
  // attributes: dropped (no supports_masking), passed on to the output (supports_masking, no
  // compute_mask of its own, one input), or refused (the layer would read it: call(mask=...) or
  // its own compute_mask, which a traced call does not receive).
  enum class MaskRule : uint8_t { Drop, Pass, Refuse };
  void set_mask_rule(MaskRule rule) { mask_rule_ = rule; }

  Shape output_shape(const Shape& input_shape) const override;
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  Tensor regularization_loss() const override;
  void clear_activity_loss() override;
  // The add_loss terms of the last call.
  const std::vector<Tensor>& added_losses() const { return added_losses_; }
  const TraceProgram& program(bool training) const { return training ? *train_ : *infer_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  void readopt_weights();
  MaskRule mask_rule_ = MaskRule::Drop;
  std::string type_name_;
  std::shared_ptr<TraceProgram> train_, infer_;
  std::vector<Shape> traced_input_shapes_;
  std::vector<std::shared_ptr<Layer>> sublayers_;
  struct Owned {
    Tensor w;
    bool trainable;
    Regularizer regularizer;
  };
  std::vector<Owned> owned_;
  std::vector<Tensor> added_losses_;
};

}  // namespace nerve
