// Registered adapters for the creation ops (nerve/ops/creation.h). Shapes and sizes are
// attributes, so that a traced layer records them (a SymbolicDim is filled in on every step).
#include <limits>

#include "nerve/op_registry.h"
#include "nerve/ops/creation.h"
#include "ops/registered_ops.h"

namespace nerve {

void register_creation_ops() {
  register_op({"full", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {full(a.get_ints("shape"), static_cast<float>(a.get_float("fill_value")))};
               }});
  register_op({"full_like", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {full_like(in[0], static_cast<float>(a.get_float("fill_value")))};
               }});
  register_op({"arange", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {arange(a.get_float("start"), a.get_float("stop"), a.get_float("step", 1.0))};
               }});
  register_op({"linspace", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 return {linspace(a.get_float("start"), a.get_float("stop"), a.get_int("num", 50),
                                  a.get_bool("endpoint", true))};
               }});
  // eye(N, M, k): ones on diagonal k.
  register_op({"eye", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 const int64_t n = a.get_int("N"), k = a.get_int("k", 0);
                 return {band("eye", n, a.get_int("M", n), k, k)};
               }});
  // tri(N, M, k): ones on and below diagonal k.
  register_op({"tri", 0, [](const std::vector<Tensor>&, const OpAttrs& a) -> std::vector<Tensor> {
                 const int64_t n = a.get_int("N");
                 return {band("tri", n, a.get_int("M", n), std::numeric_limits<int64_t>::min() / 4, a.get_int("k", 0))};
               }});
  register_op({"tril", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {tril(in[0], a.get_int("k", 0))};
               }});
  register_op({"triu", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {triu(in[0], a.get_int("k", 0))};
               }});
}

}  // namespace nerve
