// Registered adapters for the Keras activations of keras.ops (relu, gelu, softmax, ...): each
// runs nerve's activation kernels (nerve/activation.h) through nerve::activation, with Keras's
// arguments and defaults.
#include "nerve/op_registry.h"
#include "nerve/ops.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

void register_activation(const char* name, Activation act) {
  register_op({name, 1, [act](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {activation(in[0], act)};
               }});
}

}  // namespace

void register_nn_ops() {
  register_activation("relu", Activation::Relu);
  register_activation("relu6", Activation::Relu6);
  register_activation("sigmoid", Activation::Sigmoid);
  register_activation("tanh", Activation::Tanh);
  register_activation("softplus", Activation::Softplus);
  register_activation("softsign", Activation::Softsign);
  register_activation("silu", Activation::Swish);
  register_activation("swish", Activation::Swish);
  register_activation("selu", Activation::Selu);
  register_activation("hard_sigmoid", Activation::HardSigmoid);
  // keras.ops.gelu defaults to the tanh approximation (keras.activations.gelu does not).
  register_op(
      {"gelu", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
         return {activation(in[0], a.get_bool("approximate", true) ? Activation::GeluApproximate : Activation::Gelu)};
       }});
  register_op({"leaky_relu", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {
                     activation(in[0], Activation::LeakyRelu, static_cast<float>(a.get_float("negative_slope", 0.2)))};
               }});
  register_op({"elu", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {activation(in[0], Activation::Elu, static_cast<float>(a.get_float("alpha", 1.0)))};
               }});
  register_op({"softmax", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {activation_along("softmax", in[0], Activation::Softmax, a.get_int("axis", -1))};
               }});
  register_op({"log_softmax", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {activation_along("log_softmax", in[0], Activation::LogSoftmax, a.get_int("axis", -1))};
               }});
}

}  // namespace nerve
