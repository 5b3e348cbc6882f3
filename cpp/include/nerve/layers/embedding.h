// Embedding layers: Embedding (which can set the padding mask, see nerve/layers/recurrent.h)
// and PositionEmbedding.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/layer.h"

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

}  // namespace nerve
