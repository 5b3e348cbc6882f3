// Sequential: a plain stack of layers (the Keras Sequential model).
#pragma once
#include <memory>
#include <vector>

#include "nerve/models/model.h"

namespace nerve {

// A plain stack of layers, each feeding the next.
class Sequential : public Model {
 public:
  void add(std::shared_ptr<Layer> layer);
  // Builds every layer for per-sample inputs of `input_shape`, seeding each from the global RNG.
  void build(const Shape& input_shape);
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const;
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }

  Tensor forward(const Tensor& x, bool training) override;
  std::vector<Tensor> trainable_weights() const override;
  std::vector<std::shared_ptr<Layer>> all_layers() const override { return layers_; }

 private:
  std::vector<std::shared_ptr<Layer>> layers_;
  Shape input_shape_;
  bool built_ = false;
};

}  // namespace nerve
