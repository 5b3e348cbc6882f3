// Pooling layers (Keras semantics, channels_last): MaxPooling2D / AveragePooling2D,
// GlobalMaxPooling2D / GlobalAveragePooling2D, MaxPooling1D / AveragePooling1D and
// GlobalAveragePooling1D / GlobalMaxPooling1D.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"
#include "nerve/ops/pooling.h"

namespace nerve {

// Arguments of the 2-D window poolings (Keras names and defaults; nerve/layers/arguments.h).
// strides None is the pool size (non-overlapping windows), as Keras; the layer fills it in.
struct MaxPooling2DArgs {
  std::vector<int64_t> pool_size{2, 2};
  std::optional<std::vector<int64_t>> strides;
  std::string padding = "valid";
  std::optional<std::string> data_format;
  static const ArgTable<MaxPooling2DArgs>& table();
};
struct AveragePooling2DArgs {      // Keras gives AveragePooling2D no default pool_size
  std::vector<int64_t> pool_size;  // required
  std::optional<std::vector<int64_t>> strides;
  std::string padding = "valid";
  std::optional<std::string> data_format;
  static const ArgTable<AveragePooling2DArgs>& table();
};

// The shared computation of MaxPooling2D and AveragePooling2D.
class Pooling2D : public Layer {
 public:
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Pooling2D(std::string name, PoolKind kind) : Layer(std::move(name)), kind_(kind) {}
  Tensor forward(const Tensor& x, bool training) override;
  PoolKind kind_;
  Pool2DOptions options_;
};

// The maximum of each window (padding cells never win).
class MaxPooling2D : public Pooling2D {
 public:
  using Args = MaxPooling2DArgs;
  MaxPooling2D(std::string name, MaxPooling2DArgs args);
  const MaxPooling2DArgs& args() const { return args_; }
  const char* type() const override { return "MaxPooling2D"; }

 private:
  MaxPooling2DArgs args_;
};

// The mean of each window (with padding 'same', only cells inside the input count).
class AveragePooling2D : public Pooling2D {
 public:
  using Args = AveragePooling2DArgs;
  AveragePooling2D(std::string name, AveragePooling2DArgs args);
  const AveragePooling2DArgs& args() const { return args_; }
  const char* type() const override { return "AveragePooling2D"; }

 private:
  AveragePooling2DArgs args_;
};

// GlobalMaxPooling2D's and GlobalAveragePooling2D's arguments.
struct GlobalPooling2DArgs {
  std::optional<std::string> data_format;
  bool keepdims = false;
  static const ArgTable<GlobalPooling2DArgs>& table();
};

// (H, W, C) -> (C), or (1, 1, C) with keepdims.
class GlobalPooling2D : public Layer {
 public:
  using Args = GlobalPooling2DArgs;
  const GlobalPooling2DArgs& args() const { return args_; }
  // Here rather than in the subclasses: the constructor's checks name the layer by it.
  const char* type() const override { return kind_ == PoolKind::Max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  GlobalPooling2D(std::string name, PoolKind kind, GlobalPooling2DArgs args);
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PoolKind kind_;
  GlobalPooling2DArgs args_;
};

class GlobalMaxPooling2D : public GlobalPooling2D {
 public:
  GlobalMaxPooling2D(std::string name, GlobalPooling2DArgs args)
      : GlobalPooling2D(std::move(name), PoolKind::Max, std::move(args)) {}
};

class GlobalAveragePooling2D : public GlobalPooling2D {
 public:
  GlobalAveragePooling2D(std::string name, GlobalPooling2DArgs args)
      : GlobalPooling2D(std::move(name), PoolKind::Average, std::move(args)) {}
};

struct MaxPooling1DArgs {
  std::vector<int64_t> pool_size{2};
  std::optional<std::vector<int64_t>> strides;  // None: pool_size
  std::string padding = "valid";
  std::optional<std::string> data_format;
  static const ArgTable<MaxPooling1DArgs>& table();
};

class MaxPooling1D : public Layer {
 public:
  using Args = MaxPooling1DArgs;
  MaxPooling1D(std::string name, MaxPooling1DArgs args);
  const MaxPooling1DArgs& args() const { return args_; }
  const char* type() const override { return "MaxPooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  MaxPooling1DArgs args_;
  int64_t pool_, strides_;
};

struct AveragePooling1DArgs {                   // Keras gives AveragePooling1D no default pool_size
  std::vector<int64_t> pool_size;               // required
  std::optional<std::vector<int64_t>> strides;  // None: pool_size
  std::string padding = "valid";
  std::optional<std::string> data_format;
  static const ArgTable<AveragePooling1DArgs>& table();
};

// The mean of each window of pool_size steps (with padding 'same', only steps inside the input
// count, as Keras).
class AveragePooling1D : public Layer {
 public:
  using Args = AveragePooling1DArgs;
  AveragePooling1D(std::string name, AveragePooling1DArgs args);
  const AveragePooling1DArgs& args() const { return args_; }
  const char* type() const override { return "AveragePooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  AveragePooling1DArgs args_;
  int64_t pool_, strides_;
};

struct GlobalAveragePooling1DArgs {
  std::optional<std::string> data_format;
  bool keepdims = false;
  static const ArgTable<GlobalAveragePooling1DArgs>& table();
};

// Mean over time, (T, C) -> (C) or (1, C) with keepdims; with a padding mask on the input, the
// mean of the unmasked steps.
class GlobalAveragePooling1D : public Layer {
 public:
  using Args = GlobalAveragePooling1DArgs;
  GlobalAveragePooling1D(std::string name, GlobalAveragePooling1DArgs args);
  const GlobalAveragePooling1DArgs& args() const { return args_; }
  const char* type() const override { return "GlobalAveragePooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  GlobalAveragePooling1DArgs args_;
};

struct GlobalMaxPooling1DArgs {
  std::optional<std::string> data_format;
  bool keepdims = false;
  static const ArgTable<GlobalMaxPooling1DArgs>& table();
};

// Max over time: (T, C) -> (C), or (1, C) with keepdims. A padding mask on the input is not read:
// Keras's GlobalMaxPooling1D does not support masking either (it warns and takes the max over
// every step).
class GlobalMaxPooling1D : public Layer {
 public:
  using Args = GlobalMaxPooling1DArgs;
  GlobalMaxPooling1D(std::string name, GlobalMaxPooling1DArgs args);
  const GlobalMaxPooling1DArgs& args() const { return args_; }
  const char* type() const override { return "GlobalMaxPooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  GlobalMaxPooling1DArgs args_;
};

}  // namespace nerve
