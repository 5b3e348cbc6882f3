// Image augmentation layers (Keras 3's RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
// RandomContrast): while training each sample of the batch gets its own random transform, drawn
// from the layer's seed (the one given, or its build seed: nerve.utils.set_random_seed) and a call
// counter, as Dropout; in inference the layer is the identity. channels_last images
// [batch, height, width, channels] only. A factor range (lower, upper) is what Keras's layer holds
// after reading its factor argument (Python: nerve/layers/augmentation.py).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"
#include "nerve/ops/augmentation.h"

namespace nerve {

// What every augmentation layer shares: shape-preserving, any image size, a seed and a call counter.
class RandomImageLayer : public Layer {
 public:
  using Layer::Layer;
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  // The seed of this training call's draws (the given seed or the build seed, mixed with the counter).
  uint64_t next_draw_seed();
  std::optional<int64_t> given_seed_;

 private:
  uint64_t seed_ = 0, calls_ = 0;
};

struct RandomFlipArgs {
  std::string mode = "horizontal_and_vertical";  // or "horizontal", "vertical"
  std::optional<int64_t> seed;
  std::optional<std::string> data_format;
  static const ArgTable<RandomFlipArgs>& table();
};

// Each sample is flipped with probability 1/2: left-right ("horizontal"), top-bottom ("vertical"),
// or both at once ("horizontal_and_vertical": one draw for both axes, as Keras 3.15).
class RandomFlip : public RandomImageLayer {
 public:
  using Args = RandomFlipArgs;
  RandomFlip(std::string name, RandomFlipArgs args);
  const RandomFlipArgs& args() const { return args_; }
  const char* type() const override { return "RandomFlip"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RandomFlipArgs args_;
};

// The arguments the three affine layers share, after their factors.
#define NERVE_AFFINE_AUGMENTATION_ARGS    \
  std::string fill_mode = "reflect";      \
  std::string interpolation = "bilinear"; \
  std::optional<int64_t> seed;            \
  double fill_value = 0.0;                \
  std::optional<std::string> data_format

struct RandomRotationArgs {
  // The angle range as fractions of a full turn (Keras's factor: f gives (-f, f)).
  double factor_lower = 0.0, factor_upper = 0.0;
  NERVE_AFFINE_AUGMENTATION_ARGS;
  static const ArgTable<RandomRotationArgs>& table();
};

// Rotates each sample about the image centre by an angle drawn uniformly from
// [factor_lower, factor_upper] * 360 degrees (counter-clockwise for a positive angle).
class RandomRotation : public RandomImageLayer {
 public:
  using Args = RandomRotationArgs;
  RandomRotation(std::string name, RandomRotationArgs args);
  const RandomRotationArgs& args() const { return args_; }
  const char* type() const override { return "RandomRotation"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RandomRotationArgs args_;
};

struct RandomTranslationArgs {
  // Shift ranges as fractions of the height and width (Keras's height_factor, width_factor).
  double height_lower = 0.0, height_upper = 0.0, width_lower = 0.0, width_upper = 0.0;
  NERVE_AFFINE_AUGMENTATION_ARGS;
  static const ArgTable<RandomTranslationArgs>& table();
};

// Shifts each sample by (height * u, width * v) pixels, u and v drawn uniformly from the ranges.
class RandomTranslation : public RandomImageLayer {
 public:
  using Args = RandomTranslationArgs;
  RandomTranslation(std::string name, RandomTranslationArgs args);
  const RandomTranslationArgs& args() const { return args_; }
  const char* type() const override { return "RandomTranslation"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RandomTranslationArgs args_;
};

struct RandomZoomArgs {
  // Zoom ranges (Keras's height_factor, width_factor): the sampling grid is scaled by 1 + u, so a
  // positive u zooms out. No width range: the width uses the height's draw (aspect kept).
  double height_lower = 0.0, height_upper = 0.0;
  std::optional<double> width_lower, width_upper;
  NERVE_AFFINE_AUGMENTATION_ARGS;
  static const ArgTable<RandomZoomArgs>& table();
};

class RandomZoom : public RandomImageLayer {
 public:
  using Args = RandomZoomArgs;
  RandomZoom(std::string name, RandomZoomArgs args);
  const RandomZoomArgs& args() const { return args_; }
  const char* type() const override { return "RandomZoom"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RandomZoomArgs args_;
};

#undef NERVE_AFFINE_AUGMENTATION_ARGS

struct RandomContrastArgs {
  // The contrast factor is drawn from [1 - factor_lower, 1 + factor_upper] (Keras's factor).
  double factor_lower = 0.0, factor_upper = 0.0;
  double value_low = 0.0, value_high = 255.0;  // Keras's value_range: the output is clipped to it
  std::optional<int64_t> seed;
  std::optional<std::string> data_format;  // a keyword of Keras's base class, in its config
  static const ArgTable<RandomContrastArgs>& table();
};

// Per sample and channel: (x - mean) * factor + mean, mean over the height and width, clipped to
// the value range.
class RandomContrast : public RandomImageLayer {
 public:
  using Args = RandomContrastArgs;
  RandomContrast(std::string name, RandomContrastArgs args);
  const RandomContrastArgs& args() const { return args_; }
  const char* type() const override { return "RandomContrast"; }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  RandomContrastArgs args_;
};

// The range arguments of augmentation layer `type` from Keras's arguments as a Keras config holds
// them (factor, height_factor, width_factor, value_range: one number {f}, a pair {a, b}, or
// absent/None {}), read as Keras 3.15 reads them: a pair sorted; one number f as (-|f|, |f|)
// (RandomContrast: (0, |f|)). How a model file Keras wrote builds the same layer in C++. Empty for
// other layers.
NamedArgs augmentation_ranges_from_keras(const std::string& type,
                                         const std::vector<std::pair<std::string, std::vector<double>>>& keras);

}  // namespace nerve
