// batch_norm(): normalisation per channel (the last axis) over every other axis. The statistics,
// the moving averages and the gradients are the device's normalization family (the CPU's, with
// its thread-blocked fixed-order reductions, in cpp/kernels/cpu/normalization/batch_norm.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/normalization.h"
#include "nerve/replica_sum.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct BatchNormNode : Node {
  Tensor x;              // detached input
  Tensor mean, inv_std;  // [C]
  Tensor gamma;          // detached, or undefined without scale
  bool batch_stats;      // training: the statistics depend on x
  ReplicaSum* replicas;  // synchronized over the training step's replicas, or null
  const char* name() const override { return "BatchNormalization"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    const int64_t C = mean.numel();
    const int64_t rows = C ? x.numel() / C : 0;
    const Device dev = x.device();
    std::vector<Tensor> grads(inputs.size());
    if (inputs[0].requires_grad()) grads[0] = Tensor::empty(x.shape(), dev);
    if (inputs[1].defined() && inputs[1].requires_grad()) grads[1] = Tensor::empty({C}, dev);
    if (inputs[2].defined() && inputs[2].requires_grad()) grads[2] = Tensor::empty({C}, dev);
    NERVE_KERNEL(dev, normalization, batch_norm_backward, "batch_norm")(
        x.data(), dy.data(), rows, C, mean.data(), inv_std.data(), gamma.defined() ? gamma.data() : nullptr,
        batch_stats, grads[0].defined() ? grads[0].data() : nullptr, grads[1].defined() ? grads[1].data() : nullptr,
        grads[2].defined() ? grads[2].data() : nullptr, replicas);
    return grads;
  }
};

void check_channel_vector(const Tensor& t, int64_t C, const char* what, const Tensor& x) {
  if (t.defined() && (t.dim() != 1 || t.size(0) != C))
    throw std::invalid_argument(std::string("batch_norm: ") + what + " of shape " + t.shape_string() +
                                " does not match the " + std::to_string(C) + " channels of input " + x.shape_string());
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& moving_mean,
                  const Tensor& moving_variance, bool training, float momentum, float epsilon, bool synchronized) {
  if (x.dim() < 2)
    throw std::invalid_argument("batch_norm: input needs a batch axis and a channel axis, got shape " +
                                x.shape_string());
  const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
  check_channel_vector(gamma, C, "gamma", x);
  check_channel_vector(beta, C, "beta", x);
  if (!moving_mean.defined() || !moving_variance.defined())
    throw std::invalid_argument("batch_norm: the moving mean and variance are required");
  check_channel_vector(moving_mean, C, "moving_mean", x);
  check_channel_vector(moving_variance, C, "moving_variance", x);
  if (!(epsilon > 0.f)) throw std::invalid_argument("batch_norm: epsilon must be positive");
  if (training && rows == 0)
    throw std::invalid_argument("batch_norm: cannot compute batch statistics of an empty batch " + x.shape_string());

  for (const Tensor* t : {&gamma, &beta, &moving_mean, &moving_variance}) check_same_device("batch_norm", x, *t);
  Tensor xc = x.contiguous().detach();
  const Device dev = x.device();
  Tensor gc = gamma.defined() ? gamma.contiguous().detach() : Tensor();
  Tensor bc = beta.defined() ? beta.contiguous() : Tensor();
  Tensor mean = Tensor::empty({C}, dev), inv_std = Tensor::empty({C}, dev);
  Tensor y = Tensor::empty(x.shape(), dev);
  // Backward runs inside the same training step, while these replicas are current.
  ReplicaSum* replicas = training && synchronized ? current_replica_sum() : nullptr;
  NERVE_KERNEL(dev, normalization, batch_norm_forward, "batch_norm")(
      xc.data(), rows, C, training, momentum, epsilon, gc.defined() ? gc.data() : nullptr,
      bc.defined() ? bc.data() : nullptr, moving_mean.data(), moving_variance.data(), y.data(), mean.data(),
      inv_std.data(), replicas);

  auto node = std::make_shared<BatchNormNode>();
  node->inputs = {x, gamma, beta};
  node->x = xc;
  node->mean = mean;
  node->inv_std = inv_std;
  node->gamma = gc;
  node->batch_stats = training;
  node->replicas = replicas;
  return record(y, node);
}

}  // namespace nerve
