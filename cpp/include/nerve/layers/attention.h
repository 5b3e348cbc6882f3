// Attention layers: MultiHeadAttention and a composite TransformerEncoder block.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/core.h"
#include "nerve/layers/layer.h"
#include "nerve/layers/normalization.h"

namespace nerve {

// MultiHeadAttention's arguments (Keras names, order and defaults; see nerve/layers/arguments.h).
// The weights' roles are "kernel" (the four projection kernels) and "bias".
struct MultiHeadAttentionArgs {
  int64_t num_heads = 0;             // required
  int64_t key_dim = 0;               // required
  std::optional<int64_t> value_dim;  // None: key_dim (the layer then holds key_dim)
  double dropout = 0.0;              // on the attention weights, while training
  bool use_bias = true;
  std::optional<std::vector<int64_t>> output_shape;  // (features,); None: the query's features
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  std::optional<int64_t> seed;   // dropout masks; None: the layer's build seed
  bool use_causal_mask = false;  // nerve's: for single-input (self-attention) and graph calls
  static const ArgTable<MultiHeadAttentionArgs>& table();
};

// Keras MultiHeadAttention. Inputs: query [Tq, Fq], value [Tv, Fv], optional key [Tv, Fk]
// (default value), and in graph calls an optional fourth input, the attention_mask
// [Tq or 1, Tv] (1 = attend; the key is then always given). Called with one input it is
// self-attention (query = value = key), so it works inside Sequential. Weights (Keras order): query kernel [Fq, H, dk]
// and bias [H, dk], key kernel/bias, value kernel [Fv, H, dv]/bias, output kernel [H, dv, Fout] and bias [Fout].
class MultiHeadAttention : public Layer {
 public:
  using Args = MultiHeadAttentionArgs;
  MultiHeadAttention(std::string name, MultiHeadAttentionArgs args);
  const MultiHeadAttentionArgs& args() const { return args_; }
  const char* type() const override { return "MultiHeadAttention"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t index) const override {
    return index == 3 ? any_size(built) : any_size_but_last(built);  // the mask: any steps
  }
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  // attention_mask [B or 1, Tq or 1, Tv] or [Tq, Tv] (1 = attend; broadcast as Keras does) may be undefined; padding
  // masks carried by the value (keys) tensor are applied too.
  Tensor attend(const Tensor& query, const Tensor& value, const Tensor& key, const Tensor& attention_mask,
                bool use_causal_mask, bool training);
  // Attention weights [B, H, Tq, Tv] for the given inputs (inference, no gradient).
  Tensor scores(const Tensor& query, const Tensor& value, const Tensor& key, const Tensor& attention_mask,
                bool use_causal_mask);

 protected:
  // Matrix products in float32 only (no bfloat16 path yet): refuses mixed_bfloat16.
  bool supports_precision(ComputePrecision p) const override { return p == ComputePrecision::Float32; }
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  Tensor project(const Tensor& x, int which) const;  // 0 query, 1 key, 2 value
  Tensor combined_mask(const Tensor& query, const Tensor& value, const Tensor& attention_mask) const;
  MultiHeadAttentionArgs args_;
  int64_t value_dim_, output_dim_;  // output_dim_ 0: the query's features
  int64_t out_dim_ = 0;
  uint64_t seed_ = 0, calls_ = 0;
};

// A post-norm transformer encoder block (keras_hub TransformerEncoder):
//   x = LayerNorm(x + Dropout(SelfAttention(x)));  x = LayerNorm(x + Dropout(FFN(x)))
// with FFN = Dense(ff_dim, relu) -> Dense(features). Keeps the input's padding mask.
struct TransformerEncoderArgs {
  int64_t num_heads = 0;  // required
  int64_t key_dim = 0;    // required
  int64_t ff_dim = 0;     // required
  double dropout = 0.0;
  double layer_norm_epsilon = 1e-5;
  bool use_causal_mask = false;
  static const ArgTable<TransformerEncoderArgs>& table();
};

class TransformerEncoder : public Layer {
 public:
  using Args = TransformerEncoderArgs;
  TransformerEncoder(std::string name, TransformerEncoderArgs args);
  const TransformerEncoderArgs& args() const { return args_; }
  const char* type() const override { return "TransformerEncoder"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  // Matrix products in float32 only (no bfloat16 path yet): refuses mixed_bfloat16.
  bool supports_precision(ComputePrecision p) const override { return p == ComputePrecision::Float32; }
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Tensor dropout(const Tensor& x, bool training);
  TransformerEncoderArgs args_;
  float dropout_, epsilon_;
  std::shared_ptr<MultiHeadAttention> attention_;
  std::shared_ptr<LayerNormalization> norm1_, norm2_;
  std::shared_ptr<Dense> ff1_, ff2_;
  uint64_t seed_ = 0, calls_ = 0;
};

}  // namespace nerve
