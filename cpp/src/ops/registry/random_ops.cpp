// Registered adapters for the random ops (nerve/ops/random_ops.h), named random_<keras name>.
// Each reads its seed from the attributes on every call, so a traced program replaying the op
// draws fresh numbers each step from a generator or the global seed, and the same numbers from an
// int seed:  seed=<int>  |  generator=<id of a seed generator>  |  neither (the global generator).
#include "nerve/ops/random_ops.h"

#include <stdexcept>

#include "nerve/op_registry.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

uint64_t key_from(const OpAttrs& a) {
  if (a.has("seed") && a.has("generator"))
    throw std::invalid_argument(a.op_name + ": takes a seed or a generator, not both");
  if (a.has("seed")) return random_key(a.get_int("seed"), 0);
  if (a.has("generator")) {
    try {
      return seed_generator_next(a.get_int("generator"));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(a.op_name + ": " + e.what());
    }
  }
  return global_random_key();
}

float get_f(const OpAttrs& a, const char* key, double fallback) {
  return static_cast<float>(a.get_float(key, fallback));
}

}  // namespace

void register_random_ops() {
  register_op(
      {"random_uniform", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
         return {random_uniform(a.get_ints("shape"), get_f(a, "minval", 0.0), get_f(a, "maxval", 1.0), key_from(a))};
       }});
  register_op({"random_normal", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {
                     random_normal(a.get_ints("shape"), get_f(a, "mean", 0.0), get_f(a, "stddev", 1.0), key_from(a))};
               }});
  register_op({"random_truncated_normal", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_truncated_normal(a.get_ints("shape"), get_f(a, "mean", 0.0), get_f(a, "stddev", 1.0),
                                                 key_from(a))};
               }});
  register_op({"random_randint", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_randint(a.get_ints("shape"), a.get_int("minval"), a.get_int("maxval"), key_from(a))};
               }});
  register_op({"random_gamma", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_gamma(a.get_ints("shape"), a.get_float("alpha"), key_from(a))};
               }});
  register_op({"random_beta", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_beta(a.get_ints("shape"), a.get_float("alpha"), a.get_float("beta"), key_from(a))};
               }});
  register_op({"random_binomial", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_binomial(a.get_ints("shape"), a.get_float("counts"), a.get_float("probabilities"),
                                         key_from(a))};
               }});
  // categorical(logits): [batch, num_samples] class indices
  register_op({"random_categorical", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_categorical(in[0], a.get_int("num_samples"), key_from(a))};
               }});
  // dropout(x): noise_shape absent means x's shape; -1 in it stands for Keras's None
  register_op({"random_dropout", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_dropout(in[0], get_f(a, "rate", 0.0), a.get_ints("noise_shape", {}), key_from(a))};
               }});
  register_op({"random_shuffle", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {random_shuffle(in[0], a.get_int("axis", 0), key_from(a))};
               }});
}

}  // namespace nerve
