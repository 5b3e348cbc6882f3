// Sequence layers (Keras semantics): Embedding, PositionEmbedding, SimpleRNN / LSTM / GRU,
// Bidirectional, TimeDistributed, Conv1D, MaxPooling1D, GlobalAveragePooling1D,
// LayerNormalization, MultiHeadAttention and a composite TransformerEncoder block.
// Inputs are [batch, timesteps, features]. A padding mask ([batch, timesteps] of 0/1) travels on
// the tensor (TensorImpl::mask): Embedding(mask_zero) sets it; the layers here read it and pass
// it on when they keep the time axis.
#pragma once
#include <memory>
#include <string>

#include "nerve/layers.h"
#include "nerve/rnn_ops.h"

namespace nerve {

class Embedding : public Layer {
 public:
  Embedding(std::string name, int64_t input_dim, int64_t output_dim, bool mask_zero = false,
            Initializer embeddings_initializer = {"random_uniform"});
  const char* type() const override { return "Embedding"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t input_dim_, output_dim_;
  bool mask_zero_;
  Initializer init_;
};

// Learned position embeddings added to the input: x + table[:T] (keras_hub PositionEmbedding).
class PositionEmbedding : public Layer {
 public:
  PositionEmbedding(std::string name, int64_t sequence_length, Initializer initializer = {});
  const char* type() const override { return "PositionEmbedding"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t sequence_length_;
  Initializer init_;
};

struct RecurrentOptions {
  int64_t units = 0;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;
  bool use_bias = true;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  float dropout = 0.f;
  float recurrent_dropout = 0.f;
  bool unit_forget_bias = true;  // LSTM: forget-gate bias starts at 1
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer recurrent_initializer{"orthogonal"};
  Initializer bias_initializer{"zeros"};
};

// SimpleRNN, LSTM and GRU (reset_after=True, Keras 3 default). Weights: kernel [F, G*U],
// recurrent_kernel [U, G*U], bias [G*U] (GRU: [2, 3U]); gate blocks in Keras order.
class Recurrent : public Layer {
 public:
  Recurrent(std::string name, RnnCell cell, RecurrentOptions options);
  const char* type() const override { return rnn_cell_name(cell_); }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t index) const override;
  // [output, h] (SimpleRNN, GRU) or [output, h, c] (LSTM) with return_state, else [output].
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  // The whole computation: x [B, T, F]; initial states and mask may be undefined (the mask then
  // comes from x). Returns {output, last h, last c (LSTM only)}.
  std::vector<Tensor> run(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& mask, bool training);
  RnnCell cell() const { return cell_; }
  const RecurrentOptions& options() const { return opt_; }
  int64_t state_count() const { return cell_ == RnnCell::LSTM ? 2 : 1; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;
  // xs = {x, initial states...}
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  void check_input(const Shape& input_shape) const;
  RnnCell cell_;
  RecurrentOptions opt_;
  uint64_t seed_ = 0, calls_ = 0;  // dropout masks: seed_ mixed with a per-call counter
};

// Runs a recurrent layer forwards and a copy of it backwards, and merges the two.
class Bidirectional : public Layer {
 public:
  // merge_mode: "concat", "sum", "mul" or "ave". `backward` must have go_backwards set.
  Bidirectional(std::string name, std::shared_ptr<Recurrent> forward, std::shared_ptr<Recurrent> backward,
                std::string merge_mode = "concat");
  const char* type() const override { return "Bidirectional"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }
  const std::shared_ptr<Recurrent>& forward_layer() const { return fwd_; }
  const std::shared_ptr<Recurrent>& backward_layer() const { return bwd_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  std::shared_ptr<Recurrent> fwd_, bwd_;
  std::string merge_mode_;
};

// Applies a layer to every timestep: [B, T, ...] -> the layer on [B*T, ...] -> [B, T, ...].
class TimeDistributed : public Layer {
 public:
  TimeDistributed(std::string name, std::shared_ptr<Layer> layer);
  const char* type() const override { return "TimeDistributed"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override;
  const std::shared_ptr<Layer>& layer() const { return inner_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  std::shared_ptr<Layer> inner_;
};

class Conv1D : public Layer {
 public:
  Conv1D(std::string name, int64_t filters, int64_t kernel_size, int64_t strides = 1, std::string padding = "valid",
         int64_t dilation_rate = 1, Activation activation = Activation::Linear, float activation_alpha = 0.f,
         bool use_bias = true, Initializer kernel_initializer = {}, Initializer bias_initializer = {"zeros"});
  const char* type() const override { return "Conv1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t filters_, kernel_size_, strides_, dilation_;
  std::string padding_;
  Activation activation_;
  float alpha_;
  bool use_bias_;
  Initializer kernel_init_, bias_init_;
};

class MaxPooling1D : public Layer {
 public:
  // strides <= 0 means strides = pool_size (Keras default).
  MaxPooling1D(std::string name, int64_t pool_size = 2, int64_t strides = 0, std::string padding = "valid");
  const char* type() const override { return "MaxPooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t pool_, strides_;
  std::string padding_;
};

// Mean over time; with a padding mask on the input, the mean of the unmasked steps.
class GlobalAveragePooling1D : public Layer {
 public:
  explicit GlobalAveragePooling1D(std::string name) : Layer(std::move(name)) {}
  const char* type() const override { return "GlobalAveragePooling1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;
};

class LayerNormalization : public Layer {
 public:
  LayerNormalization(std::string name, float epsilon = 1e-3f, bool center = true, bool scale = true,
                     Initializer gamma_initializer = {"ones"}, Initializer beta_initializer = {"zeros"});
  const char* type() const override { return "LayerNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  float epsilon_;
  bool center_, scale_;
  Initializer gamma_init_, beta_init_;
};

struct AttentionOptions {
  int64_t num_heads = 1;
  int64_t key_dim = 0;
  int64_t value_dim = 0;  // 0: key_dim
  float dropout = 0.f;    // on the attention weights, while training
  bool use_bias = true;
  int64_t output_dim = 0;        // 0: the query's feature size
  bool use_causal_mask = false;  // for single-input (self-attention) calls
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
};

// Keras MultiHeadAttention. Inputs: query [Tq, Fq], value [Tv, Fv], optional key [Tv, Fk]
// (default value). Called with one input it is self-attention (query = value = key), so it
// works inside Sequential. Weights (Keras order): query kernel [Fq, H, dk] and bias [H, dk],
// key kernel/bias, value kernel [Fv, H, dv]/bias, output kernel [H, dv, Fout] and bias [Fout].
class MultiHeadAttention : public Layer {
 public:
  MultiHeadAttention(std::string name, AttentionOptions options);
  const char* type() const override { return "MultiHeadAttention"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  // attention_mask [B, Tq, Tv] (1 = attend) may be undefined; padding masks carried by the
  // value (keys) tensor are applied too.
  Tensor attend(const Tensor& query, const Tensor& value, const Tensor& key, const Tensor& attention_mask,
                bool use_causal_mask, bool training);
  // Attention weights [B, H, Tq, Tv] for the given inputs (inference, no gradient).
  Tensor scores(const Tensor& query, const Tensor& value, const Tensor& key, const Tensor& attention_mask,
                bool use_causal_mask);
  const AttentionOptions& options() const { return opt_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  Tensor project(const Tensor& x, int which) const;  // 0 query, 1 key, 2 value
  Tensor combined_mask(const Tensor& query, const Tensor& value, const Tensor& attention_mask) const;
  AttentionOptions opt_;
  int64_t out_dim_ = 0;
  uint64_t seed_ = 0, calls_ = 0;
};

// A post-norm transformer encoder block (keras_hub TransformerEncoder):
//   x = LayerNorm(x + Dropout(SelfAttention(x)));  x = LayerNorm(x + Dropout(FFN(x)))
// with FFN = Dense(ff_dim, relu) -> Dense(features). Keeps the input's padding mask.
class TransformerEncoder : public Layer {
 public:
  TransformerEncoder(std::string name, int64_t num_heads, int64_t key_dim, int64_t ff_dim, float dropout = 0.f,
                     float layer_norm_epsilon = 1e-5f, bool use_causal_mask = false);
  const char* type() const override { return "TransformerEncoder"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Tensor dropout(const Tensor& x, bool training);
  int64_t num_heads_, key_dim_, ff_dim_;
  float dropout_, epsilon_;
  bool causal_;
  std::shared_ptr<MultiHeadAttention> attention_;
  std::shared_ptr<LayerNormalization> norm1_, norm2_;
  std::shared_ptr<Dense> ff1_, ff2_;
  uint64_t seed_ = 0, calls_ = 0;
};

// A per-call seed for dropout masks: the layer's build seed mixed with a call counter.
uint64_t dropout_seed(uint64_t layer_seed, uint64_t call);

}  // namespace nerve
