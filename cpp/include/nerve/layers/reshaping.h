// Reshaping layers: Flatten, Reshape, ZeroPadding2D, UpSampling2D, Cropping2D and RepeatVector.
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

// UpSampling2D's arguments (Keras names and defaults).
struct UpSampling2DArgs {
  std::vector<int64_t> size{2, 2};
  std::optional<std::string> data_format;
  std::string interpolation = "nearest";  // or "bilinear", any case (Keras's other filters are refused)
  static const ArgTable<UpSampling2DArgs>& table();
};

// Each image (height, width, channels) enlarged size times: pixels repeated ('nearest') or
// interpolated with half-pixel centres ('bilinear', as Keras 3's jax.image.resize).
class UpSampling2D : public Layer {
 public:
  using Args = UpSampling2DArgs;
  UpSampling2D(std::string name, UpSampling2DArgs args);
  const UpSampling2DArgs& args() const { return args_; }
  const char* type() const override { return "UpSampling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  UpSampling2DArgs args_;
};

struct Cropping2DArgs {
  std::vector<int64_t> cropping{0, 0, 0, 0};  // top, bottom, left, right (Keras: ((0, 0), (0, 0)))
  std::optional<std::string> data_format;
  static const ArgTable<Cropping2DArgs>& table();
};

// Removes rows and columns at the edges of each image: ZeroPadding2D's inverse.
class Cropping2D : public Layer {
 public:
  using Args = Cropping2DArgs;
  Cropping2D(std::string name, Cropping2DArgs args);
  const Cropping2DArgs& args() const { return args_; }
  const char* type() const override { return "Cropping2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Cropping2DArgs args_;
};

struct RepeatVectorArgs {
  int64_t n = 0;  // required
  static const ArgTable<RepeatVectorArgs>& table();
};

// (batch, features) -> (batch, n, features): the vector repeated n times (a sequence decoder's input).
class RepeatVector : public Layer {
 public:
  using Args = RepeatVectorArgs;
  RepeatVector(std::string name, RepeatVectorArgs args);
  const RepeatVectorArgs& args() const { return args_; }
  const char* type() const override { return "RepeatVector"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RepeatVectorArgs args_;
};

}  // namespace nerve
