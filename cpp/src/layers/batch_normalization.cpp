// BatchNormalization over the last (channels) axis.
#include <stdexcept>

#include "nerve/layers/arguments.h"
#include "nerve/layers/normalization.h"
#include "nerve/ops/normalization.h"

namespace nerve {

namespace {
bool in_closed_unit_interval(const ArgValue& v) {
  double x = std::get<double>(v);
  return x >= 0.0 && x <= 1.0;  // false for NaN
}
bool last_axis(const ArgValue& v) { return std::get<int64_t>(v) == -1; }
}  // namespace

const ArgTable<BatchNormalizationArgs>& BatchNormalizationArgs::table() {
  using Self = BatchNormalizationArgs;
  static const ArgTable<BatchNormalizationArgs> t{{
      NERVE_ARG(axis).supports("only axis=-1 (channels_last) is implemented", last_axis),
      NERVE_ARG(momentum).must("in [0, 1]", in_closed_unit_interval),
      NERVE_ARG(epsilon).must("a positive number", arg_positive),
      NERVE_ARG(center),
      NERVE_ARG(scale),
      NERVE_ARG(beta_initializer),
      NERVE_ARG(gamma_initializer),
      NERVE_ARG(moving_mean_initializer),
      NERVE_ARG(moving_variance_initializer),
      NERVE_ARG(synchronized),
  }};
  return t;
}
NERVE_REGISTER_LAYER(BatchNormalization, "BatchNormalization")

BatchNormalization::BatchNormalization(std::string name, BatchNormalizationArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  BatchNormalizationArgs::table().validate(args_, describe());
  momentum_ = static_cast<float>(args_.momentum);
  epsilon_ = static_cast<float>(args_.epsilon);
  for (const Initializer* i : {&args_.beta_initializer, &args_.gamma_initializer, &args_.moving_mean_initializer,
                               &args_.moving_variance_initializer})
    check_initializer(*i);
}

Shape BatchNormalization::output_shape(const Shape& s) const {
  if (s.empty())
    throw std::invalid_argument(describe() + ": input needs a feature axis, got shape " + batch_shape_str(s));
  require_known_dim(describe(), s, s.size() - 1, "the last axis (channels)");
  return s;
}

void BatchNormalization::build_weights(const Shape& s, uint64_t seed) {
  const int64_t C = s.back();
  if (args_.scale) add_weight({C}, args_.gamma_initializer, C, C, seed, true, "gamma");
  if (args_.center) add_weight({C}, args_.beta_initializer, C, C, seed ^ 0xbe7aull, true, "beta");
  add_weight({C}, args_.moving_mean_initializer, C, C, seed ^ 0x3ea4ull, /*trainable=*/false, "moving_mean");
  add_weight({C}, args_.moving_variance_initializer, C, C, seed ^ 0x7a7ull, /*trainable=*/false, "moving_variance");
}

Tensor BatchNormalization::forward(const Tensor& x, bool training) {
  if (training && trainable && x.impl()->mask.defined())
    throw UnsupportedArgument(describe() + ": its input of shape " + x.shape_string() +
                              " carries a padding mask (Embedding(mask_zero=True)); Keras computes the batch "
                              "statistics over the unmasked steps only, which nerve does not implement yet");
  size_t i = 0;
  Tensor gamma = args_.scale ? weights_[i++] : Tensor();
  Tensor beta = args_.center ? weights_[i++] : Tensor();
  const Tensor& moving_mean = weights_[i++];
  const Tensor& moving_variance = weights_[i++];
  return batch_norm(x, gamma, beta, moving_mean, moving_variance, training && trainable, momentum_, epsilon_,
                    args_.synchronized);
}

}  // namespace nerve
