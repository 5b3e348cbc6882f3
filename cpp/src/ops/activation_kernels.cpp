// Element-wise activation functions and their derivatives (shared by ops and GEMM epilogues).
#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/parallel.h"
#include "nerve/activation.h"

namespace nerve {

namespace {
struct Entry {
  const char* name;
  Activation act;
};
constexpr Entry kActivations[] = {
    {"linear", Activation::Linear},        {"relu", Activation::Relu},
    {"sigmoid", Activation::Sigmoid},      {"tanh", Activation::Tanh},
    {"leaky_relu", Activation::LeakyRelu}, {"elu", Activation::Elu},
    {"softmax", Activation::Softmax},      {"gelu", Activation::Gelu},
    {"swish", Activation::Swish},
};
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
constexpr int64_t kGrain = 1 << 14;
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

Activation activation_from_name(const std::string& name) {
  for (const auto& e : kActivations)
    if (name == e.name) return e.act;
  if (name == "silu") return Activation::Swish;
  throw std::invalid_argument("unknown activation '" + name + "'; valid names: " + activation_names());
}

const char* activation_name(Activation a) {
  for (const auto& e : kActivations)
    if (e.act == a) return e.name;
  return "?";
}

const char* activation_names() {
  return "linear, relu, sigmoid, tanh, leaky_relu, elu, softmax, gelu, swish";
}

bool activation_grad_from_output(Activation a) {
  switch (a) {
    case Activation::Linear: case Activation::Relu: case Activation::Tanh:
    case Activation::LeakyRelu: case Activation::Elu: case Activation::Sigmoid:
      return true;
    default:
      return false;
  }
}

static void forward_chunk(Activation a, float alpha, const float* xp, float* yp, int64_t n) {
  CArr x(xp, n);
  Arr y(yp, n);
  switch (a) {
    case Activation::Linear: if (xp != yp) y = x; break;
    case Activation::Relu: y = x.max(0.f); break;
    // 1/(1+exp(-x)): exp overflows to inf for x << 0 and the result is exactly 0, never NaN.
    case Activation::Sigmoid: y = (1.f + (-x).exp()).inverse(); break;
    case Activation::Tanh: y = x.tanh(); break;
    case Activation::LeakyRelu: y = (x > 0.f).select(x, alpha * x); break;
    case Activation::Elu: y = (x > 0.f).select(x, alpha * (x.min(0.f).exp() - 1.f)); break;
    case Activation::Swish: y = x * (1.f + (-x).exp()).inverse(); break;
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) yp[i] = 0.5f * xp[i] * (1.f + std::erf(xp[i] * kInvSqrt2));
      break;
    case Activation::Softmax: throw std::invalid_argument("softmax is not element-wise");
  }
}

void activation_forward(Activation a, float alpha, const float* x, float* y, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { forward_chunk(a, alpha, x + b, y + b, e - b); });
}

static void backward_chunk(Activation a, float alpha, const float* xp, const float* yp,
                           const float* dyp, float* dxp, int64_t n) {
  CArr dy(dyp, n);
  Arr dx(dxp, n);
  switch (a) {
    case Activation::Linear: dx = dy; break;
    case Activation::Relu:
      // A select on values loaded unconditionally, so the compiler vectorises it (Eigen's
      // select(), like a conditional load, compiles to a branch per element).
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) {
        const float g = dyp[i];
        dxp[i] = yp[i] > 0.f ? g : 0.f;
      }
      break;
    case Activation::Sigmoid: { CArr y(yp, n); dx = dy * y * (1.f - y); break; }
    case Activation::Tanh: { CArr y(yp, n); dx = dy * (1.f - y.square()); break; }
    case Activation::LeakyRelu: {
      // Sign of the output equals the sign of the input for a positive slope.
      const float* s = xp ? xp : yp;
      dx = (CArr(s, n) > 0.f).select(dy, alpha * dy);
      break;
    }
    case Activation::Elu: {
      CArr y(yp, n);
      dx = (y > 0.f).select(dy, dy * (y + alpha));
      break;
    }
    case Activation::Swish: {
      CArr x(xp, n);
      Eigen::ArrayXf s = (1.f + (-x).exp()).inverse();
      dx = dy * s * (1.f + x * (1.f - s));
      break;
    }
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) {
        float x = xp[i];
        float cdf = 0.5f * (1.f + std::erf(x * kInvSqrt2));
        dxp[i] = dyp[i] * (cdf + x * kInvSqrt2Pi * std::exp(-0.5f * x * x));
      }
      break;
    case Activation::Softmax: throw std::invalid_argument("softmax is not element-wise");
  }
}

void activation_backward(Activation a, float alpha, const float* x, const float* y,
                         const float* dy, float* dx, int64_t n) {
  if (!activation_grad_from_output(a) && !x)
    throw std::invalid_argument(std::string("activation_backward: ") + activation_name(a) +
                                " needs its input");
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    backward_chunk(a, alpha, x ? x + b : nullptr, y ? y + b : nullptr, dy + b, dx + b, e - b);
  });
}

}  // namespace nerve
