// Activation functions and their derivatives on the CPU (the kernel table's activation family,
// and the GEMM epilogues). Formulas and default parameters follow Keras 3 (its JAX backend): e.g.
// elu uses expm1, gelu uses erfc, hard_sigmoid is relu6(x + 3) / 6.
#include "nerve/activation.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/elementwise/elementwise.h"
#include "cpu/parallel.h"

namespace nerve {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
constexpr int64_t kGrain = 1 << 14;
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCubic = 0.044715f;
constexpr float kSeluScale = 1.0507009873554804934f;
constexpr float kSeluAlpha = 1.6732632423543772848f;

inline float sigmoid1(float x) { return 1.f / (1.f + std::exp(-x)); }
// log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
inline float softplus1(float x) { return std::max(x, 0.f) + std::log1p(std::exp(-std::fabs(x))); }
inline float relu6_1(float x) { return std::min(std::max(x, 0.f), 6.f); }
// s > 0 ? a : b as a bit mask, which vectorises: a ternary or Eigen's select() compiled to a
// branch per element (measured in the GCC 12 build: leaky_relu's backward 2x slower than
// PyTorch's on a GAN's 6.4M activations of random sign). Exact, inf and NaN included.
inline float where_positive(float s, float a, float b) {
  const uint32_t keep = 0u - static_cast<uint32_t>(s > 0.f);
  uint32_t ab, bb;
  std::memcpy(&ab, &a, sizeof ab);
  std::memcpy(&bb, &b, sizeof bb);
  const uint32_t r = (ab & keep) | (bb & ~keep);
  float out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
}  // namespace

static void not_elementwise(Activation a) {
  throw std::invalid_argument(std::string(activation_name(a)) + " is not element-wise");
}

static void forward_chunk(Activation a, const ActivationParams& p, const float* xp, float* yp, int64_t n) {
  CArr x(xp, n);
  Arr y(yp, n);
  const float alpha = p.alpha;
  switch (a) {
    case Activation::Linear:
      if (xp != yp) y = x;
      break;
    case Activation::Relu:
      y = x.max(0.f);
      break;
    // 1/(1+exp(-x)): exp overflows to inf for x << 0 and the result is exactly 0, never NaN.
    case Activation::Sigmoid:
      y = (1.f + (-x).exp()).inverse();
      break;
    case Activation::Tanh:
      y = x.tanh();
      break;
    case Activation::LeakyRelu:
      // Branch-free max(x, 0) + alpha * min(x, 0) (exact: one term is 0), which vectorises;
      // Eigen's select() and a ternary compiled to a branch per element: 4x slower than PyTorch
      // on a GAN's 6.4M-element activations, whose signs are random.
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        yp[i] = std::max(v, 0.f) + alpha * std::min(v, 0.f);
      }
      break;
    // expm1: exp(x) - 1 loses the digits of small |x|.
    case Activation::Elu:
      y = (x > 0.f).select(x, alpha * x.min(0.f).expm1());
      break;
    case Activation::Swish:
      y = x * (1.f + (-x).exp()).inverse();
      break;
    // x Φ(x) with Φ(x) = erfc(-x/√2)/2: 1 + erf(x/√2) cancels for x << 0.
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) yp[i] = 0.5f * xp[i] * std::erfc(-xp[i] * kInvSqrt2);
      break;
    case Activation::GeluApproximate:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        yp[i] = v * (0.5f * (1.f + std::tanh(kSqrt2OverPi * (v + kGeluCubic * (v * v * v)))));
      }
      break;
    case Activation::Selu:
      y = kSeluScale * (x > 0.f).select(x, kSeluAlpha * x.min(0.f).expm1());
      break;
    case Activation::Celu:
      y = (x > 0.f).select(x, alpha * (x.min(0.f) / alpha).expm1());
      break;
    case Activation::Softplus:
      for (int64_t i = 0; i < n; ++i) yp[i] = softplus1(xp[i]);
      break;
    case Activation::LogSigmoid:
      for (int64_t i = 0; i < n; ++i) yp[i] = -softplus1(-xp[i]);
      break;
    case Activation::Softsign:
      y = x / (x.abs() + 1.f);
      break;
    case Activation::SoftShrink:
      y = (x > alpha).select(x - alpha, (x < -alpha).select(x + alpha, 0.f));
      break;
    case Activation::HardShrink:
      y = (x.abs() > alpha).select(x, 0.f);
      break;
    case Activation::TanhShrink:
      y = x - x.tanh();
      break;
    case Activation::HardTanh:
      y = x.max(-1.f).min(1.f);
      break;
    case Activation::HardSigmoid:
      for (int64_t i = 0; i < n; ++i) yp[i] = relu6_1(xp[i] + 3.f) / 6.f;
      break;
    case Activation::HardSilu:
      for (int64_t i = 0; i < n; ++i) yp[i] = xp[i] * (relu6_1(xp[i] + 3.f) / 6.f);
      break;
    case Activation::SparseSigmoid:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        yp[i] = v <= -1.f ? 0.f : v >= 1.f ? 1.f : 0.5f * (v + 1.f);
      }
      break;
    case Activation::SparsePlus:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        yp[i] = v <= -1.f ? 0.f : v >= 1.f ? v : (v + 1.f) * (v + 1.f) / 4.f;
      }
      break;
    case Activation::Squareplus:
      for (int64_t i = 0; i < n; ++i) yp[i] = (xp[i] + std::sqrt(xp[i] * xp[i] + alpha)) / 2.f;
      break;
    case Activation::Mish:
      for (int64_t i = 0; i < n; ++i) yp[i] = xp[i] * std::tanh(softplus1(xp[i]));
      break;
    case Activation::Relu6:
      y = x.max(0.f).min(6.f);
      break;
    case Activation::Exponential:
      y = x.exp();
      break;
    case Activation::ReluGeneral:
      // Keras's relu(x, negative_slope, max_value, threshold): x above the threshold (clipped to
      // [0, max_value] when given), minus negative_slope * (threshold - x) below it.
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        float out = v > p.threshold ? v : 0.f;
        if (p.max_value < std::numeric_limits<float>::infinity()) out = std::min(std::max(out, 0.f), p.max_value);
        if (alpha != 0.f) out -= alpha * std::max(p.threshold - v, 0.f);
        yp[i] = out;
      }
      break;
    case Activation::Threshold:
      for (int64_t i = 0; i < n; ++i) yp[i] = xp[i] > p.threshold ? xp[i] : p.default_value;
      break;
    case Activation::Softmax:
    case Activation::LogSoftmax:
    case Activation::Glu:
    case Activation::Sparsemax:
      not_elementwise(a);
  }
}

void activation_forward(Activation a, const ActivationParams& p, const float* x, float* y, int64_t n) {
  if (!activation_elementwise(a)) not_elementwise(a);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { forward_chunk(a, p, x + b, y + b, e - b); });
}

static void backward_chunk(Activation a, const ActivationParams& p, const float* xp, const float* yp, const float* dyp,
                           float* dxp, int64_t n) {
  CArr dy(dyp, n);
  Arr dx(dxp, n);
  const float alpha = p.alpha;
  switch (a) {
    case Activation::Linear:
      dx = dy;
      break;
    case Activation::Relu:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) dxp[i] = where_positive(yp[i], dyp[i], 0.f);
      break;
    case Activation::Sigmoid: {
      CArr y(yp, n);
      dx = dy * y * (1.f - y);
      break;
    }
    case Activation::Tanh: {
      CArr y(yp, n);
      dx = dy * (1.f - y.square());
      break;
    }
    case Activation::LeakyRelu: {
      // Sign of the output equals the sign of the input for a positive slope.
      const float* s = xp ? xp : yp;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) dxp[i] = where_positive(s[i], dyp[i], alpha * dyp[i]);
      break;
    }
    case Activation::Elu: {
      CArr y(yp, n);
      dx = (y > 0.f).select(dy, dy * (y + alpha));
      break;
    }
    case Activation::Selu: {  // below 0: scale·alpha·e^x = y + scale·alpha
      CArr y(yp, n);
      dx = (y > 0.f).select(kSeluScale * dy, dy * (y + kSeluScale * kSeluAlpha));
      break;
    }
    case Activation::Celu: {  // below 0: e^(x/alpha) = y/alpha + 1
      CArr y(yp, n);
      dx = (y > 0.f).select(dy, dy * (y / alpha + 1.f));
      break;
    }
    case Activation::Softplus: {  // sigmoid(x) = 1 - e^-y
      CArr y(yp, n);
      dx = dy * -(-y).expm1();
      break;
    }
    case Activation::LogSigmoid: {  // 1 - sigmoid(x) = 1 - e^y
      CArr y(yp, n);
      dx = dy * -y.expm1();
      break;
    }
    case Activation::SoftShrink:
    case Activation::HardShrink: {
      CArr y(yp, n);
      dx = (y != 0.f).select(dy, 0.f);
      break;
    }
    case Activation::HardTanh: {
      CArr y(yp, n);
      dx = (y.abs() < 1.f).select(dy, 0.f);
      break;
    }
    case Activation::HardSigmoid: {
      CArr y(yp, n);
      dx = (y > 0.f && y < 1.f).select(dy / 6.f, 0.f);
      break;
    }
    case Activation::SparseSigmoid: {
      CArr y(yp, n);
      dx = (y > 0.f && y < 1.f).select(0.5f * dy, 0.f);
      break;
    }
    case Activation::Relu6: {
      CArr y(yp, n);
      dx = (y > 0.f && y < 6.f).select(dy, 0.f);
      break;
    }
    case Activation::Exponential:
      dx = dy * CArr(yp, n);
      break;
    case Activation::Swish: {
      CArr x(xp, n);
      Eigen::ArrayXf s = (1.f + (-x).exp()).inverse();
      dx = dy * s * (1.f + x * (1.f - s));
      break;
    }
    case Activation::Gelu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        const float cdf = 0.5f * std::erfc(-v * kInvSqrt2);
        dxp[i] = dyp[i] * (cdf + v * kInvSqrt2Pi * std::exp(-0.5f * v * v));
      }
      break;
    case Activation::GeluApproximate:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        const float t = std::tanh(kSqrt2OverPi * (v + kGeluCubic * (v * v * v)));
        const float sech2 = 1.f - t * t;  // 0 once tanh saturates: skip the term (v² may be inf)
        const float du = kSqrt2OverPi * (1.f + 3.f * kGeluCubic * v * v);
        dxp[i] = dyp[i] * (0.5f * (1.f + t) + (sech2 != 0.f ? 0.5f * v * sech2 * du : 0.f));
      }
      break;
    case Activation::Softsign:
      for (int64_t i = 0; i < n; ++i) {
        const float d = 1.f + std::fabs(xp[i]);
        dxp[i] = dyp[i] / (d * d);
      }
      break;
    case Activation::TanhShrink: {
      CArr x(xp, n);
      dx = dy * x.tanh().square();
      break;
    }
    case Activation::HardSilu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        const float slope = v > -3.f && v < 3.f ? v / 6.f : 0.f;
        dxp[i] = dyp[i] * (relu6_1(v + 3.f) / 6.f + slope);
      }
      break;
    case Activation::SparsePlus:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        dxp[i] = dyp[i] * (v <= -1.f ? 0.f : v >= 1.f ? 1.f : 0.5f * (v + 1.f));
      }
      break;
    case Activation::Squareplus:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i], r = std::sqrt(v * v + alpha);
        dxp[i] = dyp[i] * (std::isinf(r) ? (v > 0.f ? 1.f : 0.f) : 0.5f * (1.f + v / r));
      }
      break;
    case Activation::Mish:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i], t = std::tanh(softplus1(v));
        dxp[i] = dyp[i] * (t + v * (1.f - t * t) * sigmoid1(v));
      }
      break;
    case Activation::ReluGeneral:
      for (int64_t i = 0; i < n; ++i) {
        const float v = xp[i];
        float g = 0.f;
        if (v > p.threshold)
          g = p.max_value < std::numeric_limits<float>::infinity() ? (v > 0.f && v < p.max_value) : 1.f;
        else if (v < p.threshold)
          g = alpha;
        dxp[i] = dyp[i] * g;
      }
      break;
    case Activation::Threshold:
      for (int64_t i = 0; i < n; ++i) dxp[i] = xp[i] > p.threshold ? dyp[i] : 0.f;
      break;
    case Activation::Softmax:
    case Activation::LogSoftmax:
    case Activation::Glu:
    case Activation::Sparsemax:
      not_elementwise(a);
  }
}

void activation_backward(Activation a, const ActivationParams& p, const float* x, const float* y, const float* dy,
                         float* dx, int64_t n) {
  if (!activation_elementwise(a)) not_elementwise(a);
  if (!activation_grad_from_output(a) && !x)
    throw std::invalid_argument(std::string("activation_backward: ") + activation_name(a) + " needs its input");
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    backward_chunk(a, p, x ? x + b : nullptr, y ? y + b : nullptr, dy + b, dx + b, e - b);
  });
}

// ---- Row activations over the last axis --------------------------------------------------------

namespace {

// Sparsemax (Martins & Astudillo 2016): the Euclidean projection onto the probability simplex.
// With z sorted in decreasing order, the support is {j : z_(j) > (z_(1) + ... + z_(j) - 1) / j},
// of size k; tau = (sum of z over the support - 1) / k and y = max(z - tau, 0). (Keras 3.15 sums
// the cumulative sums over the support instead, so its outputs need not sum to 1:
// keras-team/keras#23425, fixed upstream by #23469; nerve computes the fixed definition.)
// The support's indices are returned in `support` for the gradient.
void sparsemax_row(const float* z, float* y, int64_t cols, std::vector<int64_t>& order, std::vector<int64_t>& support) {
  order.resize(cols);
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return z[a] > z[b]; });
  support.clear();
  float cum = 0.f, support_sum = 0.f;
  for (int64_t j = 0; j < cols; ++j) {
    const float zj = z[order[j]];
    cum += zj;
    if (zj - (cum - 1.f) / static_cast<float>(j + 1) > 0.f) {
      support.push_back(order[j]);
      support_sum += zj;
    }
  }
  const float tau = (support_sum - 1.f) / static_cast<float>(support.size());
  if (y)
    for (int64_t j = 0; j < cols; ++j) y[j] = std::max(z[j] - tau, 0.f);
}

}  // namespace

void activation_rows_forward(Activation a, const float* x, float* y, int64_t rows, int64_t cols) {
  const int64_t out = activation_output_features(a, cols);
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
  switch (a) {
    case Activation::Softmax:
      kernels::softmax_rows(x, y, rows, cols);
      return;
    case Activation::LogSoftmax:
      parallel_for(rows, grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          CArr xi(x + i * cols, cols);
          Arr yi(y + i * cols, cols);
          const float mx = cols ? xi.maxCoeff() : 0.f;
          yi = xi - mx;
          yi -= std::log(yi.exp().sum());
        }
      });
      return;
    case Activation::Glu:
      parallel_for(rows, grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          CArr lin(x + i * cols, out), gate(x + i * cols + out, out);
          Arr(y + i * out, out) = lin * (1.f + (-gate).exp()).inverse();
        }
      });
      return;
    case Activation::Sparsemax:
      parallel_for(rows, grain, [&](int64_t b, int64_t e) {
        std::vector<int64_t> order, support;
        for (int64_t i = b; i < e; ++i) sparsemax_row(x + i * cols, y + i * cols, cols, order, support);
      });
      return;
    default:
      throw std::invalid_argument(std::string(activation_name(a)) + " is element-wise, not a row activation");
  }
}

void activation_rows_backward(Activation a, const float* x, const float* y, const float* dy, float* dx, int64_t rows,
                              int64_t cols) {
  if (activation_elementwise(a))
    throw std::invalid_argument(std::string(activation_name(a)) + " is element-wise, not a row activation");
  const int64_t out = activation_output_features(a, cols);
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1));
  parallel_for(rows, grain, [&](int64_t b, int64_t e) {
    std::vector<int64_t> order, support;
    for (int64_t i = b; i < e; ++i) {
      const float *xi = x + i * cols, *yi = y + i * out, *gi = dy + i * out;
      float* di = dx + i * cols;
      switch (a) {
        case Activation::Softmax: {  // dx = y (g - <g, y>)
          double dot = 0;
          for (int64_t j = 0; j < cols; ++j) dot += double(gi[j]) * yi[j];
          for (int64_t j = 0; j < cols; ++j) di[j] = yi[j] * (gi[j] - static_cast<float>(dot));
          break;
        }
        case Activation::LogSoftmax: {  // dx = g - softmax(x) sum(g), softmax = e^y
          double total = 0;
          for (int64_t j = 0; j < cols; ++j) total += gi[j];
          for (int64_t j = 0; j < cols; ++j) di[j] = gi[j] - std::exp(yi[j]) * static_cast<float>(total);
          break;
        }
        case Activation::Glu:
          for (int64_t j = 0; j < out; ++j) {
            const float s = sigmoid1(xi[out + j]);
            di[j] = gi[j] * s;
            di[out + j] = gi[j] * xi[j] * s * (1.f - s);
          }
          break;
        case Activation::Sparsemax: {
          // dy_j/dz_i = [y_j > 0] (δ_ij - [i in support] / k): tau moves with the support's mean.
          sparsemax_row(xi, nullptr, cols, order, support);
          double active = 0;
          for (int64_t j = 0; j < cols; ++j)
            if (yi[j] > 0.f) active += gi[j];
          for (int64_t j = 0; j < cols; ++j) di[j] = yi[j] > 0.f ? gi[j] : 0.f;
          const float shift = static_cast<float>(active / double(support.size()));
          for (int64_t idx : support) di[idx] -= shift;
          break;
        }
        default:
          break;  // element-wise: refused above
      }
    }
  });
}

}  // namespace nerve
