// Merge layers: combine several inputs into one (Keras Add, Subtract, Multiply, Average,
// Concatenate). They have no weights and are driven through build_many/call_many.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

// Add, Subtract, Multiply and Average take no arguments of their own (Keras: **kwargs only).
struct MergeArgs {
  static const ArgTable<MergeArgs>& table();
};

// Element-wise merges: every input has the same shape, which is also the output shape.
class ElementwiseMerge : public Layer {
 public:
  using Args = MergeArgs;
  explicit ElementwiseMerge(std::string name, MergeArgs args = {});
  const MergeArgs& args() const { return args_; }
  Shape output_shape(const Shape& input_shape) const override;  // throws: needs >= 2 inputs
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  // No weights: any sizes of the built rank (equal to each other, checked per call).
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;  // never reached (see output_shape)
  virtual size_t exact_inputs() const { return 0; }         // 0: any number >= 2
  // Throws unless every input has the same shape (lengths left unknown at build time).
  void check_same_shapes(const std::vector<Tensor>& xs) const;

 private:
  MergeArgs args_;
};

class Add : public ElementwiseMerge {
 public:
  using ElementwiseMerge::ElementwiseMerge;
  const char* type() const override { return "Add"; }

 protected:
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;
};

// x0 - x1 (exactly two inputs).
class Subtract : public ElementwiseMerge {
 public:
  using ElementwiseMerge::ElementwiseMerge;
  const char* type() const override { return "Subtract"; }

 protected:
  size_t exact_inputs() const override { return 2; }
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;
};

class Multiply : public ElementwiseMerge {
 public:
  using ElementwiseMerge::ElementwiseMerge;
  const char* type() const override { return "Multiply"; }

 protected:
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;
};

class Average : public ElementwiseMerge {
 public:
  using ElementwiseMerge::ElementwiseMerge;
  const char* type() const override { return "Average"; }

 protected:
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;
};

struct ConcatenateArgs {
  int64_t axis = -1;
  static const ArgTable<ConcatenateArgs>& table();
};

// Joins inputs along `axis`, counted as in Keras on the batched tensor: -1 is the last axis,
// 1 the first per-sample axis; the batch axis (0) cannot be concatenated.
class Concatenate : public Layer {
 public:
  using Args = ConcatenateArgs;
  Concatenate(std::string name, ConcatenateArgs args);
  const ConcatenateArgs& args() const { return args_; }
  const char* type() const override { return "Concatenate"; }
  int64_t axis() const { return args_.axis; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  // The axis within a per-sample shape of rank `rank` (throws when out of range).
  int64_t sample_axis(size_t rank, const std::vector<Shape>& shapes) const;
  ConcatenateArgs args_;
};

}  // namespace nerve
