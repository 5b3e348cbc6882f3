// pool2d() and global_pool2d(): max / average pooling on NHWC images. The op checks shapes and
// records the node; the loops are the device's pooling family (the CPU's in
// cpp/kernels/cpu/pooling/pool2d.cpp). average_pool1d() and global_max_pool1d() run them on a
// sequence seen as a one-column image [B, T, 1, C] (a view: no copy, no kernels of their own).
#include "nerve/ops/pooling.h"

#include <stdexcept>

#include "nerve/autograd.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

void check_nhwc(const Tensor& x, const char* op) {
  if (x.dim() != 4)
    throw std::invalid_argument(std::string(op) + ": input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
}

// Max pooling keeps no argmax: backward finds, per output, the first window cell equal to the
// maximum, which is the cell the strict '>' scan chose (the first maximum wins, as PyTorch).
struct MaxPoolNode : Node {
  PoolGeometry g;
  Tensor x, y;  // detached input and output
  const char* name() const override { return "MaxPooling2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty({g.N, g.H, g.W, g.C}, x.device());  // the kernel writes every cell
    NERVE_KERNEL(x.device(), pooling, max_pool2d_backward, "max_pool2d")(x.data(), y.data(), dy.data(), g, dx.data());
    return {dx};
  }
};

struct AvgPoolNode : Node {
  PoolGeometry g;
  const char* name() const override { return "AveragePooling2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::zeros({g.N, g.H, g.W, g.C}, dy.device());
    NERVE_KERNEL(dy.device(), pooling, avg_pool2d_backward, "avg_pool2d")(dy.data(), g, dx.data());
    return {dx};
  }
};

struct GlobalPoolNode : Node {
  PoolKind kind;
  int64_t N, HW, C;
  Tensor x, y;  // max: the detached (contiguous) input and output, to find the tied maxima
  const char* name() const override { return kind == PoolKind::Max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    const bool max = kind == PoolKind::Max;
    Tensor dx = Tensor::empty(inputs[0].shape(), inputs[0].device());  // the kernel writes every cell
    NERVE_KERNEL(dx.device(), pooling, global_pool2d_backward, name())(
        max, max ? x.data() : nullptr, max ? y.data() : nullptr, dy.data(), N, HW, C, dx.data());
    return {dx};
  }
};

}  // namespace

Tensor pool2d(const Tensor& x, PoolKind kind, const Pool2DOptions& opt) {
  const char* op = kind == PoolKind::Max ? "max_pool2d" : "avg_pool2d";
  check_nhwc(x, op);
  PoolGeometry g{x.size(0), x.size(1), x.size(2), x.size(3), {}, {}};
  g.h = window_1d(g.H, opt.pool_h, opt.stride_h, 1, opt.padding, op, "height");
  g.w = window_1d(g.W, opt.pool_w, opt.stride_w, 1, opt.padding, op, "width");
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({g.N, g.h.out, g.w.out, g.C}, x.device());
  if (kind == PoolKind::Max) {
    NERVE_KERNEL(x.device(), pooling, max_pool2d_forward, op)(xc.data(), g, y.data());
    auto node = std::make_shared<MaxPoolNode>();
    node->inputs = {x};
    node->g = g;
    node->x = xc.detach();
    node->y = y.detach();
    return record(y, node);
  }
  NERVE_KERNEL(x.device(), pooling, avg_pool2d_forward, op)(xc.data(), g, y.data());
  auto node = std::make_shared<AvgPoolNode>();
  node->inputs = {x};
  node->g = g;
  return record(y, node);
}

Tensor global_pool2d(const Tensor& x, PoolKind kind) {
  const char* op = kind == PoolKind::Max ? "global_max_pool2d" : "global_avg_pool2d";
  check_nhwc(x, op);
  const int64_t N = x.size(0), HW = x.size(1) * x.size(2), C = x.size(3);
  if (HW == 0) throw std::invalid_argument(std::string(op) + ": empty image in input of shape " + x.shape_string());
  const bool max = kind == PoolKind::Max;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({N, C}, x.device());
  NERVE_KERNEL(x.device(), pooling, global_pool2d_forward, op)(max, xc.data(), N, HW, C, y.data());
  auto node = std::make_shared<GlobalPoolNode>();
  node->inputs = {x};
  node->kind = kind;
  node->N = N;
  node->HW = HW;
  node->C = C;
  if (max) {
    node->x = xc.detach();
    node->y = y.detach();
  }
  return record(y, node);
}

namespace {
void check_sequence_input(const Tensor& x, const char* op) {
  if (x.dim() != 3)
    throw std::invalid_argument(std::string(op) + ": input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
}
}  // namespace

Tensor average_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding) {
  const char* op = "average_pool1d";
  check_sequence_input(x, op);
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  Pool2DOptions o;
  o.pool_h = pool;
  o.stride_h = stride;
  o.pool_w = o.stride_w = 1;
  o.padding = padding_from_name(padding, op);
  // Checked here so that a window longer than the sequence is named as max_pool1d names it.
  const int64_t To = conv1d_output_length(T, pool, stride, padding, 1, op);
  return pool2d(x.reshape({B, T, 1, C}), PoolKind::Average, o).reshape({B, To, C});
}

Tensor global_max_pool1d(const Tensor& x) {
  const char* op = "global_max_pool1d";
  check_sequence_input(x, op);
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  if (T == 0) throw std::invalid_argument(std::string(op) + ": no timesteps in input of shape " + x.shape_string());
  return global_pool2d(x.reshape({B, T, 1, C}), PoolKind::Max);
}

}  // namespace nerve
