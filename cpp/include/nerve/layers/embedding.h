// Embedding layers: Embedding (which can set the padding mask, see nerve/layers/recurrent.h)
// and PositionEmbedding.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

struct EmbeddingArgs {
  int64_t input_dim = 0;   // required
  int64_t output_dim = 0;  // required
  // Keras's 'uniform': RandomUniform(-0.05, 0.05), nerve's random_uniform with its defaults.
  Initializer embeddings_initializer{"random_uniform"};
  bool mask_zero = false;
  static const ArgTable<EmbeddingArgs>& table();
};

// Its table's weight has the role "embeddings" (embeddings_regularizer).
class Embedding : public Layer {
 public:
  using Args = EmbeddingArgs;
  Embedding(std::string name, EmbeddingArgs args);
  const EmbeddingArgs& args() const { return args_; }
  const char* type() const override { return "Embedding"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  EmbeddingArgs args_;
};

struct PositionEmbeddingArgs {
  int64_t sequence_length = 0;  // required
  Initializer initializer{"glorot_uniform"};
  static const ArgTable<PositionEmbeddingArgs>& table();
};

// Learned position embeddings added to the input: x + table[:T] (keras_hub PositionEmbedding).
class PositionEmbedding : public Layer {
 public:
  using Args = PositionEmbeddingArgs;
  PositionEmbedding(std::string name, PositionEmbeddingArgs args);
  const PositionEmbeddingArgs& args() const { return args_; }
  const char* type() const override { return "PositionEmbedding"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PositionEmbeddingArgs args_;
};

}  // namespace nerve
