// Regularization layers: Dropout, GaussianNoise, GaussianDropout, ActivityRegularization.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

struct DropoutArgs {
  double rate = 0.0;            // required
  std::optional<int64_t> seed;  // None: the layer's build seed
  static const ArgTable<DropoutArgs>& table();
};

// Inverted dropout while training, the identity otherwise. Each training call draws a new mask
// from (seed, call counter); the seed is the one given, or the layer's build seed.
class Dropout : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = DropoutArgs;
  Dropout(std::string name, DropoutArgs args);
  const DropoutArgs& args() const { return args_; }
  const char* type() const override { return "Dropout"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }
  float rate() const { return rate_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  DropoutArgs args_;
  float rate_;
  uint64_t seed_ = 0, calls_ = 0;
};

struct GaussianNoiseArgs {
  double stddev = 0.0;          // required
  std::optional<int64_t> seed;  // None: the layer's build seed
  static const ArgTable<GaussianNoiseArgs>& table();
};

// x + N(0, stddev^2) noise while training, the identity otherwise; a fresh draw per training call
// from (seed, call counter), as Dropout.
class GaussianNoise : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = GaussianNoiseArgs;
  GaussianNoise(std::string name, GaussianNoiseArgs args);
  const GaussianNoiseArgs& args() const { return args_; }
  const char* type() const override { return "GaussianNoise"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  GaussianNoiseArgs args_;
  uint64_t seed_ = 0, calls_ = 0;
};

struct GaussianDropoutArgs {
  double rate = 0.0;  // required
  std::optional<int64_t> seed;
  static const ArgTable<GaussianDropoutArgs>& table();
};

// x * N(1, rate / (1 - rate)) noise while training (multiplicative, mean-preserving), the identity
// otherwise.
class GaussianDropout : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = GaussianDropoutArgs;
  GaussianDropout(std::string name, GaussianDropoutArgs args);
  const GaussianDropoutArgs& args() const { return args_; }
  const char* type() const override { return "GaussianDropout"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  GaussianDropoutArgs args_;
  uint64_t seed_ = 0, calls_ = 0;
};

struct ActivityRegularizationArgs {
  double l1 = 0.0, l2 = 0.0;
  static const ArgTable<ActivityRegularizationArgs>& table();
};

// The identity, with the activity regularizer L1L2(l1, l2) on its output (the penalty enters the
// training loss, divided by the batch size as Keras 3).
class ActivityRegularization : public Layer {
 public:
  using Args = ActivityRegularizationArgs;
  ActivityRegularization(std::string name, ActivityRegularizationArgs args);
  const ActivityRegularizationArgs& args() const { return args_; }
  const char* type() const override { return "ActivityRegularization"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool) override { return x; }

 private:
  ActivityRegularizationArgs args_;
};

// A per-call seed for dropout masks: the layer's build seed mixed with a call counter.
uint64_t dropout_seed(uint64_t layer_seed, uint64_t call);

}  // namespace nerve
