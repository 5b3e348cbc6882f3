// Registered adapters for the Keras-named element-wise math (nerve/ops/math.h): arithmetic,
// comparisons and logic, clip, where, cast and stop_gradient.
#include "nerve/layers/arguments.h"
#include "nerve/op_registry.h"
#include "nerve/ops/math.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

void register_binary(BinaryOp op) {
  register_op({binary_op_name(op), 2, [op](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {binary_op(op, in[0], in[1])};
               }});
}

void register_unary(UnaryOp op) {
  register_op({unary_op_name(op), 1, [op](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {unary_op(op, in[0])};
               }});
}

}  // namespace

void register_math_ops() {
  for (int op = 0; op <= static_cast<int>(BinaryOp::LogicalXor); ++op) register_binary(static_cast<BinaryOp>(op));
  // NotZero is cast's, under "cast".
  for (int op = 0; op < static_cast<int>(UnaryOp::NotZero); ++op) register_unary(static_cast<UnaryOp>(op));
  register_op({"clip", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {
                     clip(in[0], static_cast<float>(a.get_float("x_min")), static_cast<float>(a.get_float("x_max")))};
               }});
  register_op({"where", 3, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {where(in[0], in[1], in[2])};
               }});
  register_op({"cast", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {cast(in[0], a.get_string("dtype"))};
               }});
  register_op({"stop_gradient", 1, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {stop_gradient(in[0])};
               }});
  // Not a Keras op: the predictions as they are, unless they carry a padding mask, which Keras
  // applies in a loss or metric written in Python (Loss.__call__, MeanMetricWrapper) and nerve
  // does not apply there yet. The built-in losses and metrics apply it (ops/losses.cpp).
  register_op({"refuse_padding_mask", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 if (in[0].impl()->mask.defined())
                   throw UnsupportedArgument(
                       a.get_string("who", "a loss or metric written in Python") + ": the predictions of shape " +
                       in[0].shape_string() +
                       " carry a padding mask (Embedding(mask_zero=True) or Masking), which Keras applies to a "
                       "loss or metric written in Python and nerve does not yet; use a built-in loss or metric "
                       "(they skip the padded steps as Keras does)");
                 return {in[0]};
               }});
  // Not a Keras op: the padding mask the predictions carry (1 kept, 0 padded) for a loss or metric
  // written in Python to weigh its values with, as Keras's Loss.__call__ and MeanMetricWrapper do;
  // ones of shape predictions.shape[:-1] when there is none (a weight that changes nothing).
  register_op({"padding_mask", 1, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 const Tensor& pred = in[0];
                 Shape rows(pred.shape().begin(), pred.shape().end() - (pred.dim() > 1 ? 1 : 0));
                 const Tensor& mask = pred.impl()->mask;
                 if (!mask.defined()) return {Tensor::full(rows, 1.f, pred.device())};
                 if (mask.shape() != rows)
                   throw UnsupportedArgument("the predictions of shape " + pred.shape_string() +
                                             " carry a padding mask of shape " + mask.shape_string() +
                                             "; nerve applies a mask with one value per row of the last axis only");
                 return {mask.clone()};
               }});
}

}  // namespace nerve
