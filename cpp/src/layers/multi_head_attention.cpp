// MultiHeadAttention: three projections (dense on reshaped weights), the fused attention op, and
// the output projection.
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "nerve/layers/attention.h"
#include "nerve/layers/regularization.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<MultiHeadAttentionArgs>& MultiHeadAttentionArgs::table() {
  using Self = MultiHeadAttentionArgs;
  static const ArgTable<MultiHeadAttentionArgs> t{{
      NERVE_ARG(num_heads).require().must("a positive int", arg_positive),
      NERVE_ARG(key_dim).require().must("a positive int", arg_positive),
      NERVE_ARG(value_dim).must("a positive int or None", arg_positive),
      NERVE_ARG(dropout).must("a float in [0, 1)", arg_unit_interval),
      NERVE_ARG(use_bias),
      NERVE_ARG(output_shape)
          .must("a positive int, a 1-tuple or None",
                [](const ArgValue& v) { return std::get<std::vector<int64_t>>(v).size() == 1 && arg_positive(v); }),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(bias_initializer),
      NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative),
      NERVE_ARG(use_causal_mask),
  }};
  return t;
}
NERVE_REGISTER_LAYER(MultiHeadAttention, "MultiHeadAttention")

MultiHeadAttention::MultiHeadAttention(std::string name, MultiHeadAttentionArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  MultiHeadAttentionArgs::table().validate(args_, describe());
  if (!args_.value_dim) args_.value_dim = args_.key_dim;  // as Keras's config shows it
  value_dim_ = *args_.value_dim;
  output_dim_ = args_.output_shape ? args_.output_shape->front() : 0;
  check_initializer(args_.kernel_initializer);
  check_initializer(args_.bias_initializer);
}

std::vector<Shape> MultiHeadAttention::output_shapes_many(const std::vector<Shape>& in) const {
  if (in.empty() || in.size() > 4)
    throw std::invalid_argument(describe() +
                                " takes query, value, an optional key and an optional attention_mask; got " +
                                std::to_string(in.size()) + " inputs");
  for (size_t i = 0; i < std::min<size_t>(in.size(), 3); ++i)
    if (in[i].size() != 2)
      throw std::invalid_argument(describe() + ": query, value and key must be 3-D (batch, timesteps, features), got " +
                                  batch_shape_str(in[i]));
  if (in.size() == 4 && in[3].size() != 2)
    throw std::invalid_argument(describe() + ": attention_mask must be 3-D (batch, query steps, value steps), got " +
                                batch_shape_str(in[3]));
  static const char* names[] = {"query", "value", "key"};
  for (size_t i = 0; i < std::min<size_t>(in.size(), 3); ++i)
    require_known_dim(describe(), in[i], 1, std::string("the last axis (features) of the ") + names[i]);
  if (in.size() == 3 && in[2][0] != in[1][0] && in[2][0] != kUnknownDim && in[1][0] != kUnknownDim)
    throw std::invalid_argument(describe() + ": key " + batch_shape_str(in[2]) + " and value " +
                                batch_shape_str(in[1]) + " must have the same number of timesteps");
  return {{in[0][0], output_dim_ ? output_dim_ : in[0][1]}};
}

Shape MultiHeadAttention::output_shape(const Shape& s) const { return output_shapes_many({s, s})[0]; }

void MultiHeadAttention::build_weights(const Shape& s, uint64_t seed) { build_weights_many({s, s}, seed); }

void MultiHeadAttention::build_weights_many(const std::vector<Shape>& in, uint64_t seed) {
  const int64_t H = args_.num_heads, dk = args_.key_dim, dv = value_dim_;
  const int64_t Fq = in[0][1], Fv = in[1][1], Fk = in.size() > 2 ? in[2][1] : Fv;
  out_dim_ = output_dim_ ? output_dim_ : Fq;
  // Keras fans for an [F, H, d] kernel: fan_in = F*H, fan_out = F*d.
  auto proj = [&](int64_t F, int64_t d, uint64_t s) {
    add_weight({F, H, d}, args_.kernel_initializer, F * H, F * d, s, true, "kernel");
    if (args_.use_bias) add_weight({H, d}, args_.bias_initializer, F * H, F * d, s ^ 0xb1a5ull, true, "bias");
  };
  proj(Fq, dk, seed);
  proj(Fk, dk, dropout_seed(seed, 1));
  proj(Fv, dv, dropout_seed(seed, 2));
  add_weight({H, dv, out_dim_}, args_.kernel_initializer, dv * H, out_dim_ * H, dropout_seed(seed, 3), true, "kernel");
  if (args_.use_bias)
    add_weight({out_dim_}, args_.bias_initializer, dv * H, out_dim_, dropout_seed(seed, 4), true, "bias");
  seed_ = args_.seed ? static_cast<uint64_t>(*args_.seed) : seed;
}

Tensor MultiHeadAttention::project(const Tensor& x, int which) const {
  const int stride = args_.use_bias ? 2 : 1;
  const Tensor& w = weights_[which * stride];
  int64_t F = w.size(0), HD = w.size(1) * w.size(2);
  if (x.dim() != 3 || x.size(2) != F) {
    static const char* names[] = {"query", "key", "value"};
    throw std::invalid_argument(describe() + ": " + names[which] + " of shape " + x.shape_string() +
                                " does not match the layer, built for " + std::to_string(F) + " features");
  }
  Tensor b = args_.use_bias ? weights_[which * stride + 1].reshape({HD}) : Tensor();
  return dense(x, w.reshape({F, HD}), b, Activation::Linear);
}

Tensor MultiHeadAttention::combined_mask(const Tensor& q, const Tensor& v, const Tensor& attention_mask) const {
  const Tensor &qm = q.impl()->mask, &vm = v.impl()->mask;
  if (!attention_mask.defined() && !qm.defined() && !vm.defined()) return Tensor();
  const int64_t B = q.size(0), Tq = q.size(1), Tv = v.size(1);
  // Keras broadcasts the mask over the batch and query axes: [B or 1, Tq or 1, Tv], or [Tq, Tv].
  Shape ms = attention_mask.defined() ? attention_mask.shape() : Shape{};
  if (ms.size() == 2) ms.insert(ms.begin(), 1);
  auto fits = [](int64_t got, int64_t want) { return got == want || got == 1; };
  if (attention_mask.defined() && (ms.size() != 3 || !fits(ms[0], B) || !fits(ms[1], Tq) || !fits(ms[2], Tv)))
    throw std::invalid_argument(describe() + ": attention_mask must have shape " + shape_str({B, Tq, Tv}) +
                                " (batch, query steps, value steps; a size of 1 is broadcast), got " +
                                attention_mask.shape_string());
  for (const Tensor* m : {&qm, &vm})
    if (m->defined() && (m->dim() != 2 || m->size(0) != B || m->size(1) != (m == &qm ? Tq : Tv)))
      throw std::invalid_argument(describe() + ": padding mask of shape " + m->shape_string() +
                                  " does not match its input");
  // Built on the host (masks are small and come from token ids), then placed with the query.
  std::vector<float> mask(static_cast<size_t>(B * Tq * Tv), 1.f);
  std::optional<HostView> av, qv, vv;
  if (attention_mask.defined()) av.emplace(attention_mask);
  if (qm.defined()) qv.emplace(qm);
  if (vm.defined()) vv.emplace(vm);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Tq; ++i)
      for (int64_t j = 0; j < Tv; ++j) {
        bool on = (!qv || (*qv)[b * Tq + i] != 0.f) && (!vv || (*vv)[b * Tv + j] != 0.f);
        if (av) {
          int64_t at = ((ms[0] == 1 ? 0 : b) * ms[1] + (ms[1] == 1 ? 0 : i)) * ms[2] + (ms[2] == 1 ? 0 : j);
          on = on && (*av)[at] != 0.f;
        }
        if (!on) mask[(b * Tq + i) * Tv + j] = 0.f;
      }
  return Tensor::from_host(mask.data(), {B, Tq, Tv}, q.device());
}

Tensor MultiHeadAttention::attend(const Tensor& query, const Tensor& value, const Tensor& key,
                                  const Tensor& attention_mask, bool causal, bool training) {
  if (!built()) throw std::logic_error(describe() + " is called before it is built");
  const Tensor& k_in = key.defined() ? key : value;
  Tensor mask = combined_mask(query, value, attention_mask);
  Tensor q = project(query, 0), k = project(k_in, 1), v = project(value, 2);
  float rate = training ? static_cast<float>(args_.dropout) : 0.f;
  uint64_t seed = rate > 0.f ? dropout_seed(seed_, calls_++) : 0;
  Tensor o;
  try {
    o = multi_head_attention(q, k, v, args_.num_heads, mask, causal, rate, seed);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(describe() + ": " + e.what());
  }
  const int stride = args_.use_bias ? 2 : 1;
  const Tensor& wo = weights_[3 * stride];
  Tensor bo = args_.use_bias ? weights_[3 * stride + 1] : Tensor();
  Tensor out = dense(o, wo.reshape({args_.num_heads * value_dim_, out_dim_}), bo, Activation::Linear);
  out.impl()->mask = query.impl()->mask;
  return out;
}

Tensor MultiHeadAttention::scores(const Tensor& query, const Tensor& value, const Tensor& key,
                                  const Tensor& attention_mask, bool causal) {
  if (!built()) throw std::logic_error(describe() + " is called before it is built");
  Tensor mask = combined_mask(query, value, attention_mask);
  return attention_weights(project(query, 0), project(key.defined() ? key : value, 1), args_.num_heads, mask, causal);
}

Tensor MultiHeadAttention::forward(const Tensor& x, bool training) {
  return attend(x, x, Tensor(), Tensor(), args_.use_causal_mask, training);
}

std::vector<Tensor> MultiHeadAttention::forward_many(const std::vector<Tensor>& xs, bool training) {
  return {attend(xs.at(0), xs.at(1), xs.size() > 2 ? xs[2] : Tensor(), xs.size() > 3 ? xs[3] : Tensor(),
                 args_.use_causal_mask, training)};
}

}  // namespace nerve
