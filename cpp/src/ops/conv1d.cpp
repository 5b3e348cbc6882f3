// conv1d() as im2col + one sgemm, max_pool1d() and global_average_pool1d() over time.
#include <Eigen/Core>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "cpu/elementwise/elementwise.h"
#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/gemm.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/pooling.h"

namespace nerve {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

struct Geometry {
  int64_t B, T, C, K, F, To, stride, dilation, pad_left;
};

int64_t left_pad(int64_t T, int64_t To, int64_t K, int64_t stride, const std::string& padding, int64_t dilation) {
  if (padding == "valid") return 0;
  int64_t span = (K - 1) * dilation;
  if (padding == "causal") return span;
  int64_t total = std::max<int64_t>((To - 1) * stride + span + 1 - T, 0);
  return total / 2;
}

// col [B*To, K*C]: the input window of every output step (zeros where it reads padding).
void im2col(const float* x, const Geometry& g, float* col) {
  int64_t KC = g.K * g.C;
  parallel_for(g.B * g.To, std::max<int64_t>(1, 4096 / std::max<int64_t>(KC, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / g.To, to = r % g.To;
      for (int64_t k = 0; k < g.K; ++k) {
        int64_t p = to * g.stride - g.pad_left + k * g.dilation;
        float* dst = col + r * KC + k * g.C;
        if (p < 0 || p >= g.T)
          std::fill(dst, dst + g.C, 0.f);
        else
          std::memcpy(dst, x + (b * g.T + p) * g.C, static_cast<size_t>(g.C) * sizeof(float));
      }
    }
  });
}

struct Conv1dNode : Node {
  Geometry g;
  Tensor col;  // [B*To, K*C]
  const char* name() const override { return "Conv1D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dz = grad.contiguous();
    const Tensor &w = inputs[1], &b = inputs[2];
    int64_t M = g.B * g.To, KC = g.K * g.C;
    std::vector<Tensor> grads(3);
    if (inputs[0].requires_grad()) {
      Tensor wc = w.contiguous();
      Tensor dcol = Tensor::empty({M, KC});
      sgemm(Trans::No, Trans::Yes, M, KC, g.F, 1.f, dz.data(), g.F, wc.data(), g.F, 0.f, dcol.data(), KC);
      Tensor dx = Tensor::zeros(inputs[0].shape(), inputs[0].device());
      float* dxp = dx.data();
      for (int64_t r = 0; r < M; ++r) {  // col2im: overlapping windows accumulate
        int64_t bb = r / g.To, to = r % g.To;
        for (int64_t k = 0; k < g.K; ++k) {
          int64_t p = to * g.stride - g.pad_left + k * g.dilation;
          if (p < 0 || p >= g.T) continue;
          Arr(dxp + (bb * g.T + p) * g.C, g.C) += CArr(dcol.data() + r * KC + k * g.C, g.C);
        }
      }
      grads[0] = dx;
    }
    if (w.requires_grad()) {
      Tensor dw = Tensor::empty(w.shape(), w.device());
      sgemm(Trans::Yes, Trans::No, KC, g.F, M, 1.f, col.data(), KC, dz.data(), g.F, 0.f, dw.data(), g.F);
      grads[1] = dw;
    }
    if (b.defined() && b.requires_grad()) {
      Tensor db = Tensor::empty({g.F});
      kernels::column_sums(dz.data(), M, g.F, db.data());
      grads[2] = db;
    }
    return grads;
  }
};

struct MaxPoolNode : Node {
  std::vector<int64_t> argmax;  // flat input index of each output element
  const char* name() const override { return "MaxPooling1D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::zeros(inputs[0].shape(), inputs[0].device());
    for (size_t i = 0; i < argmax.size(); ++i) dx.data()[argmax[i]] += g.data()[i];
    return {dx};
  }
};

struct GapNode : Node {
  Tensor weight;  // [B, T]: 1/count for valid steps, 0 for masked ones
  const char* name() const override { return "GlobalAveragePooling1D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Shape& s = inputs[0].shape();
    int64_t B = s[0], T = s[1], C = s[2];
    Tensor dx = Tensor::empty(s);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        Arr(dx.data() + (b * T + t) * C, C) = CArr(g.data() + b * C, C) * weight.data()[b * T + t];
    return {dx};
  }
};

void check_padding(const std::string& padding, bool causal_ok, const std::string& who) {
  if (padding != "valid" && padding != "same" && !(causal_ok && padding == "causal"))
    throw std::invalid_argument(who + ": padding must be 'valid'" +
                                (causal_ok ? ", 'same' or 'causal'" : " or 'same'") + ", got '" + padding + "'");
}

}  // namespace

int64_t conv1d_output_length(int64_t T, int64_t K, int64_t stride, const std::string& padding, int64_t dilation,
                             const std::string& who) {
  check_padding(padding, true, who);
  if (K < 1 || stride < 1 || dilation < 1)
    throw std::invalid_argument(who + ": kernel size, strides and dilation must be positive");
  int64_t To = padding == "valid" ? (T - (K - 1) * dilation - 1) / stride + 1 : (T + stride - 1) / stride;
  if (padding == "valid" && T < (K - 1) * dilation + 1) To = 0;
  if (To < 1)
    throw std::invalid_argument(who + ": input of " + std::to_string(T) + " timesteps is shorter than the window (" +
                                std::to_string((K - 1) * dilation + 1) + " steps) with padding 'valid'");
  return To;
}

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, int64_t stride, const std::string& padding,
              int64_t dilation) {
  if (x.dim() != 3)
    throw std::invalid_argument("conv1d: input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  if (kernel.dim() != 3 || kernel.size(1) != x.size(2))
    throw std::invalid_argument("conv1d: kernel of shape " + kernel.shape_string() + " does not match input of shape " +
                                x.shape_string() + " (expected (kernel_size, " + std::to_string(x.size(2)) +
                                ", filters))");
  Geometry g;
  g.B = x.size(0);
  g.T = x.size(1);
  g.C = x.size(2);
  g.K = kernel.size(0);
  g.F = kernel.size(2);
  g.stride = stride;
  g.dilation = dilation;
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != g.F))
    throw std::invalid_argument("conv1d: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(g.F) + " filters");
  g.To = conv1d_output_length(g.T, g.K, stride, padding, dilation, "conv1d");
  g.pad_left = left_pad(g.T, g.To, g.K, stride, padding, dilation);
  Tensor xc = x.contiguous(), wc = kernel.contiguous();
  int64_t M = g.B * g.To, KC = g.K * g.C;
  Tensor col = Tensor::empty({M, KC});
  im2col(xc.data(), g, col.data());
  Tensor out = Tensor::empty({g.B, g.To, g.F});
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Epilogue ep;
  ep.bias = bc.defined() ? bc.data() : nullptr;
  sgemm(Trans::No, Trans::No, M, g.F, KC, 1.f, col.data(), KC, wc.data(), g.F, 0.f, out.data(), g.F, ep);
  auto node = std::make_shared<Conv1dNode>();
  node->inputs = {x, kernel, bias};
  node->g = g;
  node->col = col;
  return record(out, node);
}

Tensor max_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding) {
  if (x.dim() != 3)
    throw std::invalid_argument("max_pool1d: input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  check_padding(padding, false, "max_pool1d");
  int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  int64_t To = conv1d_output_length(T, pool, stride, padding, 1, "max_pool1d");
  int64_t pad = left_pad(T, To, pool, stride, padding, 1);
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty({B, To, C});
  auto node = std::make_shared<MaxPoolNode>();
  node->argmax.resize(B * To * C);
  const float* xp = xc.data();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t to = 0; to < To; ++to)
      for (int64_t c = 0; c < C; ++c) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t at = -1;
        for (int64_t k = 0; k < pool; ++k) {
          int64_t p = to * stride - pad + k;
          if (p < 0 || p >= T) continue;
          int64_t idx = (b * T + p) * C + c;
          if (at < 0 || xp[idx] > best) {
            best = xp[idx];
            at = idx;
          }
        }
        int64_t o = (b * To + to) * C + c;
        out.data()[o] = best;
        node->argmax[o] = at;
      }
  node->inputs = {x};
  return record(out, node);
}

Tensor global_average_pool1d(const Tensor& x, const Tensor& mask) {
  if (x.dim() != 3)
    throw std::invalid_argument("global_average_pool1d: input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != T))
    throw std::invalid_argument("global_average_pool1d: mask of shape " + mask.shape_string() +
                                " does not match input of shape " + x.shape_string());
  Tensor weight = Tensor::empty({B, T});
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  for (int64_t b = 0; b < B; ++b) {
    int64_t count = 0;
    for (int64_t t = 0; t < T; ++t) count += !mc.defined() || mc.data()[b * T + t] != 0.f;
    for (int64_t t = 0; t < T; ++t) {
      bool on = !mc.defined() || mc.data()[b * T + t] != 0.f;
      weight.data()[b * T + t] = on && count ? 1.f / static_cast<float>(count) : 0.f;
    }
  }
  Tensor xc = x.contiguous();
  Tensor out = Tensor::zeros({B, C});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      Arr(out.data() + b * C, C) += CArr(xc.data() + (b * T + t) * C, C) * weight.data()[b * T + t];
  auto node = std::make_shared<GapNode>();
  node->inputs = {x};
  node->weight = weight;
  return record(out, node);
}

}  // namespace nerve
