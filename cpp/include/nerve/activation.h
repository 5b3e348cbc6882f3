// Activation functions: the one list every op, layer and GEMM epilogue shares (every activation
// Keras 3 ships, with Keras's formulas and default parameters).
#pragma once
#include <cstdint>
#include <limits>
#include <string>

namespace nerve {

enum class Activation : uint8_t {
  Linear,
  Relu,
  Sigmoid,
  Tanh,
  LeakyRelu,
  Elu,
  Softmax,
  Gelu,
  Swish,
  Selu,
  Celu,
  Softplus,
  Softsign,
  SoftShrink,
  HardShrink,
  TanhShrink,
  HardTanh,
  HardSigmoid,
  HardSilu,
  SparseSigmoid,
  SparsePlus,
  Squareplus,
  Mish,
  Relu6,
  Exponential,
  LogSigmoid,
  LogSoftmax,
  Glu,
  Sparsemax,
  // Only from an explicit call (nerve.activations.*) with arguments a name cannot carry:
  GeluApproximate,  // gelu(x, approximate=True)
  ReluGeneral,      // relu(x, negative_slope, max_value, threshold) with non-default arguments
  Threshold,        // threshold(x, threshold, default_value)
};

// The keyword arguments of the Keras functions. `alpha` is each function's one parameter:
// leaky_relu / relu negative_slope, elu / celu alpha, soft_shrink / hard_shrink threshold,
// squareplus b. A float converts to it, so a layer's single activation_alpha still fits.
struct ActivationParams {
  float alpha = 0.f;
  float max_value = std::numeric_limits<float>::infinity();  // relu
  float threshold = 0.f;                                     // relu, threshold
  float default_value = 0.f;                                 // threshold
  ActivationParams(float a = 0.f) : alpha(a) {}              // NOLINT: implicit on purpose
};

// Parses a Keras name ("relu", "leaky_relu", "hard_swish", ...); throws std::invalid_argument
// listing valid names. "threshold" has no defaults for its arguments, so it cannot be named.
Activation activation_from_name(const std::string& name);
// The same for a layer's activation argument: errors start with the layer (`who`, e.g.
// "Dense 'dense_1'").
Activation activation_for_layer(const std::string& who, const std::string& name);
const char* activation_name(Activation a);
// The valid names, comma-separated, for error messages.
const char* activation_names();

// Keras's default for the one parameter (ActivationParams::alpha) of an activation given by name:
// leaky_relu 0.2, elu / celu 1, soft_shrink / hard_shrink 0.5, squareplus 4; 0 otherwise.
float activation_default_alpha(Activation a);

// False for the activations that act on whole rows of the last axis (softmax, log_softmax, glu,
// sparsemax); those run through activation_rows_*.
bool activation_elementwise(Activation a);
// The last-axis size of the output for an input whose last axis has `features` entries (glu
// halves it; throws std::invalid_argument for glu on an odd size).
int64_t activation_output_features(Activation a, int64_t features);

// True for activations whose derivative can be written in terms of the output alone; only those
// are fused into a GEMM epilogue (the backward pass then needs no pre-activation copy), and a
// recurrent cell keeps its gates' pre-activations only for the others.
bool activation_grad_from_output(Activation a);

// Element-wise activations.
void activation_forward(Activation a, const ActivationParams& p, const float* x, float* y, int64_t n);
// dx = dy * f'(.): from the output y when activation_grad_from_output(a), else from the input x.
void activation_backward(Activation a, const ActivationParams& p, const float* x, const float* y, const float* dy,
                         float* dx, int64_t n);
// The float forms (a layer's activation_alpha), kept for the GEMM epilogues.
inline void activation_forward(Activation a, float alpha, const float* x, float* y, int64_t n) {
  activation_forward(a, ActivationParams(alpha), x, y, n);
}
inline void activation_backward(Activation a, float alpha, const float* x, const float* y, const float* dy, float* dx,
                                int64_t n) {
  activation_backward(a, ActivationParams(alpha), x, y, dy, dx, n);
}

// Row activations over the last axis: x is [rows, cols], y is [rows, activation_output_features].
void activation_rows_forward(Activation a, const float* x, float* y, int64_t rows, int64_t cols);
// dx [rows, cols] from the input x, the output y and dy (both [rows, output features]).
void activation_rows_backward(Activation a, const float* x, const float* y, const float* dy, float* dx, int64_t rows,
                              int64_t cols);

}  // namespace nerve
