// Activation functions: the one list every op, layer and GEMM epilogue shares.
#pragma once
#include <cstdint>
#include <string>

namespace nerve {

enum class Activation : uint8_t {
  Linear, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softmax, Gelu, Swish
};

// Parses a Keras name ("relu", "leaky_relu", ...); throws std::invalid_argument listing valid names.
Activation activation_from_name(const std::string& name);
const char* activation_name(Activation a);
// The valid names, comma-separated, for error messages.
const char* activation_names();

// True for activations whose derivative can be written in terms of the output alone; only those
// are fused into a GEMM epilogue (the backward pass then needs no pre-activation copy).
bool activation_grad_from_output(Activation a);

// Element-wise activations (not Softmax). `alpha` is the leaky_relu slope / elu scale.
void activation_forward(Activation a, float alpha, const float* x, float* y, int64_t n);
// dx = dy * f'(.): from the output y when activation_grad_from_output(a), else from the input x.
void activation_backward(Activation a, float alpha, const float* x, const float* y,
                         const float* dy, float* dx, int64_t n);

}  // namespace nerve
