// multi_head_attention() and attention_weights(): the ops check shapes and record the node; the
// per-(batch, head) products and masked softmax are the device's attention family (the CPU's in
// cpp/kernels/cpu/attention/attention.cpp), the dropout draws its regularization keep_mask.
#include "nerve/ops/attention.h"

#include <cmath>
#include <stdexcept>

#include "nerve/autograd.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

AttentionDims check(const Tensor& q, const Tensor& k, const Tensor& v, int64_t H, const Tensor& mask) {
  const std::string op = "multi_head_attention";
  for (const Tensor* t : {&q, &k, &v})
    if (t->dim() != 3)
      throw std::invalid_argument(op + ": query, key and value must be 3-D (batch, timesteps, features), got " +
                                  q.shape_string() + ", " + k.shape_string() + ", " + v.shape_string());
  if (H < 1) throw std::invalid_argument(op + ": num_heads must be positive, got " + std::to_string(H));
  AttentionDims d;
  d.B = q.size(0);
  d.Tq = q.size(1);
  d.Tk = k.size(1);
  d.H = H;
  if (k.size(0) != d.B || v.size(0) != d.B || v.size(1) != d.Tk)
    throw std::invalid_argument(op + ": query " + q.shape_string() + ", key " + k.shape_string() + " and value " +
                                v.shape_string() + " must share the batch size, and key and value the length");
  if (q.size(2) != k.size(2) || q.size(2) % H != 0 || v.size(2) % H != 0)
    throw std::invalid_argument(op + ": query " + q.shape_string() + " and key " + k.shape_string() +
                                " need the same last axis, and it and the value's " + v.shape_string() +
                                " must be divisible by num_heads=" + std::to_string(H));
  d.dk = q.size(2) / H;
  d.dv = v.size(2) / H;
  d.scale = 1.f / std::sqrt(static_cast<float>(d.dk));
  if (mask.defined() && (mask.dim() != 3 || mask.size(0) != d.B || mask.size(1) != d.Tq || mask.size(2) != d.Tk))
    throw std::invalid_argument(op + ": attention mask must have shape (" + std::to_string(d.B) + ", " +
                                std::to_string(d.Tq) + ", " + std::to_string(d.Tk) + "), got " + mask.shape_string());
  return d;
}

struct AttentionNode : Node {
  AttentionDims d;
  Tensor P;     // [B, H, Tq, Tk] attention weights (before dropout)
  Tensor keep;  // same shape, dropout multipliers, or undefined
  Tensor mask;  // [B, Tq, Tk] (contiguous) or undefined, and the causal flag: which rows are dead
  bool causal = false;
  const char* name() const override { return "MultiHeadAttention"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dO = grad.contiguous();
    Tensor q = inputs[0].contiguous().detach(), k = inputs[1].contiguous().detach(),
           v = inputs[2].contiguous().detach();
    Tensor dq = Tensor::empty(q.shape(), q.device()), dk = Tensor::empty(k.shape(), k.device()),
           dv = Tensor::empty(v.shape(), v.device());
    NERVE_KERNEL(q.device(), attention, backward, "multi_head_attention")(
        d, q.data(), k.data(), v.data(), kernel_arg(mask), causal, P.data(), kernel_arg(keep), dO.data(), dq.data(),
        dk.data(), dv.data());
    std::vector<Tensor> grads(3);
    if (inputs[0].requires_grad()) grads[0] = dq;
    if (inputs[1].requires_grad()) grads[1] = dk;
    if (inputs[2].requires_grad()) grads[2] = dv;
    return grads;
  }
};

}  // namespace

Tensor multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t num_heads, const Tensor& mask,
                            bool causal, float dropout, uint64_t seed) {
  AttentionDims d = check(q, k, v, num_heads, mask);
  if (!(dropout >= 0.f && dropout < 1.f))
    throw std::invalid_argument("multi_head_attention: dropout must be in [0, 1), got " + std::to_string(dropout));
  check_same_device("multi_head_attention", q, k);
  check_same_device("multi_head_attention", q, v);
  check_same_device("multi_head_attention", q, mask);
  const Device dev = q.device();
  Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  const int64_t HDv = d.H * d.dv;
  Tensor P = Tensor::empty({d.B, d.H, d.Tq, d.Tk}, dev);
  Tensor keep;
  if (dropout > 0.f) {  // the same draws as dropout_keep_mask
    keep = Tensor::empty(P.shape(), dev);
    NERVE_KERNEL(dev, regularization, keep_mask, "multi_head_attention")(dropout, seed, keep.data(), keep.numel());
  }
  Tensor out = Tensor::empty({d.B, d.Tq, HDv}, dev);
  NERVE_KERNEL(dev, attention, forward, "multi_head_attention")(d, qc.data(), kc.data(), vc.data(), kernel_arg(mc),
                                                                causal, kernel_arg(keep), P.data(), out.data());
  auto node = std::make_shared<AttentionNode>();
  node->inputs = {q, k, v};
  node->d = d;
  node->P = P;
  node->keep = keep;
  node->mask = mc;
  node->causal = causal;
  return record(out, node);
}

Tensor attention_weights(const Tensor& q, const Tensor& k, int64_t num_heads, const Tensor& mask, bool causal) {
  AttentionDims d = check(q, k, k, num_heads, mask);
  check_same_device("attention_weights", q, k);
  check_same_device("attention_weights", q, mask);
  Tensor qc = q.contiguous(), kc = k.contiguous();
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  Tensor P = Tensor::empty({d.B, d.H, d.Tq, d.Tk}, q.device());
  NERVE_KERNEL(q.device(), attention, weights, "attention_weights")(d, qc.data(), kc.data(), kernel_arg(mc), causal,
                                                                    P.data());
  return P;
}

}  // namespace nerve
