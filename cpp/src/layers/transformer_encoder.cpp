// TransformerEncoder: self-attention and a feed-forward network, each with dropout, a residual
// connection and post-LayerNorm, built from the layers in this family.
#include <stdexcept>

#include "nerve/layers/attention.h"
#include "nerve/layers/regularization.h"
#include "nerve/ops.h"

namespace nerve {

TransformerEncoder::TransformerEncoder(std::string name, int64_t num_heads, int64_t key_dim, int64_t ff_dim,
                                       float dropout, float layer_norm_epsilon, bool use_causal_mask)
    : Layer(std::move(name)), num_heads_(num_heads), key_dim_(key_dim), ff_dim_(ff_dim), dropout_(dropout),
      epsilon_(layer_norm_epsilon), causal_(use_causal_mask) {
  if (num_heads <= 0 || key_dim <= 0 || ff_dim <= 0)
    throw std::invalid_argument(describe() + ": num_heads, key_dim and ff_dim must be positive, got " +
                                std::to_string(num_heads) + ", " + std::to_string(key_dim) + ", " +
                                std::to_string(ff_dim));
  if (!(dropout >= 0.f && dropout < 1.f))
    throw std::invalid_argument(describe() + ": dropout must be in [0, 1), got " + std::to_string(dropout));
}

Shape TransformerEncoder::output_shape(const Shape& s) const {
  if (s.size() != 2)
    throw std::invalid_argument(describe() + ": expects input of shape (batch, timesteps, features), got " +
                                batch_shape_str(s));
  require_known_dim(describe(), s, 1, "the last axis (features)");
  return s;
}

void TransformerEncoder::build_weights(const Shape& s, uint64_t seed) {
  AttentionOptions ao;
  ao.num_heads = num_heads_;
  ao.key_dim = key_dim_;
  ao.dropout = dropout_;
  ao.use_causal_mask = causal_;
  attention_ = std::make_shared<MultiHeadAttention>(name() + "/self_attention", ao);
  norm1_ = std::make_shared<LayerNormalization>(name() + "/attention_norm", epsilon_);
  DenseArgs intermediate, output;
  intermediate.units = ff_dim_;
  intermediate.activation = "relu";
  output.units = s[1];
  ff1_ = std::make_shared<Dense>(name() + "/ff_intermediate", intermediate);
  ff2_ = std::make_shared<Dense>(name() + "/ff_output", output);
  norm2_ = std::make_shared<LayerNormalization>(name() + "/ff_norm", epsilon_);
  attention_->build(s, dropout_seed(seed, 1));
  norm1_->build(s, dropout_seed(seed, 2));
  ff1_->build(s, dropout_seed(seed, 3));
  ff2_->build({s[0], ff_dim_}, dropout_seed(seed, 4));
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
  Tensor a = attention_->attend(x, x, Tensor(), Tensor(), causal_, training);
  Tensor h = norm1_->call(add(x, dropout(a, training)), training);
  Tensor f = ff2_->call(ff1_->call(h, training), training);
  Tensor out = norm2_->call(add(h, dropout(f, training)), training);
  out.impl()->mask = x.impl()->mask;
  return out;
}

}  // namespace nerve
