// Activation layers (Keras's layers.activations family): ReLU, LeakyReLU, PReLU, ELU and
// Softmax. (Activation, which takes any activation by name, is in nerve/layers/core.h.)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

// Arguments of an element-wise activation layer without weights: output shape = input shape.
class ElementwiseActivationLayer : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Layer::Layer;
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }
};

struct ReLUArgs {
  std::optional<double> max_value;  // None: no upper clip
  double negative_slope = 0.0;
  double threshold = 0.0;
  static const ArgTable<ReLUArgs>& table();
};

// x above threshold (clipped to max_value), negative_slope * (x - threshold) below it.
class ReLU : public ElementwiseActivationLayer {
 public:
  using Args = ReLUArgs;
  ReLU(std::string name, ReLUArgs args);
  const ReLUArgs& args() const { return args_; }
  const char* type() const override { return "ReLU"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  ReLUArgs args_;
};

struct LeakyReLUArgs {
  double negative_slope = 0.3;  // Keras's layer default (the leaky_relu function's is 0.2)
  static const ArgTable<LeakyReLUArgs>& table();
};

class LeakyReLU : public ElementwiseActivationLayer {
 public:
  using Args = LeakyReLUArgs;
  LeakyReLU(std::string name, LeakyReLUArgs args);
  const LeakyReLUArgs& args() const { return args_; }
  const char* type() const override { return "LeakyReLU"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  LeakyReLUArgs args_;
};

struct ELUArgs {
  double alpha = 1.0;
  static const ArgTable<ELUArgs>& table();
};

class ELU : public ElementwiseActivationLayer {
 public:
  using Args = ELUArgs;
  ELU(std::string name, ELUArgs args);
  const ELUArgs& args() const { return args_; }
  const char* type() const override { return "ELU"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  ELUArgs args_;
};

struct SoftmaxArgs {
  int64_t axis = -1;  // counted on the batched input, as Keras; only the last axis is supported
  static const ArgTable<SoftmaxArgs>& table();
};

class Softmax : public Layer {
 public:
  using Args = SoftmaxArgs;
  Softmax(std::string name, SoftmaxArgs args);
  const SoftmaxArgs& args() const { return args_; }
  const char* type() const override { return "Softmax"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  SoftmaxArgs args_;
};

struct PReLUArgs {
  Initializer alpha_initializer{"zeros"};
  std::optional<std::vector<int64_t>> shared_axes;  // axes of the batched input sharing one alpha
  static const ArgTable<PReLUArgs>& table();
};

// x where x > 0, alpha * x elsewhere, with a learned alpha per input element (one per group of
// elements along shared_axes). Weight: alpha (role "alpha"), the per-sample input shape with 1
// on the shared axes.
class PReLU : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = PReLUArgs;
  PReLU(std::string name, PReLUArgs args);
  const PReLUArgs& args() const { return args_; }
  const char* type() const override { return "PReLU"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PReLUArgs args_;
};

}  // namespace nerve
