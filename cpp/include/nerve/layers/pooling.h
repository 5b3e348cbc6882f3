// Pooling layers (Keras semantics, channels_last): MaxPooling2D / AveragePooling2D,
// GlobalMaxPooling2D / GlobalAveragePooling2D, MaxPooling1D and GlobalAveragePooling1D.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/layer.h"
#include "nerve/ops/pooling.h"

namespace nerve {

// MaxPooling2D / AveragePooling2D.
class Pooling2D : public Layer {
 public:
  Pooling2D(std::string name, PoolKind kind, Pool2DOptions options);
  const char* type() const override { return kind_ == PoolKind::Max ? "MaxPooling2D" : "AveragePooling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PoolKind kind_;
  Pool2DOptions options_;
};

// GlobalMaxPooling2D / GlobalAveragePooling2D: (H, W, C) -> (C), or (1, 1, C) with keepdims.
class GlobalPooling2D : public Layer {
 public:
  GlobalPooling2D(std::string name, PoolKind kind, bool keepdims = false)
      : Layer(std::move(name)), kind_(kind), keepdims_(keepdims) {}
  const char* type() const override { return kind_ == PoolKind::Max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PoolKind kind_;
  bool keepdims_;
};

class MaxPooling1D : public Layer {
 public:
  // strides <= 0 means strides = pool_size (Keras default).
  MaxPooling1D(std::string name, int64_t pool_size = 2, int64_t strides = 0, std::string padding = "valid");
  const char* type() const override { return "MaxPooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t pool_, strides_;
  std::string padding_;
};

// Mean over time; with a padding mask on the input, the mean of the unmasked steps.
class GlobalAveragePooling1D : public Layer {
 public:
  explicit GlobalAveragePooling1D(std::string name) : Layer(std::move(name)) {}
  const char* type() const override { return "GlobalAveragePooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;
};

}  // namespace nerve
