// Reshaping layers: Flatten, Reshape and ZeroPadding2D.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

// Flatten's arguments (Keras names and defaults; nerve/layers/arguments.h).
struct FlattenArgs {
  std::optional<std::string> data_format;  // None is 'channels_last' once made
  static const ArgTable<FlattenArgs>& table();
};

class Flatten : public Layer {
 public:
  using Args = FlattenArgs;
  Flatten(std::string name, FlattenArgs args);
  const FlattenArgs& args() const { return args_; }
  const char* type() const override { return "Flatten"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  FlattenArgs args_;
};

struct ReshapeArgs {
  std::vector<int64_t> target_shape;  // required: no batch axis; at most one -1 (inferred)
  static const ArgTable<ReshapeArgs>& table();
};

class Reshape : public Layer {
 public:
  using Args = ReshapeArgs;
  Reshape(std::string name, ReshapeArgs args);
  const ReshapeArgs& args() const { return args_; }
  const char* type() const override { return "Reshape"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  // output_shape for an input with unknown (None) dimensions: the target with its -1 unknown.
  Shape unknown_output_shape(const Shape& input_shape) const;
  ReshapeArgs args_;
  Shape target_;
};

struct ZeroPadding2DArgs {
  std::vector<int64_t> padding{1, 1, 1, 1};  // top, bottom, left, right (Keras: ((1, 1), (1, 1)))
  std::optional<std::string> data_format;
  static const ArgTable<ZeroPadding2DArgs>& table();
};

class ZeroPadding2D : public Layer {
 public:
  using Args = ZeroPadding2DArgs;
  ZeroPadding2D(std::string name, ZeroPadding2DArgs args);
  const ZeroPadding2DArgs& args() const { return args_; }
  const char* type() const override { return "ZeroPadding2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  ZeroPadding2DArgs args_;
  int64_t top_, bottom_, left_, right_;
};

}  // namespace nerve
