// pool2d() and global_pool2d(): max / average pooling on NHWC images. The op checks shapes and
// records the node; the loops are the device's pooling family (the CPU's in
// cpp/kernels/cpu/pooling/pool2d.cpp). max_pool1d(), average_pool1d() and global_max_pool1d()
// run them on a sequence seen as a one-column image [B, T, 1, C] (a view: no copy, no kernels of
// their own; the 2-D kernels vectorise over channels).
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
  const char* op;     // max_pool2d, or max_pool1d on a one-column image
  const char* layer;  // MaxPooling2D or MaxPooling1D
  Tensor x, y;        // detached input and output
  const char* name() const override { return layer; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty({g.N, g.H, g.W, g.C}, x.device());  // the kernel writes every cell
    NERVE_KERNEL(x.device(), pooling, max_pool2d_backward, op)(x.data(), y.data(), dy.data(), g, dx.data());
    return {dx};
  }
};

struct AvgPoolNode : Node {
  PoolGeometry g;
  const char* op;     // avg_pool2d, or average_pool1d on a one-column image
  const char* layer;  // AveragePooling2D or AveragePooling1D
  const char* name() const override { return layer; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::zeros({g.N, g.H, g.W, g.C}, dy.device());
    NERVE_KERNEL(dy.device(), pooling, avg_pool2d_backward, op)(dy.data(), g, dx.data());
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

// pool2d's work, the kernels named `op` and the node `layer` (the 1-D ops call it on a one-column
// image).
Tensor window_pool(const Tensor& x, PoolKind kind, const Pool2DOptions& opt, const char* op, const char* layer) {
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
    node->op = op;
    node->layer = layer;
    node->x = xc.detach();
    node->y = y.detach();
    return record(y, node);
  }
  NERVE_KERNEL(x.device(), pooling, avg_pool2d_forward, op)(xc.data(), g, y.data());
  auto node = std::make_shared<AvgPoolNode>();
  node->inputs = {x};
  node->g = g;
  node->op = op;
  node->layer = layer;
  return record(y, node);
}

// A window pooling over time: the 2-D kernels on [B, T, 1, C] (a view), windows 1 wide.
Tensor pool1d(const Tensor& x, PoolKind kind, int64_t pool, int64_t stride, const std::string& padding, const char* op,
              const char* layer) {
  if (x.dim() != 3)
    throw std::invalid_argument(std::string(op) + ": input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  Pool2DOptions o;
  o.pool_h = pool;
  o.stride_h = stride;
  o.pool_w = o.stride_w = 1;
  o.padding = padding_from_name(padding, op);
  // Checked here so that a window longer than the sequence is named in steps, as Conv1D does.
  const int64_t To = conv1d_output_length(T, pool, stride, padding, 1, op);
  return window_pool(x.reshape({B, T, 1, C}), kind, o, op, layer).reshape({B, To, C});
}

}  // namespace

Tensor pool2d(const Tensor& x, PoolKind kind, const Pool2DOptions& opt) {
  const char* op = kind == PoolKind::Max ? "max_pool2d" : "avg_pool2d";
  check_nhwc(x, op);
  return window_pool(x, kind, opt, op, kind == PoolKind::Max ? "MaxPooling2D" : "AveragePooling2D");
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

Tensor max_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding) {
  return pool1d(x, PoolKind::Max, pool, stride, padding, "max_pool1d", "MaxPooling1D");
}

Tensor average_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding) {
  return pool1d(x, PoolKind::Average, pool, stride, padding, "average_pool1d", "AveragePooling1D");
}

Tensor global_max_pool1d(const Tensor& x) {
  const char* op = "global_max_pool1d";
  if (x.dim() != 3)
    throw std::invalid_argument(std::string(op) + ": input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  if (T == 0) throw std::invalid_argument(std::string(op) + ": no timesteps in input of shape " + x.shape_string());
  return global_pool2d(x.reshape({B, T, 1, C}), PoolKind::Max);
}

}  // namespace nerve
