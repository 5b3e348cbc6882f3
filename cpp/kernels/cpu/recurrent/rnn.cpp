// SimpleRNN / LSTM / GRU over a whole sequence, forward and backpropagation through time.
//
// Everything is kept in processing order s = 0..T-1 (time t = s, or T-1-s with go_backwards) and
// time-major, so a step's rows are contiguous. Forward: per step and tile of batch rows, one
// product [x_s | h_s] [W; U] + b with [W; U] packed once (GRU: the input projections of all steps
// in one GEMM, then h_s U per step), then the cell. Backward: per step and tile the cell's
// gradient, then dh = dZ U^T with U^T packed once; after the loop one GEMM each for dx and the
// weight gradients (one for dW, dU and db together when the cell allows).
// Under mixed_bfloat16 (RnnOptions::precision) every one of those products runs on sgemm_bf16
// instead, over each thread's whole block of rows per step (sgemm_bf16 packs its operands at
// every call, so one call per step rather than one per tile); the gate math stays float32.
#include <Eigen/Core>
#include <algorithm>
#include <cstring>

#include "cpu/aligned_buffer.h"
#include "cpu/elementwise/elementwise.h"
#include "cpu/parallel.h"
#include "cpu/recurrent/gates.h"
#include "cpu/recurrent/recurrent.h"
#include "cpu/recurrent/recurrent_product.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

namespace nerve::kernels {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
using rnn_gates_detail::GateKernels;

// The gate math of the active ISA (gates.h): sigmoid and tanh, and the whole LSTM cell.
const GateKernels& gates() {
  switch (active_isa()) {
#ifdef NERVE_GEMM_HAVE_AVX512
    case Isa::Avx512:
      return *rnn_gates_detail::gates_avx512();
#endif
#ifdef NERVE_GEMM_HAVE_AVX2
    case Isa::Avx2:
      return *rnn_gates_detail::gates_avx2();
#endif
    default:
      return *rnn_gates_detail::gates_generic();
  }
}

// In place y = f(y) over n values, gates of U units each (a row activation such as softmax acts
// within each gate). Parameters at Keras's defaults, as a name gives them.
inline void act_inplace(Activation a, float* p, int64_t n, int64_t U) {
  Arr y(p, n);
  switch (a) {
    case Activation::Tanh:
      gates().tanh(p, n);
      break;
    case Activation::Sigmoid:
      gates().sigmoid(p, n);
      break;
    case Activation::Relu:
      y = y.max(0.f);
      break;
    case Activation::Linear:
      break;
    default:
      if (activation_elementwise(a))
        activation_forward(a, activation_default_alpha(a), p, p, n);
      else
        activation_rows_forward(a, p, p, n / U, U);
      break;
  }
}

// Whether the backward pass needs a gate's pre-activation: its derivative does not follow from
// its output alone (gelu, silu, softmax, ...).
bool needs_pre(Activation a) { return !activation_elementwise(a) || !activation_grad_from_output(a); }

// d *= f'(.) at the output y = f(x); x (the pre-activation) is read only when
// needs_pre_activation(a).
inline void mul_act_grad(Activation a, const float* xp, const float* yp, float* dp, int64_t n, int64_t U) {
  CArr y(yp, n);
  Arr d(dp, n);
  switch (a) {
    case Activation::Tanh:
      d *= 1.f - y * y;
      break;
    case Activation::Sigmoid:
      d *= y * (1.f - y);
      break;
    case Activation::Relu:
      d = (y > 0.f).select(d, 0.f);
      break;
    case Activation::Linear:
      break;
    default:
      if (activation_elementwise(a))
        activation_backward(a, activation_default_alpha(a), xp, yp, dp, dp, n);
      else
        activation_rows_backward(a, xp, yp, dp, dp, n / U, U);
      break;
  }
}

// Runs body(r0, r1) over [b0, b1) in balanced tiles of at most `most` rows (64 rows in 5 tiles of
// 12-13, not 4 of 14 and one of 8): a step's product and its gate math run tile by tile, so the
// gates a tile's product writes are still in L1 when the cell reads them.
template <class Body>
void for_each_row_tile(int64_t b0, int64_t b1, int64_t most, const Body& body) {
  const int64_t n = b1 - b0, tiles = (n + most - 1) / most;
  for (int64_t t = 0; t < tiles; ++t) body(b0 + n * t / tiles, b0 + n * (t + 1) / tiles);
}

bool bf16(const RnnGeometry& g) { return g.opt.precision == ComputePrecision::MixedBFloat16; }

// C = A op(B) (+ bias), M x N, sum over K: float32 (sgemm) or rounded operands (sgemm_bf16).
void product(bool bf16, Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
             const float* B, int64_t ldb, float* C, int64_t ldc, const float* bias = nullptr) {
  Epilogue ep;
  ep.bias = bias;
  if (bf16)
    sgemm_bf16(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, ep);
  else
    sgemm(ta, tb, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, ep);
}

// Fewest batch rows per thread: below this the per-step sgemm is too thin to split, and a serial
// loop lets sgemm use the threads itself.
constexpr int64_t kRowsPerThread = 16;

bool valid(const RnnGeometry& g, const RnnState& s, int64_t b, int64_t step) {
  if (!s.mask) return true;
  int64_t t = g.opt.go_backwards ? g.T - 1 - step : step;
  return s.mask[b * g.T + t] != 0.f;
}

// The h fed to the recurrent product at a step: dropped out when there is recurrent dropout.
const float* hd(const RnnGeometry& g, const RnnState& s, int64_t step) {
  return (s.HD ? s.HD : s.H) + step * g.B * g.U;
}

// dW = xs^T dZ, dU = hd^T dZ and db = the column sums of dZ, for a cell whose input and recurrent
// products share their gradient dZ (SimpleRNN, LSTM; not GRU, whose recurrent bias splits them),
// as ONE product [xs | hd | 1]^T dZ: the (rows x GU) dZ, the largest operand (3.6 MiB for
// LSTM(128) over 28 steps of 64), is packed and read once instead of three times (two packs
// and the column sums were 11% of an LSTM training step; perf, one thread). Copying the
// [x | h | 1] rows costs (F + U + 1) / GU of that.
void weight_gradients_at_once(bool bf16, int64_t rows, int64_t F, int64_t U, int64_t GU, const float* xs,
                              const float* hd, const float* dZ, float* dw, float* du, float* db) {
  const int64_t width = F + U + (db ? 1 : 0);
  AlignedBuffer xh(rows * width), grads(width * GU);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = xh.data() + r * width;
    std::memcpy(row, xs + r * F, F * sizeof(float));
    std::memcpy(row + F, hd + r * U, U * sizeof(float));
    if (db) row[F + U] = 1.f;
  }
  product(bf16, Trans::Yes, Trans::No, width, GU, rows, xh.data(), width, dZ, GU, grads.data(), GU);
  std::memcpy(dw, grads.data(), F * GU * sizeof(float));
  std::memcpy(du, grads.data() + F * GU, U * GU * sizeof(float));
  if (db) std::memcpy(db, grads.data() + (F + U) * GU, GU * sizeof(float));
}

}  // namespace

bool rnn_needs_pre_activation(Activation a) { return needs_pre(a); }

void rnn_forward(const RnnGeometry& g, const RnnState& s, const float* x, const float* bias, const float* h0,
                 const float* c0, float* out) {
  const RnnOptions& opt = g.opt;
  const RnnCell cell = opt.cell;
  const int64_t B = g.B, T = g.T, F = g.F, U = g.U, GU = g.G * g.U;
  // Time-major copy of the input in processing order (with input dropout applied).
  for (int64_t st_ = 0; st_ < T; ++st_) {
    int64_t t = opt.go_backwards ? T - 1 - st_ : st_;
    for (int64_t b = 0; b < B; ++b) {
      Arr dst(s.xs + (st_ * B + b) * F, F);
      dst = CArr(x + (b * T + t) * F, F);
      if (s.ikeep) dst *= CArr(s.ikeep + b * F, F);
    }
  }
  const float* b_in = bias;
  const float* b_rec = bias && cell == RnnCell::GRU ? bias + GU : nullptr;

  // SimpleRNN and LSTM: each step's gate pre-activations are ONE product [x_s | h_s] [W; U] + b
  // (K = F + U) on the matrix stacked and packed once. Projecting the inputs of all steps first
  // (one GEMM with K = F, 28 for MNIST rows) left the micro-kernels a depth too small to repay
  // writing their tiles, and the recurrent product then read those 3.7 MiB of gates back from
  // memory step by step. GRU adds its recurrent product (with its own bias) only partly, through
  // the reset gate: its input projections stay one GEMM over all steps.
  const bool joint = cell != RnnCell::GRU;
  const bool half = bf16(g);
  if (!joint) product(half, Trans::No, Trans::No, T * B, GU, F, s.xs, F, s.kernel, GU, s.gates, GU, b_in);

  if (h0)
    std::memcpy(s.H, h0, B * U * sizeof(float));
  else
    std::memset(s.H, 0, B * U * sizeof(float));
  if (cell == RnnCell::LSTM) {
    if (c0)
      std::memcpy(s.C, c0, B * U * sizeof(float));
    else
      std::memset(s.C, 0, B * U * sizeof(float));
  }
  AlignedBuffer rec(cell == RnnCell::GRU ? B * GU : 0);  // GRU: h U + b_rec for the current step
  const Activation act = opt.activation, ract = opt.recurrent_activation;
  // Keras's default LSTM (tanh, sigmoid): the whole cell in one vectorised pass per row.
  const GateKernels& gk = gates();
  const bool lstm_fused = cell == RnnCell::LSTM && act == Activation::Tanh && ract == Activation::Sigmoid && !s.pre;

  // One batch row's cell at processing step st_: z its gate pre-activations (input and recurrent
  // products summed; GRU: the recurrent part in rec), hp / hn the h before and after the step.
  auto step_row = [&](int64_t b, int64_t st_, float* z, const float* hp, float* hn) {
    float* zb = z + b * GU;
    Arr h(hn + b * U, U);
    if (!valid(g, s, b, st_)) {
      h = CArr(hp + b * U, U);
      if (cell == RnnCell::LSTM) Arr(s.C + ((st_ + 1) * B + b) * U, U) = CArr(s.C + (st_ * B + b) * U, U);
      if (cell == RnnCell::GRU) Arr(s.RH + (st_ * B + b) * U, U).setZero();
      std::fill(zb, zb + GU, 0.f);
      return;
    }
    float* pb = s.pre ? s.pre + (st_ * B + b) * GU : nullptr;
    // f(gates [offset, offset + n)) in place, keeping the pre-activations when needed.
    auto activate = [&](Activation a, int64_t offset, int64_t n) {
      if (pb) std::memcpy(pb + offset, zb + offset, n * sizeof(float));
      act_inplace(a, zb + offset, n, U);
    };
    switch (cell) {
      case RnnCell::SimpleRNN:
        activate(act, 0, U);
        h = CArr(zb, U);
        break;
      case RnnCell::LSTM: {
        if (lstm_fused) {
          gk.lstm_cell(zb, s.C + (st_ * B + b) * U, s.C + ((st_ + 1) * B + b) * U, h.data(), U);
          break;
        }
        activate(ract, 0, 2 * U);  // i, f
        activate(act, 2 * U, U);
        activate(ract, 3 * U, U);
        Arr c(s.C + ((st_ + 1) * B + b) * U, U);
        c = CArr(zb + U, U) * CArr(s.C + (st_ * B + b) * U, U) + CArr(zb, U) * CArr(zb + 2 * U, U);
        h = c;
        act_inplace(act, h.data(), U, U);
        h *= CArr(zb + 3 * U, U);
        break;
      }
      case RnnCell::GRU: {
        const float* rb = rec.data() + b * GU;
        Arr(zb, 2 * U) += CArr(rb, 2 * U);
        activate(ract, 0, 2 * U);  // z, r
        Arr(s.RH + (st_ * B + b) * U, U) = CArr(rb + 2 * U, U);
        Arr(zb + 2 * U, U) += CArr(zb + U, U) * CArr(rb + 2 * U, U);
        activate(act, 2 * U, U);
        CArr zg(zb, U), hh(zb + 2 * U, U);
        h = zg * CArr(hp + b * U, U) + (1.f - zg) * hh;
        break;
      }
    }
  };

  // The recurrent kernel ([W; U] when joint) packed once for all T steps (recurrent_product.h).
  const int64_t K = joint ? F + U : U;
  AlignedBuffer stacked(joint ? K * GU : 0);
  if (joint) {
    std::memcpy(stacked.data(), s.kernel, F * GU * sizeof(float));
    std::memcpy(stacked.data() + F * GU, s.recurrent, U * GU * sizeof(float));
  }
  const float* Wk = joint ? stacked.data() : s.recurrent;
  const PackedRecurrentMatrix Wr(false, half ? nullptr : Wk, GU, half ? 0 : K, GU);  // unused in bfloat16

  // As in the backward pass: each thread carries a block of batch rows through every step.
  parallel_for(B, kRowsPerThread, [&](int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    // bfloat16: one tile of all the block's rows per step (one sgemm_bf16 call).
    const int64_t tile = half ? std::max<int64_t>(nb, 1) : Wr.tile_rows();
    AlignedBuffer xh(joint ? tile * K : 0);  // a tile's [x_s | h_s] rows
    for (int64_t st_ = 0; st_ < T; ++st_) {
      float* z = s.gates + st_ * B * GU;
      const float* hp = s.H + st_ * B * U;
      float* hn = s.H + (st_ + 1) * B * U;
      if (s.HD) kernels::mul(hp + b0 * U, s.rkeep + b0 * U, s.HD + (st_ * B + b0) * U, nb * U);
      const float* hd_ = hd(g, s, st_);
      for_each_row_tile(b0, b1, tile, [&](int64_t r0, int64_t r1) {
        if (joint) {
          for (int64_t b = r0; b < r1; ++b) {
            float* row = xh.data() + (b - r0) * K;
            std::memcpy(row, s.xs + (st_ * B + b) * F, F * sizeof(float));
            std::memcpy(row + F, hd_ + b * U, U * sizeof(float));
          }
        }
        const float* a = joint ? xh.data() : hd_ + r0 * U;
        const int64_t lda = joint ? K : U;
        float* c = joint ? z + r0 * GU : rec.data() + r0 * GU;
        const float* bias_ = joint ? b_in : b_rec;
        if (half)
          product(true, Trans::No, Trans::No, r1 - r0, GU, K, a, lda, Wk, GU, c, GU, bias_);
        else
          Wr.multiply(a, lda, r1 - r0, 0.f, bias_, c, GU);
        for (int64_t b = r0; b < r1; ++b) step_row(b, st_, z, hp, hn);
      });
    }
  });

  // Pack [B, T+2, U]: per-step outputs, last h, last c.
  float* op_ = out;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t st_ = 0; st_ < T; ++st_)
      std::memcpy(op_ + (b * (T + 2) + st_) * U, s.H + ((st_ + 1) * B + b) * U, U * sizeof(float));
    std::memcpy(op_ + (b * (T + 2) + T) * U, s.H + (T * B + b) * U, U * sizeof(float));
    float* c_row = op_ + (b * (T + 2) + T + 1) * U;
    if (cell == RnnCell::LSTM)
      std::memcpy(c_row, s.C + (T * B + b) * U, U * sizeof(float));
    else
      std::fill(c_row, c_row + U, 0.f);
  }
}

void rnn_backward(const RnnGeometry& gm, const RnnState& s, const float* dout, float* dh, float* dc, float* dx,
                  float* dw, float* du, float* db) {
  const int64_t B = gm.B, T = gm.T, F = gm.F, U = gm.U, G = gm.G, GU = G * U;
  const RnnCell cell = gm.opt.cell;
  const Activation act = gm.opt.activation, ract = gm.opt.recurrent_activation;
  const float* gp = dout;  // [B, T+2, U]

  AlignedBuffer dZx_buf(T * B * GU), dZr_buf(cell == RnnCell::GRU ? T * B * GU : 0);
  AlignedBuffer direct(B * U), tmp(B * U);
  float* dZx = dZx_buf.data();
  float* dZr = cell == RnnCell::GRU ? dZr_buf.data() : dZx;
  float *dhp = dh, *dcp = dc, *dirp = direct.data(), *tmpp = tmp.data();
  std::fill(dcp, dcp + B * U, 0.f);
  std::fill(dirp, dirp + B * U, 0.f);
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(dhp + b * U, gp + (b * (T + 2) + T) * U, U * sizeof(float));
    if (cell == RnnCell::LSTM) std::memcpy(dcp + b * U, gp + (b * (T + 2) + T + 1) * U, U * sizeof(float));
  }
  // U^T, the matrix every step's dh product multiplies by, packed once (recurrent_product.h).
  const bool half = bf16(gm);
  const PackedRecurrentMatrix WrT(true, s.recurrent, GU, half ? 0 : GU, U);  // unused in bfloat16
  const GateKernels& gk = gates();
  const bool lstm_fused = cell == RnnCell::LSTM && act == Activation::Tanh && ract == Activation::Sigmoid && !s.pre;

  // Rows of the batch never interact through time, so each thread takes a block of rows through
  // all steps: one parallel region for the whole BPTT loop instead of fork/joins per step.
  parallel_for(B, kRowsPerThread, [&](int64_t b0, int64_t b1) {
    Eigen::ArrayXf dac(U), dct(U);  // LSTM scratch
    const int64_t tile = half ? std::max<int64_t>(b1 - b0, 1) : WrT.tile_rows();
    for (int64_t step = T - 1; step >= 0; --step) {
      const float* gate = s.gates + step * B * GU;
      float* dzx = dZx + step * B * GU;
      float* dzr = dZr + step * B * GU;
      const float* hprev = s.H + step * B * U;
      // A tile of rows: their gate gradients, then their dh product while those are in L1.
      for_each_row_tile(b0, b1, tile, [&](int64_t r0, int64_t r1) {
        for (int64_t b = r0; b < r1; ++b) {
          Arr dhb(dhp + b * U, U);
          dhb += CArr(gp + (b * (T + 2) + step) * U, U);
          float* zx = dzx + b * GU;
          float* zr = dzr + b * GU;
          Arr dir(dirp + b * U, U);
          if (!valid(gm, s, b, step)) {  // states were carried: gradients pass straight through
            std::fill(zx, zx + GU, 0.f);
            if (zr != zx) std::fill(zr, zr + GU, 0.f);
            dir = dhb;
            continue;
          }
          const float* gb = gate + b * GU;
          const float* pb = s.pre ? s.pre + (step * B + b) * GU : nullptr;
          auto at = [pb](int64_t offset) { return pb ? pb + offset : nullptr; };
          switch (cell) {
            case RnnCell::SimpleRNN: {
              Arr(zx, U) = dhb;
              mul_act_grad(act, at(0), gb, zx, U, U);
              dir.setZero();
              break;
            }
            case RnnCell::LSTM: {
              if (lstm_fused) {  // Keras's default cell: the pass below in one vectorised loop
                gk.lstm_cell_backward(gb, s.C + (step * B + b) * U, s.C + ((step + 1) * B + b) * U, dhb.data(),
                                      dcp + b * U, zx, U);
                dir.setZero();
                break;
              }
              CArr i(gb, U), f(gb + U, U), cg(gb + 2 * U, U), o(gb + 3 * U, U);
              CArr cprev(s.C + (step * B + b) * U, U), cnew(s.C + ((step + 1) * B + b) * U, U);
              Arr dcb(dcp + b * U, U);
              Arr ac(tmpp + b * U, U);  // act(c_t)
              ac = cnew;
              act_inplace(act, ac.data(), U, U);
              Arr(zx + 3 * U, U) = dhb * ac;  // d o
              dac = dhb * o;                  // d act(c_t)
              mul_act_grad(act, cnew.data(), ac.data(), dac.data(), U, U);
              dct = dcb + dac;               // total d c_t
              Arr(zx, U) = dct * cg;         // d i
              Arr(zx + U, U) = dct * cprev;  // d f
              Arr(zx + 2 * U, U) = dct * i;  // d g
              dcb = dct * f;                 // d c_{t-1}
              mul_act_grad(ract, at(0), gb, zx, U, U);
              mul_act_grad(ract, at(U), gb + U, zx + U, U, U);
              mul_act_grad(act, at(2 * U), gb + 2 * U, zx + 2 * U, U, U);
              mul_act_grad(ract, at(3 * U), gb + 3 * U, zx + 3 * U, U, U);
              dir.setZero();
              break;
            }
            case RnnCell::GRU: {
              CArr z(gb, U), r(gb + U, U), hh(gb + 2 * U, U);
              CArr hp(hprev + b * U, U), rh(s.RH + (step * B + b) * U, U);
              Arr dz(zx, U), dr(zx + U, U), dah(zx + 2 * U, U);
              dz = dhb * (hp - hh);
              dah = dhb * (1.f - z);
              dir = dhb * z;
              mul_act_grad(act, at(2 * U), gb + 2 * U, zx + 2 * U, U, U);  // d of the candidate pre-activation
              dr = dah * rh;
              mul_act_grad(ract, at(0), gb, zx, U, U);
              mul_act_grad(ract, at(U), gb + U, zx + U, U, U);
              Arr(zr, 2 * U) = CArr(zx, 2 * U);
              Arr(zr + 2 * U, U) = dah * r;
              break;
            }
          }
        }
        // dh_{s-1} = dZr_s U^T (times the recurrent dropout multipliers) + the direct path.
        const int64_t nr = r1 - r0;
        if (half)
          product(true, Trans::No, Trans::Yes, nr, U, GU, dzr + r0 * GU, GU, s.recurrent, GU, dhp + r0 * U, U);
        else
          WrT.multiply(dzr + r0 * GU, GU, nr, 0.f, nullptr, dhp + r0 * U, U);
        if (s.rkeep) kernels::mul(dhp + r0 * U, s.rkeep + r0 * U, dhp + r0 * U, nr * U);
        kernels::add(dhp + r0 * U, dirp + r0 * U, dhp + r0 * U, nr * U);
      });
    }
  });

  if (dx) {
    AlignedBuffer dxs(T * B * F);
    product(half, Trans::No, Trans::Yes, T * B, F, GU, dZx, GU, s.kernel, GU, dxs.data(), F);
    const float* src = dxs.data();
    float* dst = dx;
    const float* keep = s.ikeep;
    for (int64_t st_ = 0; st_ < T; ++st_) {
      int64_t t = gm.opt.go_backwards ? T - 1 - st_ : st_;
      for (int64_t b = 0; b < B; ++b) {
        Arr out(dst + (b * T + t) * F, F);
        out = CArr(src + (st_ * B + b) * F, F);
        if (keep) out *= CArr(keep + b * F, F);
      }
    }
  }
  // bfloat16: db stays a float32 sum of dZ (a column of ones would round dZ).
  if (dw && du && dZr == dZx && !half) {
    weight_gradients_at_once(false, T * B, F, U, GU, s.xs, hd(gm, s, 0), dZx, dw, du, db);
    return;
  }
  if (dw && du && dZr == dZx) {
    weight_gradients_at_once(true, T * B, F, U, GU, s.xs, hd(gm, s, 0), dZx, dw, du, nullptr);
  } else {
    if (dw) product(half, Trans::Yes, Trans::No, F, GU, T * B, s.xs, F, dZx, GU, dw, GU);
    if (du) product(half, Trans::Yes, Trans::No, U, GU, T * B, hd(gm, s, 0), U, dZr, GU, du, GU);
  }
  if (db) {
    kernels::column_sums(dZx, T * B, GU, db);
    if (cell == RnnCell::GRU) kernels::column_sums(dZr, T * B, GU, db + GU);
  }
}

}  // namespace nerve::kernels
