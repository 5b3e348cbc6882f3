// Multi-head attention: per (batch, head) three sgemm calls forward and four backward, on strided
// head slices of the projected tensors. Parallel over (batch, head) pairs; the sgemm calls inside
// a parallel region run single-threaded.
#include "cpu/attention/attention.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/parallel.h"
#include "nerve/gemm.h"

namespace nerve::kernels {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

// True when query i of batch row b may attend to no key (a padded query step).
bool row_all_masked(const AttentionDims& d, const float* mask, bool causal, int64_t b, int64_t i) {
  const float* m = mask ? mask + (b * d.Tq + i) * d.Tk : nullptr;
  for (int64_t j = 0; j < d.Tk; ++j)
    if ((!m || m[j] != 0.f) && (!causal || j <= i)) return false;
  return true;
}

// P[b, h] = masked softmax(scale * Q_h K_h^T). A row with no allowed key attends uniformly to
// every key, as Keras's masked softmax does (it adds -1e9 to masked scores, which in float32
// swamps the scores themselves); its weights then do not depend on the scores.
void attention_probs(const AttentionDims& d, const float* q, const float* k, const float* mask, bool causal, int64_t bh,
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

}  // namespace

void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                       bool causal, const float* keep, float* P, float* out) {
  const int64_t HDv = d.H * d.dv, TT = d.Tq * d.Tk;
  parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
    Eigen::ArrayXf Pd(keep ? TT : 0);
    for (int64_t bh = p0; bh < p1; ++bh) {
      int64_t b = bh / d.H, h = bh % d.H;
      float* P_ = P + bh * TT;
      attention_probs(d, q, k, mask, causal, bh, P_);
      const float* Pu = P_;
      if (keep) {
        Pd = CArr(P_, TT) * CArr(keep + bh * TT, TT);
        Pu = Pd.data();
      }
      sgemm(Trans::No, Trans::No, d.Tq, d.dv, d.Tk, 1.f, Pu, d.Tk, v + b * d.Tk * HDv + h * d.dv, HDv, 0.f,
            out + b * d.Tq * HDv + h * d.dv, HDv);
    }
  });
}

void attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                        bool causal, const float* P, const float* keep, const float* dO, float* dq, float* dk,
                        float* dv) {
  const int64_t HDk = d.H * d.dk, HDv = d.H * d.dv, TT = d.Tq * d.Tk;
  parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
    Eigen::ArrayXf dP(TT), Pd(keep ? TT : 0);
    for (int64_t bh = p0; bh < p1; ++bh) {
      int64_t b = bh / d.H, h = bh % d.H;
      const float* P_ = P + bh * TT;
      const float* Pu = P_;  // weights actually used (after dropout)
      if (keep) {
        Pd = CArr(P_, TT) * CArr(keep + bh * TT, TT);
        Pu = Pd.data();
      }
      const float* dOh = dO + b * d.Tq * HDv + h * d.dv;
      const float* Vh = v + b * d.Tk * HDv + h * d.dv;
      const float* Qh = q + b * d.Tq * HDk + h * d.dk;
      const float* Kh = k + b * d.Tk * HDk + h * d.dk;
      sgemm(Trans::No, Trans::Yes, d.Tq, d.Tk, d.dv, 1.f, dOh, HDv, Vh, HDv, 0.f, dP.data(), d.Tk);
      sgemm(Trans::Yes, Trans::No, d.Tk, d.dv, d.Tq, 1.f, Pu, d.Tk, dOh, HDv, 0.f, dv + b * d.Tk * HDv + h * d.dv, HDv);
      if (keep) dP *= CArr(keep + bh * TT, TT);
      for (int64_t i = 0; i < d.Tq; ++i) {  // softmax backward: dS = P (dP - <dP, P>)
        Arr dr(dP.data() + i * d.Tk, d.Tk);
        if ((mask || causal) && row_all_masked(d, mask, causal, b, i)) {
          dr.setZero();  // uniform weights, independent of the scores
          continue;
        }
        CArr pr(P_ + i * d.Tk, d.Tk);
        float dot = (dr * pr).sum();
        dr = pr * (dr - dot);
      }
      sgemm(Trans::No, Trans::No, d.Tq, d.dk, d.Tk, d.scale, dP.data(), d.Tk, Kh, HDk, 0.f,
            dq + b * d.Tq * HDk + h * d.dk, HDk);
      sgemm(Trans::Yes, Trans::No, d.Tk, d.dk, d.Tq, d.scale, dP.data(), d.Tk, Qh, HDk, 0.f,
            dk + b * d.Tk * HDk + h * d.dk, HDk);
    }
  });
}

void attention_weights(const AttentionDims& d, const float* q, const float* k, const float* mask, bool causal,
                       float* P) {
  parallel_for(d.B * d.H, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t bh = p0; bh < p1; ++bh) attention_probs(d, q, k, mask, causal, bh, P + bh * d.Tq * d.Tk);
  });
}

}  // namespace nerve::kernels
