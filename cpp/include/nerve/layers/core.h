// Core layers: Dense (a fully connected layer), Activation, Identity and Masking.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nerve/activation.h"
#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

// Dense's arguments (Keras names and defaults; see nerve/layers/arguments.h).
struct DenseArgs {
  int64_t units = 0;                      // required
  std::optional<std::string> activation;  // None: linear
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<DenseArgs>& table();
};

class Dense : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = DenseArgs;
  Dense(std::string name, DenseArgs args);
  const DenseArgs& args() const { return args_; }
  const char* type() const override { return "Dense"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }
  int64_t units() const { return units_; }
  Activation activation() const { return activation_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  DenseArgs args_;
  int64_t units_;
  Activation activation_;
  float alpha_;  // the activation's Keras default parameter
};

struct ActivationArgs {
  std::optional<std::string> activation;  // required; None: linear
  static const ArgTable<ActivationArgs>& table();
};

class ActivationLayer : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = ActivationArgs;
  ActivationLayer(std::string name, ActivationArgs args);
  const ActivationArgs& args() const { return args_; }
  const char* type() const override { return "Activation"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  ActivationArgs args_;
  Activation activation_;
  float alpha_;
};

struct IdentityArgs {  // Keras's Identity takes no arguments of its own
  static const ArgTable<IdentityArgs>& table();
};

// Returns its input (a placeholder where no operation is wanted, as Keras's); a padding mask rides
// along, as Keras's Identity supports masking.
class Identity : public Layer {
 public:
  using Args = IdentityArgs;
  Identity(std::string name, IdentityArgs) : Layer(std::move(name)) {}
  const IdentityArgs& args() const { return args_; }
  const char* type() const override { return "Identity"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool) override { return x; }

 private:
  IdentityArgs args_;
};

struct MaskingArgs {
  double mask_value = 0.0;
  static const ArgTable<MaskingArgs>& table();
};

// Keras's Masking: a time step whose features all equal mask_value is padding. The output is the
// input with those steps zeroed, carrying a mask of shape input.shape[:-1] that the layers which
// skip padding read (RNNs, attention, pooling, the losses and mean metrics).
class Masking : public Layer {
 public:
  bool passes_mask() const override { return false; }  // it makes its own
  using Args = MaskingArgs;
  Masking(std::string name, MaskingArgs args);
  const MaskingArgs& args() const { return args_; }
  const char* type() const override { return "Masking"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  MaskingArgs args_;
};

}  // namespace nerve
