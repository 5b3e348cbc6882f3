// Embedding (with mask_zero) and PositionEmbedding.
#include "nerve/layers/embedding.h"

#include <stdexcept>
#include <vector>

#include "nerve/ops/embedding.h"

namespace nerve {

const ArgTable<EmbeddingArgs>& EmbeddingArgs::table() {
  using Self = EmbeddingArgs;
  static const ArgTable<EmbeddingArgs> t{{
      NERVE_ARG(input_dim).require().must("a positive int", arg_positive),
      NERVE_ARG(output_dim).require().must("a positive int", arg_positive),
      NERVE_ARG(embeddings_initializer).shown_as("uniform"),
      NERVE_ARG(mask_zero),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Embedding, "Embedding")

Embedding::Embedding(std::string name, EmbeddingArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  EmbeddingArgs::table().validate(args_, describe());
  check_initializer(args_.embeddings_initializer);
}

Shape Embedding::output_shape(const Shape& input_shape) const {
  Shape out = input_shape;
  out.push_back(args_.output_dim);
  return out;
}

void Embedding::build_weights(const Shape&, uint64_t seed) {
  add_weight({args_.input_dim, args_.output_dim}, args_.embeddings_initializer, args_.input_dim, args_.output_dim, seed,
             true, "embeddings");
}

Tensor Embedding::forward(const Tensor& x, bool) {
  Tensor out = embedding(x, weights_[0]);
  if (args_.mask_zero && x.dim() == 2) {  // 0 is padding: a [batch, timesteps] mask rides on the output
    HostView ids(x);
    std::vector<float> mask(static_cast<size_t>(ids.size()));
    for (int64_t i = 0; i < ids.size(); ++i) mask[i] = ids[i] != 0.f ? 1.f : 0.f;
    out.impl()->mask = Tensor::from_host(mask.data(), x.shape(), out.device());
  }
  return out;
}

const ArgTable<PositionEmbeddingArgs>& PositionEmbeddingArgs::table() {
  using Self = PositionEmbeddingArgs;
  static const ArgTable<PositionEmbeddingArgs> t{{
      NERVE_ARG(sequence_length).require().must("a positive int", arg_positive),
      NERVE_ARG(initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(PositionEmbedding, "PositionEmbedding")

PositionEmbedding::PositionEmbedding(std::string name, PositionEmbeddingArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  PositionEmbeddingArgs::table().validate(args_, describe());
  check_initializer(args_.initializer);
}

Shape PositionEmbedding::output_shape(const Shape& s) const {
  if (s.size() != 2)
    throw std::invalid_argument(describe() + ": expects input of shape (batch, timesteps, features), got " +
                                batch_shape_str(s));
  require_known_dim(describe(), s, 1, "the last axis (features)");
  if (s[0] > args_.sequence_length)
    throw std::invalid_argument(describe() + ": input has " + std::to_string(s[0]) +
                                " timesteps, more than sequence_length=" + std::to_string(args_.sequence_length));
  return s;
}

void PositionEmbedding::build_weights(const Shape& s, uint64_t seed) {
  add_weight({args_.sequence_length, s[1]}, args_.initializer, args_.sequence_length, s[1], seed, true, "embeddings");
}

Tensor PositionEmbedding::forward(const Tensor& x, bool) {
  Tensor out = add_position_embedding(x, weights_[0]);
  out.impl()->mask = x.impl()->mask;
  return out;
}

}  // namespace nerve
