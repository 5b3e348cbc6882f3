// dense() and matmul(): the matrix-product ops, both on nerve::sgemm.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "ops/dispatch.h"
#include "tensor/small_block_pool.h"

namespace nerve {

namespace {

// Sigmoid stays out of the epilogue so its output can remember its logits for the loss.
bool fusable(Activation a) { return activation_grad_from_output(a) && a != Activation::Sigmoid; }

struct DenseNode : Node {
  Tensor x2d;  // [M, in]  (detached view of the input)
  Tensor y;    // [M, out] output after the fused activation (detached)
  Activation act;
  float alpha;
  ComputePrecision precision;
  const char* name() const override { return "Dense"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    const Tensor& w = inputs[1];
    const Tensor& b = inputs[2];
    int64_t M = x2d.size(0), in = x2d.size(1), out = w.size(1);
    Tensor g = grad.contiguous();
    Tensor dz = g;
    if (act != Activation::Linear) {
      dz = Tensor::empty({M, out}, g.device());
      NERVE_KERNEL(g.device(), activation, backward, activation_name(act))(act, ActivationParams(alpha), nullptr,
                                                                           y.data(), g.data(), dz.data(), M * out);
    }
    std::vector<Tensor> grads(3);
    const Device dev = g.device();
    // Under mixed_bfloat16 the gradient products round their operands too (as torch.autocast).
    auto gemm = precision == ComputePrecision::MixedBFloat16 ? NERVE_KERNEL(dev, gemm, sgemm_bf16, "dense")
                                                             : NERVE_KERNEL(dev, gemm, sgemm, "dense");
    if (inputs[0].requires_grad()) {  // dX = dZ W^T
      Tensor dx = Tensor::empty({M, in}, dev);
      gemm(Trans::No, Trans::Yes, M, in, out, 1.f, dz.data(), out, w.data(), out, 0.f, dx.data(), in, Epilogue{});
      grads[0] = dx.reshape(inputs[0].shape());
    }
    if (w.requires_grad()) {  // dW = X^T dZ
      Tensor dw = Tensor::empty({in, out}, dev);
      gemm(Trans::Yes, Trans::No, in, out, M, 1.f, x2d.data(), in, dz.data(), out, 0.f, dw.data(), out, Epilogue{});
      grads[1] = dw;
    }
    if (b.defined() && b.requires_grad()) {
      Tensor db = Tensor::empty({out}, dev);
      NERVE_KERNEL(dev, elementwise, column_sums, "dense")(dz.data(), M, out, db.data());
      grads[2] = db;
    }
    return grads;
  }
};

struct MatmulNode : Node {
  const char* name() const override { return "MatMul"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor a = inputs[0].contiguous().detach(), b = inputs[1].contiguous().detach();
    Tensor g = grad.contiguous();
    int64_t m = a.size(0), k = a.size(1), n = b.size(1);
    std::vector<Tensor> grads(2);
    auto gemm = NERVE_KERNEL(g.device(), gemm, sgemm, "matmul");
    if (inputs[0].requires_grad()) {
      grads[0] = Tensor::empty({m, k}, g.device());
      gemm(Trans::No, Trans::Yes, m, k, n, 1.f, g.data(), n, b.data(), n, 0.f, grads[0].data(), k, Epilogue{});
    }
    if (inputs[1].requires_grad()) {
      grads[1] = Tensor::empty({k, n}, g.device());
      gemm(Trans::Yes, Trans::No, k, n, m, 1.f, a.data(), k, g.data(), n, 0.f, grads[1].data(), n, Epilogue{});
    }
    return grads;
  }
};

}  // namespace

Tensor dense(const Tensor& x, const Tensor& w, const Tensor& b, Activation act, float alpha,
             ComputePrecision precision) {
  if (w.dim() != 2) throw std::invalid_argument("dense: kernel must be 2-D, got shape " + w.shape_string());
  if (x.dim() < 1 || x.size(-1) != w.size(0))
    throw std::invalid_argument("dense: input of shape " + x.shape_string() + " does not match kernel of shape " +
                                w.shape_string() + " (last input dimension must be " + std::to_string(w.size(0)) + ")");
  int64_t in = w.size(0), out = w.size(1);
  if (b.defined() && (b.dim() != 1 || b.size(0) != out))
    throw std::invalid_argument("dense: bias of shape " + b.shape_string() + " does not match " + std::to_string(out) +
                                " units");
  check_same_device("dense", x, w);
  check_same_device("dense", x, b);
  Tensor xc = x.contiguous(), wc = w.contiguous();
  Tensor bc = b.defined() ? b.contiguous() : Tensor();
  int64_t M = 1;  // rows: every axis but the last
  for (int64_t d = 0; d + 1 < x.dim(); ++d) M *= x.size(d);
  Activation fused = fusable(act) ? act : Activation::Linear;
  Shape out_shape = x.shape();
  out_shape.back() = out;
  // Inference (predict, model(x)) records nothing: the product writes straight into the result,
  // with none of the graph's views and node (a one-sample predict of a small MLP spent a tenth of
  // its time allocating and freeing them).
  const bool recording =
      grad_enabled() && (x.requires_grad() || w.requires_grad() || (b.defined() && b.requires_grad()));
  Tensor y = Tensor::empty(recording ? Shape{M, out} : out_shape, x.device());
  Epilogue ep;
  ep.bias = kernel_arg(bc);
  ep.activation = fused;
  ep.alpha = alpha;
  auto gemm = precision == ComputePrecision::MixedBFloat16 ? NERVE_KERNEL(x.device(), gemm, sgemm_bf16, "dense")
                                                           : NERVE_KERNEL(x.device(), gemm, sgemm, "dense");
  gemm(Trans::No, Trans::No, M, out, in, 1.f, xc.data(), in, wc.data(), out, 0.f, y.data(), out, ep);
  Tensor result = y;
  if (recording) {
    auto node = detail::make_pooled<DenseNode>();
    node->inputs = {x, w, b};
    node->x2d = xc.detach().reshape({M, in});
    node->y = y;
    node->act = fused;
    node->alpha = alpha;
    node->precision = precision;
    result = record(Tensor::view_of(y.storage(), 0, out_shape, {}), node);
  }
  if (fused != act && act != Activation::Linear) result = activation(result, act, alpha);
  return result;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(0))
    throw std::invalid_argument("matmul: shapes " + a.shape_string() + " and " + b.shape_string() +
                                " are not aligned (need [m, k] @ [k, n])");
  check_same_device("matmul", a, b);
  Tensor ac = a.contiguous(), bc = b.contiguous();
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = Tensor::empty({m, n}, a.device());
  NERVE_KERNEL(a.device(), gemm, sgemm, "matmul")(Trans::No, Trans::No, m, n, k, 1.f, ac.data(), k, bc.data(), n, 0.f,
                                                  out.data(), n, Epilogue{});
  auto node = detail::make_pooled<MatmulNode>();
  node->inputs = {a, b};
  return record(out, node);
}

}  // namespace nerve
