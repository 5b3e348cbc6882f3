// GraphModel: a directed acyclic graph of layer calls (the Keras functional model). Several
// inputs and outputs; a layer called at several nodes shares its weights (shared layers). Layers
// are driven only through build_many/call_many, so single- and multi-tensor layers mix freely.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nerve/models/model.h"

namespace nerve {

// One value in the graph: output `index` of node `node`.
struct ValueRef {
  int64_t node = 0;
  int64_t index = 0;
};

class GraphModel : public Model {
 public:
  struct Node {
    std::shared_ptr<Layer> layer;  // null for a model input
    std::vector<ValueRef> inputs;
    std::vector<Shape> output_shapes;  // per-sample shapes
  };

  // A model input with per-sample shape `shape`; returns its node id. Inputs come first.
  int64_t add_input(const Shape& shape);
  // Calls `layer` on `inputs` (earlier nodes only, so nodes stay in topological order); returns
  // the node id. An unbuilt layer is built for these inputs; a built one (shared) must fit them.
  int64_t add_node(std::shared_ptr<Layer> layer, const std::vector<ValueRef>& inputs);
  void set_outputs(const std::vector<ValueRef>& outputs);

  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;
  Tensor forward(const Tensor& x, bool training) override;  // one input, one output
  size_t num_inputs() const override { return input_nodes_.size(); }
  size_t num_outputs() const override { return outputs_.size(); }
  // Every distinct layer's trainable weights, in first-use order (shared layers once).
  std::vector<Tensor> trainable_weights() const override;
  // The distinct layers: the trainer collects their regularization penalties.
  std::vector<std::shared_ptr<Layer>> all_layers() const override { return layers_; }

  // Flexible inputs (subclassed models, which Keras runs on whatever their layers take): inputs
  // that do not fit the declared shapes still run, each layer checking what reaches it.
  void set_flexible_inputs(bool on) { flexible_inputs_ = on; }
  bool flexible_inputs() const { return flexible_inputs_; }

  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  // The distinct layers in first-use order.
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }

 private:
  const Shape& shape_of(const ValueRef& v) const;
  std::vector<Node> nodes_;
  std::vector<int64_t> input_nodes_;
  std::vector<ValueRef> outputs_;
  std::vector<int64_t> last_use_;               // per node: the last node reading it (outputs: never freed)
  std::vector<char> repeat_call_;               // per node: its layer was already called at an earlier node
  std::vector<std::shared_ptr<Layer>> layers_;  // distinct, in first-use order
  bool flexible_inputs_ = false;
};

}  // namespace nerve
