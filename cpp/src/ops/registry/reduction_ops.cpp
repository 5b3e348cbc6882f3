// Registered adapters of the reductions (nerve/ops/reductions.h), named as keras.ops: axis absent
// means None (every axis), keepdims defaults to False.
#include "nerve/op_registry.h"
#include "nerve/ops/reductions.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

AxisList axis_of(const OpAttrs& a) {
  if (!a.has("axis")) return std::nullopt;
  return a.get_ints("axis");
}

void register_reduction(const char* name, ReduceKind kind) {
  register_op({name, 1, [kind](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {reduce(in[0], kind, axis_of(a), a.get_bool("keepdims", false))};
               }});
}

std::optional<int64_t> single_axis(const OpAttrs& a) {
  if (!a.has("axis")) return std::nullopt;
  return a.get_int("axis");
}

}  // namespace

void register_reduction_ops() {
  register_reduction("sum", ReduceKind::Sum);
  register_reduction("mean", ReduceKind::Mean);
  register_reduction("prod", ReduceKind::Prod);
  register_reduction("max", ReduceKind::Max);
  register_reduction("min", ReduceKind::Min);
  register_reduction("logsumexp", ReduceKind::LogSumExp);
  register_reduction("var", ReduceKind::Var);
  register_reduction("std", ReduceKind::Std);
  register_op({"argmax", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {argmax(in[0], single_axis(a), a.get_bool("keepdims", false))};
               }});
  register_op({"argmin", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {argmin(in[0], single_axis(a), a.get_bool("keepdims", false))};
               }});
}

}  // namespace nerve
