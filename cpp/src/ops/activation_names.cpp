// Activation names and properties: the one list every op, layer and binding parses, and Python's
// nerve.activations reads (nerve/names.h); the kernels that compute them are in
// cpp/kernels/cpu/activation.
#include <stdexcept>
#include <string>
#include <vector>

#include "nerve/activation.h"
#include "nerve/names.h"

namespace nerve {

namespace {
struct Entry {
  const char* name;
  Activation act;
};
// Keras names (aliases included); activation_name() returns the first name of an activation.
constexpr Entry kActivations[] = {
    {"linear", Activation::Linear},
    {"relu", Activation::Relu},
    {"sigmoid", Activation::Sigmoid},
    {"tanh", Activation::Tanh},
    {"leaky_relu", Activation::LeakyRelu},
    {"elu", Activation::Elu},
    {"softmax", Activation::Softmax},
    {"gelu", Activation::Gelu},
    {"silu", Activation::Swish},
    {"swish", Activation::Swish},
    {"selu", Activation::Selu},
    {"celu", Activation::Celu},
    {"softplus", Activation::Softplus},
    {"softsign", Activation::Softsign},
    {"soft_shrink", Activation::SoftShrink},
    {"hard_shrink", Activation::HardShrink},
    {"tanh_shrink", Activation::TanhShrink},
    {"hard_tanh", Activation::HardTanh},
    {"hard_sigmoid", Activation::HardSigmoid},
    {"hard_silu", Activation::HardSilu},
    {"hard_swish", Activation::HardSilu},
    {"sparse_sigmoid", Activation::SparseSigmoid},
    {"sparse_plus", Activation::SparsePlus},
    {"squareplus", Activation::Squareplus},
    {"mish", Activation::Mish},
    {"relu6", Activation::Relu6},
    {"exponential", Activation::Exponential},
    {"log_sigmoid", Activation::LogSigmoid},
    {"log_softmax", Activation::LogSoftmax},
    {"glu", Activation::Glu},
    {"sparsemax", Activation::Sparsemax},
};
}  // namespace

Activation activation_from_name(const std::string& name) {
  for (const auto& e : kActivations)
    if (name == e.name) return e.act;
  if (name == "threshold")
    throw std::invalid_argument(
        "activation 'threshold' has no default for its arguments threshold and default_value, so "
        "it cannot be given by name; call nerve.activations.threshold(x, threshold, default_value)");
  throw std::invalid_argument("unknown activation '" + name + "'; valid names: " + activation_names());
}

Activation activation_for_layer(const std::string& who, const std::string& name) {
  try {
    return activation_from_name(name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(who + ": " + e.what());
  }
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::GeluApproximate:
      return "gelu";
    case Activation::ReluGeneral:
      return "relu";
    case Activation::Threshold:
      return "threshold";
    default:
      break;
  }
  for (const auto& e : kActivations)
    if (e.act == a) return e.name;
  return "?";
}

const std::vector<std::string>& activation_name_list() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : kActivations) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

const char* activation_names() {
  static const std::string names = [] {
    std::string s;
    for (const auto& n : activation_name_list()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }();
  return names.c_str();
}

float activation_default_alpha(Activation a) {
  switch (a) {
    case Activation::LeakyRelu:
      return 0.2f;
    case Activation::Elu:
    case Activation::Celu:
      return 1.f;
    case Activation::SoftShrink:
    case Activation::HardShrink:
      return 0.5f;
    case Activation::Squareplus:
      return 4.f;
    default:
      return 0.f;
  }
}

bool activation_elementwise(Activation a) {
  return a != Activation::Softmax && a != Activation::LogSoftmax && a != Activation::Glu && a != Activation::Sparsemax;
}

int64_t activation_output_features(Activation a, int64_t features) {
  if (a != Activation::Glu) return features;
  if (features % 2 != 0)
    throw std::invalid_argument("glu splits the last axis in two halves, so its size must be even, got " +
                                std::to_string(features));
  return features / 2;
}

bool activation_grad_from_output(Activation a) {
  switch (a) {
    case Activation::Linear:
    case Activation::Relu:
    case Activation::Tanh:
    case Activation::LeakyRelu:
    case Activation::Elu:
    case Activation::Sigmoid:
    case Activation::Selu:
    case Activation::Celu:
    case Activation::Softplus:
    case Activation::SoftShrink:
    case Activation::HardShrink:
    case Activation::HardTanh:
    case Activation::HardSigmoid:
    case Activation::SparseSigmoid:
    case Activation::Relu6:
    case Activation::Exponential:
    case Activation::LogSigmoid:
      return true;
    default:
      return false;
  }
}

}  // namespace nerve
