// Layers: named, buildable units with weights, written only in terms of ops (nerve/ops.h).
// Shapes given to build()/output_shape() exclude the batch axis, as in Keras.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "nerve/activation.h"
#include "nerve/initializers.h"
#include "nerve/precision.h"
#include "nerve/regularizers.h"
#include "nerve/tensor.h"

namespace nerve {

class Layer {
 public:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  virtual const char* type() const = 0;

  // Creates the weights for inputs of `input_shape`; `seed` feeds the initializers.
  void build(const Shape& input_shape, uint64_t seed);
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  // Output shape for a given input shape (no batch axis); throws if the input does not fit.
  virtual Shape output_shape(const Shape& input_shape) const = 0;

  // x has a leading batch axis. Checks x against the built input shape first.
  Tensor call(const Tensor& x, bool training);

  // Layers with several inputs or outputs (Add, Concatenate, MultiHeadAttention, LSTM with
  // return_state) override the *_many forms; the defaults bridge to the single-tensor forms, so a
  // graph model can drive every layer through these alone.
  void build_many(const std::vector<Shape>& input_shapes, uint64_t seed);
  virtual std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const;
  std::vector<Tensor> call_many(const std::vector<Tensor>& xs, bool training);
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }

  // What a built layer accepts: the built per-sample shape of input `index` with kUnknownDim on
  // every axis its weights do not depend on (a sequence layer's timesteps), so a layer built for
  // one sequence length runs at any other. The default accepts the built shape only.
  virtual Shape input_spec(const Shape& built, size_t index) const { return built; }
  const std::vector<Shape>& input_specs() const { return input_specs_; }
  // True when the built layer can be called (shared) on inputs of these per-sample shapes.
  bool accepts(const std::vector<Shape>& shapes) const;

  // All weights in Keras order (kernel, bias, then state such as moving statistics).
  const std::vector<Tensor>& weights() const { return weights_; }
  // What optimizers update: the trainable weights while the layer is trainable.
  std::vector<Tensor> trainable_weights() const;
  // Everything else (e.g. BatchNorm moving mean/variance, or all weights of a frozen layer).
  std::vector<Tensor> non_trainable_weights() const;
  bool trainable = true;
  // Sets `trainable` and stops (or restarts) gradient recording for the weights, so a frozen
  // layer costs no weight-gradient work.
  void set_trainable(bool value);

  // The precision of the layer's matrix products (nerve/precision.h); Float32 by default.
  // set_precision throws std::invalid_argument, naming the layer, for a precision the layer cannot
  // compute in (a layer with matrix products that do not take the bfloat16 path yet).
  ComputePrecision precision() const { return precision_; }
  void set_precision(ComputePrecision p);

  // Regularization. A weight regularizer is keyed by the weight's role ("kernel", "bias", ...),
  // the name the layer gives add_weight(); set it before build. The activity regularizer applies
  // to the output of every call. regularization_loss() is the sum of the trainable weights'
  // penalties and the last call's activity penalty (undefined when there is none).
  void set_weight_regularizer(const std::string& role, const Regularizer& r);
  Regularizer weight_regularizer(const std::string& role) const;
  Regularizer activity_regularizer;
  // Virtual: a traced Python layer adds its add_loss terms and its sub-layers' penalties.
  virtual Tensor regularization_loss() const;
  virtual void clear_activity_loss() { activity_loss_ = Tensor(); }
  // The last call's activity penalty; a graph model calling a shared layer at several nodes
  // sums the calls' penalties back into it (Keras adds one penalty per call).
  const Tensor& activity_loss() const { return activity_loss_; }
  void set_activity_loss(Tensor penalty) { activity_loss_ = std::move(penalty); }

 protected:
  virtual void build_weights(const Shape& input_shape, uint64_t seed) {}
  // Whether the layer computes in `p`. True by default: a layer with no matrix product computes
  // in float32 under either precision. A layer with matrix products that ignore precision_
  // overrides it to refuse MixedBFloat16.
  virtual bool supports_precision(ComputePrecision p) const { return true; }
  virtual Tensor forward(const Tensor& x, bool training) = 0;
  // Whether a padding mask on the input (TensorImpl::mask, set by Embedding(mask_zero=True))
  // rides on to the output unchanged: Keras's layers with supports_masking and no compute_mask
  // (Dense, Activation, Dropout, ...). Other layers drop it, as Keras does (with a warning);
  // a layer that would have to use the mask and cannot throws in forward.
  virtual bool passes_mask() const { return false; }
  virtual void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed);
  virtual std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training);
  // "Dense 'dense_1'" for error messages.
  std::string describe() const;
  // Creates, initialises and registers a weight. Non-trainable weights never require grad.
  // `role` ("kernel", "bias") selects the weight regularizer set for that role, if any.
  // `name`: Keras's variable name when it is not the role (an LSTM's "recurrent_kernel").
  Tensor add_weight(const Shape& shape, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed,
                    bool trainable = true, const char* role = nullptr, const char* name = nullptr);
  // Registers a weight created elsewhere (a sub-layer of a composite layer), keeping the
  // parallel per-weight lists in step.
  void adopt_weight(const Tensor& w, bool trainable);
  std::vector<Tensor> weights_;
  std::vector<bool> weight_trainable_;            // parallel to weights_
  std::vector<Regularizer> weight_regularizers_;  // parallel to weights_

 private:
  // build() and build_many() share these: forget the old weights; record what was built.
  void clear_weights();
  void finish_build(const std::vector<Shape>& input_shapes);
  std::string name_;
  Shape input_shape_;
  std::vector<Shape> input_shapes_;
  std::vector<Shape> input_specs_;  // parallel to input_shapes_
  bool built_ = false;
  ComputePrecision precision_ = ComputePrecision::Float32;
  bool single_output_ = true;  // call_many's one-tensor shortcut only for layers with one output
  std::unordered_map<std::string, Regularizer> role_regularizers_;
  Tensor activity_loss_;  // penalty of the last call's output
  void record_activity(const std::vector<Tensor>& outputs);
};

// Input specs for input_spec(): the same rank with every axis free, or all but the last (the
// features a kernel is built for).
Shape any_size(const Shape& s);
Shape any_size_but_last(const Shape& s);
// Throws, naming `who`, when `axis` of the per-sample shape `s` is unknown (None) although the
// layer's weights or output size depend on it; `what` names the axis for the message.
void require_known_dim(const std::string& who, const Shape& s, size_t axis, const std::string& what);

}  // namespace nerve
