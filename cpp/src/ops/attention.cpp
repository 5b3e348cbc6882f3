// multi_head_attention(): per (batch, head) three sgemm calls forward and four backward, on
// strided head slices of the projected tensors. Parallel over (batch, head) pairs; the sgemm
// calls inside a parallel region run single-threaded.
#include "nerve/ops/attention.h"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/gemm.h"
#include "nerve/random.h"

namespace nerve {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

struct Dims {
  int64_t B, Tq, Tk, H, dk, dv;
  float scale;
};

Dims check(const Tensor& q, const Tensor& k, const Tensor& v, int64_t H, const Tensor& mask) {
  const std::string op = "multi_head_attention";
  for (const Tensor* t : {&q, &k, &v})
    if (t->dim() != 3)
      throw std::invalid_argument(op + ": query, key and value must be 3-D (batch, timesteps, features), got " +
                                  q.shape_string() + ", " + k.shape_string() + ", " + v.shape_string());
  if (H < 1) throw std::invalid_argument(op + ": num_heads must be positive, got " + std::to_string(H));
  Dims d;
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

// True when query i of batch row b may attend to no key (a padded query step).
bool row_all_masked(const Dims& d, const float* mask, bool causal, int64_t b, int64_t i) {
  const float* m = mask ? mask + (b * d.Tq + i) * d.Tk : nullptr;
  for (int64_t j = 0; j < d.Tk; ++j)
    if ((!m || m[j] != 0.f) && (!causal || j <= i)) return false;
  return true;
}

// P[b, h] = masked softmax(scale * Q_h K_h^T). A row with no allowed key attends uniformly to
// every key, as Keras's masked softmax does (it adds -1e9 to masked scores, which in float32
// swamps the scores themselves); its weights then do not depend on the scores.
void attention_probs(const Dims& d, const float* q, const float* k, const float* mask, bool causal, int64_t bh,
                     float* P) {
  int64_t b = bh / d.H, h = bh % d.H, HDk = d.H * d.dk;
  const float* Qh = q + b * d.Tq * HDk + h * d.dk;
  const float* Kh = k + b * d.Tk * HDk + h * d.dk;
  sgemm(Trans::No, Trans::Yes, d.Tq, d.Tk, d.dk, d.scale, Qh, HDk, Kh, HDk, 0.f, P, d.Tk);
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < d.Tq; ++i) {
    float* row = P + i * d.Tk;
    const float* m = mask ? mask + (b * d.Tq + i) * d.Tk : nullptr;
    float mx = ninf;
    for (int64_t j = 0; j < d.Tk; ++j) {
      bool allowed = (!m || m[j] != 0.f) && (!causal || j <= i);
      if (!allowed) row[j] = ninf;
      mx = std::max(mx, row[j]);
    }
    Arr r(row, d.Tk);
    if (mx == ninf) {  // nothing to attend to
      r.setConstant(1.f / static_cast<float>(d.Tk));
      continue;
    }
    r = (r - mx).exp();
    for (int64_t j = 0; j < d.Tk; ++j)  // exactly 0 for masked keys (vectorised exp(-inf) may not be)
      if ((m && m[j] == 0.f) || (causal && j > i)) row[j] = 0.f;
    r /= r.sum();
  }
}

struct AttentionNode : Node {
  Dims d;
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
    const int64_t HDk = d.H * d.dk, HDv = d.H * d.dv, TT = d.Tq * d.Tk;
    parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
      Eigen::ArrayXf dP(TT), Pd(keep.defined() ? TT : 0);
      for (int64_t bh = p0; bh < p1; ++bh) {
        int64_t b = bh / d.H, h = bh % d.H;
        const float* P_ = P.data() + bh * TT;
        const float* Pu = P_;  // weights actually used (after dropout)
        if (keep.defined()) {
          Pd = CArr(P_, TT) * CArr(keep.data() + bh * TT, TT);
          Pu = Pd.data();
        }
        const float* dOh = dO.data() + b * d.Tq * HDv + h * d.dv;
        const float* Vh = v.data() + b * d.Tk * HDv + h * d.dv;
        const float* Qh = q.data() + b * d.Tq * HDk + h * d.dk;
        const float* Kh = k.data() + b * d.Tk * HDk + h * d.dk;
        sgemm(Trans::No, Trans::Yes, d.Tq, d.Tk, d.dv, 1.f, dOh, HDv, Vh, HDv, 0.f, dP.data(), d.Tk);
        sgemm(Trans::Yes, Trans::No, d.Tk, d.dv, d.Tq, 1.f, Pu, d.Tk, dOh, HDv, 0.f,
              dv.data() + b * d.Tk * HDv + h * d.dv, HDv);
        if (keep.defined()) dP *= CArr(keep.data() + bh * TT, TT);
        for (int64_t i = 0; i < d.Tq; ++i) {  // softmax backward: dS = P (dP - <dP, P>)
          Arr dr(dP.data() + i * d.Tk, d.Tk);
          if ((mask.defined() || causal) && row_all_masked(d, mask.defined() ? mask.data() : nullptr, causal, b, i)) {
            dr.setZero();  // uniform weights, independent of the scores
            continue;
          }
          CArr pr(P_ + i * d.Tk, d.Tk);
          float dot = (dr * pr).sum();
          dr = pr * (dr - dot);
        }
        sgemm(Trans::No, Trans::No, d.Tq, d.dk, d.Tk, d.scale, dP.data(), d.Tk, Kh, HDk, 0.f,
              dq.data() + b * d.Tq * HDk + h * d.dk, HDk);
        sgemm(Trans::Yes, Trans::No, d.Tk, d.dk, d.Tq, d.scale, dP.data(), d.Tk, Qh, HDk, 0.f,
              dk.data() + b * d.Tk * HDk + h * d.dk, HDk);
      }
    });
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
  Dims d = check(q, k, v, num_heads, mask);
  if (!(dropout >= 0.f && dropout < 1.f))
    throw std::invalid_argument("multi_head_attention: dropout must be in [0, 1), got " + std::to_string(dropout));
  Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  const int64_t HDv = d.H * d.dv, TT = d.Tq * d.Tk;
  Tensor P = Tensor::empty({d.B, d.H, d.Tq, d.Tk});
  Tensor keep;
  if (dropout > 0.f) {
    keep = Tensor::empty(P.shape(), P.device());
    Rng rng(seed);
    float s = 1.f / (1.f - dropout);
    for (int64_t i = 0, n = keep.numel(); i < n; ++i) keep.data()[i] = rng.uniform() < dropout ? 0.f : s;
  }
  Tensor out = Tensor::empty({d.B, d.Tq, HDv});
  parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
    Eigen::ArrayXf Pd(keep.defined() ? TT : 0);
    for (int64_t bh = p0; bh < p1; ++bh) {
      int64_t b = bh / d.H, h = bh % d.H;
      float* P_ = P.data() + bh * TT;
      attention_probs(d, qc.data(), kc.data(), mc.defined() ? mc.data() : nullptr, causal, bh, P_);
      const float* Pu = P_;
      if (keep.defined()) {
        Pd = CArr(P_, TT) * CArr(keep.data() + bh * TT, TT);
        Pu = Pd.data();
      }
      sgemm(Trans::No, Trans::No, d.Tq, d.dv, d.Tk, 1.f, Pu, d.Tk, vc.data() + b * d.Tk * HDv + h * d.dv, HDv, 0.f,
            out.data() + b * d.Tq * HDv + h * d.dv, HDv);
    }
  });
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
  Dims d = check(q, k, k, num_heads, mask);
  Tensor qc = q.contiguous(), kc = k.contiguous();
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  Tensor P = Tensor::empty({d.B, d.H, d.Tq, d.Tk});
  parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t bh = p0; bh < p1; ++bh)
      attention_probs(d, qc.data(), kc.data(), mc.defined() ? mc.data() : nullptr, causal, bh,
                      P.data() + bh * d.Tq * d.Tk);
  });
  return P;
}

}  // namespace nerve
