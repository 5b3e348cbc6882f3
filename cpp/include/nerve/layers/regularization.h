// Regularization layers: Dropout.
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

// A per-call seed for dropout masks: the layer's build seed mixed with a call counter.
uint64_t dropout_seed(uint64_t layer_seed, uint64_t call);

}  // namespace nerve
