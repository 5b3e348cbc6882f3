// TransformerEncoder: self-attention and a feed-forward network, each with dropout, a residual
// connection and post-LayerNorm, built from the layers in this family.
#include <stdexcept>

#include "nerve/layers/attention.h"
#include "nerve/layers/regularization.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<TransformerEncoderArgs>& TransformerEncoderArgs::table() {
  using Self = TransformerEncoderArgs;
  static const ArgTable<TransformerEncoderArgs> t{{
      NERVE_ARG(num_heads).require().must("a positive int", arg_positive),
      NERVE_ARG(key_dim).require().must("a positive int", arg_positive),
      NERVE_ARG(ff_dim).require().must("a positive int", arg_positive),
      NERVE_ARG(dropout).must("a float in [0, 1)", arg_unit_interval),
      NERVE_ARG(layer_norm_epsilon).must("a positive number", arg_positive),
      NERVE_ARG(use_causal_mask),
  }};
  return t;
}
NERVE_REGISTER_LAYER(TransformerEncoder, "TransformerEncoder")

TransformerEncoder::TransformerEncoder(std::string name, TransformerEncoderArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  TransformerEncoderArgs::table().validate(args_, describe());
  dropout_ = static_cast<float>(args_.dropout);
  epsilon_ = static_cast<float>(args_.layer_norm_epsilon);
}

Shape TransformerEncoder::output_shape(const Shape& s) const {
  if (s.size() != 2)
    throw std::invalid_argument(describe() + ": expects input of shape (batch, timesteps, features), got " +
                                batch_shape_str(s));
  require_known_dim(describe(), s, 1, "the last axis (features)");
  return s;
}

void TransformerEncoder::build_weights(const Shape& s, uint64_t seed) {
  MultiHeadAttentionArgs ao;
  ao.num_heads = args_.num_heads;
  ao.key_dim = args_.key_dim;
  ao.dropout = args_.dropout;
  ao.use_causal_mask = args_.use_causal_mask;
  attention_ = std::make_shared<MultiHeadAttention>(name() + "/self_attention", ao);
  norm1_ = std::make_shared<LayerNormalization>(name() + "/attention_norm", epsilon_);
  DenseArgs intermediate, output;
  intermediate.units = args_.ff_dim;
  intermediate.activation = "relu";
  output.units = s[1];
  ff1_ = std::make_shared<Dense>(name() + "/ff_intermediate", intermediate);
  ff2_ = std::make_shared<Dense>(name() + "/ff_output", output);
  norm2_ = std::make_shared<LayerNormalization>(name() + "/ff_norm", epsilon_);
  attention_->build(s, dropout_seed(seed, 1));
  norm1_->build(s, dropout_seed(seed, 2));
  ff1_->build(s, dropout_seed(seed, 3));
  ff2_->build({s[0], args_.ff_dim}, dropout_seed(seed, 4));
  norm2_->build(s, dropout_seed(seed, 5));
  for (Layer* l : std::initializer_list<Layer*>{attention_.get(), norm1_.get(), ff1_.get(), ff2_.get(), norm2_.get()})
    for (const Tensor& w : l->weights()) adopt_weight(w, true);
  seed_ = seed;
}

Tensor TransformerEncoder::dropout(const Tensor& x, bool training) {
  if (!training || dropout_ == 0.f) return x;
  return mul(x, dropout_keep_mask(x.shape(), dropout_, dropout_seed(seed_, calls_++)));
}

Tensor TransformerEncoder::forward(const Tensor& x, bool training) {
  Tensor a = attention_->attend(x, x, Tensor(), Tensor(), args_.use_causal_mask, training);
  Tensor h = norm1_->call(add(x, dropout(a, training)), training);
  Tensor f = ff2_->call(ff1_->call(h, training), training);
  Tensor out = norm2_->call(add(h, dropout(f, training)), training);
  out.impl()->mask = x.impl()->mask;
  return out;
}

}  // namespace nerve
