// Reshaping layers: Flatten, Reshape and ZeroPadding2D.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/layer.h"

namespace nerve {

class Flatten : public Layer {
 public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}
  const char* type() const override { return "Flatten"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;
};

// Reshape to `target_shape` (no batch axis; at most one -1, inferred).
class Reshape : public Layer {
 public:
  Reshape(std::string name, Shape target_shape);
  const char* type() const override { return "Reshape"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  // output_shape for an input with unknown (None) dimensions: the target with its -1 unknown.
  Shape unknown_output_shape(const Shape& input_shape) const;
  Shape target_;
};

class ZeroPadding2D : public Layer {
 public:
  ZeroPadding2D(std::string name, int64_t top, int64_t bottom, int64_t left, int64_t right);
  const char* type() const override { return "ZeroPadding2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t top_, bottom_, left_, right_;
};

}  // namespace nerve
