// Normalization (the preprocessing layer): (x - mean) / max(sqrt(variance), epsilon) with
// statistics given or set by adapt(); its inverse with invert=True.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nerve/layers/preprocessing.h"
#include "nerve/ops/math.h"
#include "nerve/ops/shape_ops.h"

namespace nerve {

namespace {
// keras.config.epsilon(), the floor of the standard deviation Keras divides by.
constexpr float kKerasEpsilon = 1e-7f;

bool finite(const ArgValue& v) { return std::isfinite(std::get<double>(v)); }
bool non_negative_finite(const ArgValue& v) {
  const double x = std::get<double>(v);
  return std::isfinite(x) && x >= 0.0;
}
}  // namespace

const ArgTable<NormalizationArgs>& NormalizationArgs::table() {
  using Self = NormalizationArgs;
  static const ArgTable<NormalizationArgs> t{{
      NERVE_ARG(axis).shown_as_value(ArgValue{int64_t{-1}}),
      NERVE_ARG(mean).must("a finite number", finite),
      NERVE_ARG(variance).must("a non-negative finite number", non_negative_finite),
      NERVE_ARG(invert),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Normalization, "Normalization")

Normalization::Normalization(std::string name, NormalizationArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  NormalizationArgs::table().validate(args_, describe());
  if (args_.mean.has_value() != args_.variance.has_value())
    throw std::invalid_argument(describe() +
                                ": when setting values directly, both `mean` and `variance` must be set (got only " +
                                (args_.mean ? "mean" : "variance") + ")");
}

std::vector<int64_t> Normalization::kept_axes(size_t sample_rank) const {
  const auto ndim = static_cast<int64_t>(sample_rank) + 1;  // with the batch axis, as Keras counts
  std::vector<int64_t> kept;
  for (int64_t a : args_.axis) {
    if (a < -ndim || a >= ndim)
      throw std::invalid_argument(describe() +
                                  ": all `axis` values must be in the range [-ndim, ndim); inputs have ndim=" +
                                  std::to_string(ndim) + " (batch axis included), axis=" + std::to_string(a));
    const int64_t d = a < 0 ? a + ndim : a;
    if (d == 0)
      throw UnsupportedArgument(describe() + ": axis=" + std::to_string(a) +
                                " (the batch axis) is not supported; statistics per batch index would tie the "
                                "model to one batch size");
    if (std::find(kept.begin(), kept.end(), d - 1) != kept.end())
      throw std::invalid_argument(describe() + ": axis lists axis " + std::to_string(d) + " twice");
    kept.push_back(d - 1);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

Shape Normalization::output_shape(const Shape& s) const {
  for (int64_t d : kept_axes(s.size()))
    require_known_dim(describe(), s, static_cast<size_t>(d), "axis " + std::to_string(d + 1) + " (a kept `axis`)");
  return s;
}

Shape Normalization::input_spec(const Shape& built, size_t) const {
  Shape spec(built.size(), kUnknownDim);
  for (int64_t d : kept_axes(built.size())) spec[static_cast<size_t>(d)] = built[static_cast<size_t>(d)];
  return spec;
}

void Normalization::build_weights(const Shape& s, uint64_t seed) {
  if (args_.mean) return;  // given statistics are constants, not weights (as Keras)
  Shape kept;
  for (int64_t d : kept_axes(s.size())) kept.push_back(s[static_cast<size_t>(d)]);
  add_weight(kept, Initializer{"zeros"}, 1, 1, seed, /*trainable=*/false, "mean");
  add_weight(kept, Initializer{"ones"}, 1, 1, seed, /*trainable=*/false, "variance");
  add_weight({}, Initializer{"zeros"}, 1, 1, seed, /*trainable=*/false, "count");
}

Tensor Normalization::forward(const Tensor& x, bool) {
  Tensor mean, variance;
  if (args_.mean) {
    mean = Tensor::full({}, static_cast<float>(*args_.mean), x.device());
    variance = Tensor::full({}, static_cast<float>(*args_.variance), x.device());
  } else {
    // [kept sizes] -> x's rank with 1 on every other axis, so they broadcast against x.
    Shape b(static_cast<size_t>(x.dim()), 1);
    for (int64_t d : kept_axes(static_cast<size_t>(x.dim()) - 1)) b[static_cast<size_t>(d) + 1] = x.size(d + 1);
    mean = reshape(weights_[0], b);
    variance = reshape(weights_[1], b);
  }
  Tensor stddev =
      binary_op(BinaryOp::Maximum, unary_op(UnaryOp::Sqrt, variance), Tensor::full({}, kKerasEpsilon, x.device()));
  if (args_.invert) return binary_op(BinaryOp::Add, binary_op(BinaryOp::Multiply, x, stddev), mean);
  return binary_op(BinaryOp::Divide, binary_op(BinaryOp::Subtract, x, mean), stddev);
}

}  // namespace nerve
