// Embedding (with mask_zero) and PositionEmbedding.
#include "nerve/layers/embedding.h"

#include <stdexcept>
#include <vector>

#include "nerve/ops/embedding.h"

namespace nerve {

Embedding::Embedding(std::string name, int64_t input_dim, int64_t output_dim, bool mask_zero,
                     Initializer embeddings_initializer)
    : Layer(std::move(name)), input_dim_(input_dim), output_dim_(output_dim), mask_zero_(mask_zero),
      init_(std::move(embeddings_initializer)) {
  if (input_dim <= 0 || output_dim <= 0)
    throw std::invalid_argument(describe() + ": input_dim and output_dim must be positive, got " +
                                std::to_string(input_dim) + " and " + std::to_string(output_dim));
  check_initializer(init_);
}

Shape Embedding::output_shape(const Shape& input_shape) const {
  Shape out = input_shape;
  out.push_back(output_dim_);
  return out;
}

void Embedding::build_weights(const Shape&, uint64_t seed) {
  add_weight({input_dim_, output_dim_}, init_, input_dim_, output_dim_, seed);
}

Tensor Embedding::forward(const Tensor& x, bool) {
  Tensor out = embedding(x, weights_[0]);
  if (mask_zero_ && x.dim() == 2) {  // 0 is padding: a [batch, timesteps] mask rides on the output
    HostView ids(x);
    std::vector<float> mask(static_cast<size_t>(ids.size()));
    for (int64_t i = 0; i < ids.size(); ++i) mask[i] = ids[i] != 0.f ? 1.f : 0.f;
    out.impl()->mask = Tensor::from_host(mask.data(), x.shape(), out.device());
  }
  return out;
}

PositionEmbedding::PositionEmbedding(std::string name, int64_t sequence_length, Initializer initializer)
    : Layer(std::move(name)), sequence_length_(sequence_length), init_(std::move(initializer)) {
  if (sequence_length <= 0)
    throw std::invalid_argument(describe() + ": sequence_length must be positive, got " +
                                std::to_string(sequence_length));
  check_initializer(init_);
}

Shape PositionEmbedding::output_shape(const Shape& s) const {
  if (s.size() != 2)
    throw std::invalid_argument(describe() + ": expects input of shape (batch, timesteps, features), got " +
                                batch_shape_str(s));
  require_known_dim(describe(), s, 1, "the last axis (features)");
  if (s[0] > sequence_length_)
    throw std::invalid_argument(describe() + ": input has " + std::to_string(s[0]) +
                                " timesteps, more than sequence_length=" + std::to_string(sequence_length_));
  return s;
}

void PositionEmbedding::build_weights(const Shape& s, uint64_t seed) {
  add_weight({sequence_length_, s[1]}, init_, sequence_length_, s[1], seed);
}

Tensor PositionEmbedding::forward(const Tensor& x, bool) {
  Tensor out = add_position_embedding(x, weights_[0]);
  out.impl()->mask = x.impl()->mask;
  return out;
}

}  // namespace nerve
