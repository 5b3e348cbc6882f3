// Preprocessing layers that run inside the model: Rescaling and Normalization (Keras 3's
// keras.layers.Rescaling / Normalization; adapt() is Python's, nerve/layers/preprocessing.py).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

struct RescalingArgs {
  double scale = 0.0;  // required
  double offset = 0.0;
  static const ArgTable<RescalingArgs>& table();
};

// y = x * scale + offset, in training and inference alike; no weights.
class Rescaling : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = RescalingArgs;
  Rescaling(std::string name, RescalingArgs args);
  const RescalingArgs& args() const { return args_; }
  const char* type() const override { return "Rescaling"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RescalingArgs args_;
};

struct NormalizationArgs {
  // The axes (of the full input, batch axis 0) that keep a mean and variance per index; empty:
  // one scalar mean and variance (Keras's axis=None). The batch axis itself is refused.
  std::vector<int64_t> axis{-1};
  // Given statistics (scalars, broadcast as Keras does); None: the weights adapt() fills.
  std::optional<double> mean, variance;
  bool invert = false;
  static const ArgTable<NormalizationArgs>& table();
};

// y = (x - mean) / max(sqrt(variance), 1e-7), or with invert x * max(sqrt(variance), 1e-7) + mean
// (1e-7: Keras's backend.epsilon()). Without given statistics the weights are mean, variance (the
// kept axes' shape, zeros and ones until adapt() sets them) and count (a scalar Keras keeps for old
// saved models), all non-trainable, as Keras 3; with them, no weights.
class Normalization : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = NormalizationArgs;
  Normalization(std::string name, NormalizationArgs args);
  const NormalizationArgs& args() const { return args_; }
  const char* type() const override { return "Normalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  // Free on every axis the statistics do not depend on.
  Shape input_spec(const Shape& built, size_t) const override;
  // The kept axes of a per-sample shape (batch axis excluded, so 0 is the first feature axis),
  // ascending; throws naming the layer when an axis is out of range or is the batch axis.
  std::vector<int64_t> kept_axes(size_t sample_rank) const;

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  NormalizationArgs args_;
};

}  // namespace nerve
