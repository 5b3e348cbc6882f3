// rnn_sequence(): SimpleRNN / LSTM / GRU over a whole sequence as one autograd node.
//
// Everything is kept in processing order s = 0..T-1 (time t = s, or T-1-s with go_backwards) and
// time-major, so a step's rows are contiguous and all steps share one GEMM for the input
// projection (forward) and one each for dW, dU and dx (backward).
#include <Eigen/Core>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cpu/elementwise/elementwise.h"
#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/gemm.h"
#include "nerve/ops/recurrent.h"

namespace nerve {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

// In place y = f(y) over n values, gates of U units each (a row activation such as softmax acts
// within each gate). Parameters at Keras's defaults, as a name gives them.
inline void act_inplace(Activation a, float* p, int64_t n, int64_t U) {
  Arr y(p, n);
  switch (a) {
    case Activation::Tanh:
      y = y.tanh();
      break;
    case Activation::Sigmoid:
      y = 1.f / (1.f + (-y).exp());
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
bool needs_pre_activation(Activation a) { return !activation_elementwise(a) || !activation_grad_from_output(a); }

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

// Fewest batch rows per thread: below this the per-step sgemm is too thin to split, and a serial
// loop lets sgemm use the threads itself.
constexpr int64_t kRowsPerThread = 16;

struct RnnState {
  RnnOptions opt;
  int64_t B = 0, T = 0, F = 0, U = 0, G = 0;
  Tensor xs;     // [T, B, F] input in processing order, dropout applied
  Tensor gates;  // [T, B, G*U] gate activations per step
  Tensor pre;    // [T, B, G*U] their pre-activations, kept only when an activation needs them
  Tensor H;      // [T+1, B, U] hidden states (H[0] = h0)
  Tensor C;      // [T+1, B, U] LSTM cell states
  Tensor HD;     // [T, B, U] dropped-out h fed to the recurrent product (only with recurrent dropout)
  Tensor RH;     // [T, B, U] GRU: recurrent part of the candidate (h U_h + b_rh)
  Tensor mask;   // [B, T] or undefined
  Tensor ikeep, rkeep;
  Tensor kernel, recurrent;  // detached, contiguous
  bool valid(int64_t b, int64_t s) const {
    if (!mask.defined()) return true;
    int64_t t = opt.go_backwards ? T - 1 - s : s;
    return mask.data()[b * T + t] != 0.f;
  }
  const float* hd(int64_t s) const { return (HD.defined() ? HD.data() : H.data()) + s * B * U; }
};

struct RnnNode : Node {
  RnnState st;
  const char* name() const override { return rnn_cell_name(st.opt.cell); }
  std::vector<Tensor> backward(const Tensor& grad) override;
};

std::vector<Tensor> RnnNode::backward(const Tensor& grad_out) {
  const RnnState& s = st;
  const int64_t B = s.B, T = s.T, F = s.F, U = s.U, G = s.G, GU = G * U;
  const RnnCell cell = s.opt.cell;
  const Activation act = s.opt.activation, ract = s.opt.recurrent_activation;
  Tensor g = grad_out.contiguous();
  const float* gp = g.data();  // [B, T+2, U]

  Tensor dZx = Tensor::empty({T, B, GU});
  Tensor dZr = cell == RnnCell::GRU ? Tensor::empty({T, B, GU}) : dZx;
  Tensor dh = Tensor::empty({B, U}), dc = Tensor::zeros({B, U}), direct = Tensor::zeros({B, U});
  Tensor tmp = Tensor::empty({B, U});
  float *dhp = dh.data(), *dcp = dc.data(), *dirp = direct.data(), *tmpp = tmp.data();
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(dhp + b * U, gp + (b * (T + 2) + T) * U, U * sizeof(float));
    if (cell == RnnCell::LSTM) std::memcpy(dcp + b * U, gp + (b * (T + 2) + T + 1) * U, U * sizeof(float));
  }
  const float* Wr = s.recurrent.data();

  // Rows of the batch never interact through time, so each thread takes a block of rows through
  // all steps: one parallel region for the whole BPTT loop instead of fork/joins per step.
  parallel_for(B, kRowsPerThread, [&](int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    Eigen::ArrayXf dac(U), dct(U);  // LSTM scratch
    for (int64_t step = T - 1; step >= 0; --step) {
      const float* gate = s.gates.data() + step * B * GU;
      float* dzx = dZx.data() + step * B * GU;
      float* dzr = dZr.data() + step * B * GU;
      const float* hprev = s.H.data() + step * B * U;
      for (int64_t b = b0; b < b1; ++b) {
        Arr dhb(dhp + b * U, U);
        dhb += CArr(gp + (b * (T + 2) + step) * U, U);
        float* zx = dzx + b * GU;
        float* zr = dzr + b * GU;
        Arr dir(dirp + b * U, U);
        if (!s.valid(b, step)) {  // states were carried: gradients pass straight through
          std::fill(zx, zx + GU, 0.f);
          if (zr != zx) std::fill(zr, zr + GU, 0.f);
          dir = dhb;
          continue;
        }
        const float* gb = gate + b * GU;
        const float* pb = s.pre.defined() ? s.pre.data() + (step * B + b) * GU : nullptr;
        auto at = [pb](int64_t offset) { return pb ? pb + offset : nullptr; };
        switch (cell) {
          case RnnCell::SimpleRNN: {
            Arr(zx, U) = dhb;
            mul_act_grad(act, at(0), gb, zx, U, U);
            dir.setZero();
            break;
          }
          case RnnCell::LSTM: {
            CArr i(gb, U), f(gb + U, U), cg(gb + 2 * U, U), o(gb + 3 * U, U);
            CArr cprev(s.C.data() + (step * B + b) * U, U), cnew(s.C.data() + ((step + 1) * B + b) * U, U);
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
            CArr hp(hprev + b * U, U), rh(s.RH.data() + (step * B + b) * U, U);
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
      sgemm(Trans::No, Trans::Yes, nb, U, GU, 1.f, dzr + b0 * GU, GU, Wr, GU, 0.f, dhp + b0 * U, U);
      if (s.rkeep.defined()) kernels::mul(dhp + b0 * U, s.rkeep.data() + b0 * U, dhp + b0 * U, nb * U);
      kernels::add(dhp + b0 * U, dirp + b0 * U, dhp + b0 * U, nb * U);
    }
  });

  const Tensor &x_in = inputs[0], &w_in = inputs[1], &u_in = inputs[2], &b_in = inputs[3];
  std::vector<Tensor> grads(6);
  if (x_in.requires_grad()) {
    Tensor dxs = Tensor::empty({T, B, F});
    sgemm(Trans::No, Trans::Yes, T * B, F, GU, 1.f, dZx.data(), GU, s.kernel.data(), GU, 0.f, dxs.data(), F);
    Tensor dx = Tensor::empty({B, T, F});
    const float* src = dxs.data();
    float* dst = dx.data();
    const float* keep = s.ikeep.defined() ? s.ikeep.data() : nullptr;
    for (int64_t st_ = 0; st_ < T; ++st_) {
      int64_t t = s.opt.go_backwards ? T - 1 - st_ : st_;
      for (int64_t b = 0; b < B; ++b) {
        Arr out(dst + (b * T + t) * F, F);
        out = CArr(src + (st_ * B + b) * F, F);
        if (keep) out *= CArr(keep + b * F, F);
      }
    }
    grads[0] = dx;
  }
  if (w_in.requires_grad()) {
    Tensor dw = Tensor::empty({F, GU});
    sgemm(Trans::Yes, Trans::No, F, GU, T * B, 1.f, s.xs.data(), F, dZx.data(), GU, 0.f, dw.data(), GU);
    grads[1] = dw;
  }
  if (u_in.requires_grad()) {
    Tensor du = Tensor::empty({U, GU});
    sgemm(Trans::Yes, Trans::No, U, GU, T * B, 1.f, s.hd(0), U, dZr.data(), GU, 0.f, du.data(), GU);
    grads[2] = du;
  }
  if (b_in.defined() && b_in.requires_grad()) {
    Tensor db = Tensor::empty(b_in.shape(), b_in.device());
    kernels::column_sums(dZx.data(), T * B, GU, db.data());
    if (cell == RnnCell::GRU) kernels::column_sums(dZr.data(), T * B, GU, db.data() + GU);
    grads[3] = db;
  }
  if (inputs[4].defined() && inputs[4].requires_grad()) grads[4] = dh;
  if (inputs[5].defined() && inputs[5].requires_grad()) grads[5] = dc;
  return grads;
}

void check_state(const char* what, const Tensor& t, int64_t B, int64_t U, const std::string& op) {
  if (t.defined() && (t.dim() != 2 || t.size(0) != B || t.size(1) != U))
    throw std::invalid_argument(op + ": " + what + " must have shape (" + std::to_string(B) + ", " + std::to_string(U) +
                                "), got " + t.shape_string());
}

}  // namespace

const char* rnn_cell_name(RnnCell cell) {
  switch (cell) {
    case RnnCell::SimpleRNN:
      return "SimpleRNN";
    case RnnCell::LSTM:
      return "LSTM";
    case RnnCell::GRU:
      return "GRU";
  }
  return "?";
}

bool rnn_cell_activation_ok(Activation a) {
  // glu would halve a gate; relu with arguments and threshold cannot be named.
  return a != Activation::Glu && a != Activation::ReluGeneral && a != Activation::Threshold &&
         a != Activation::GeluApproximate;
}

std::string rnn_cell_activation_rule() {
  std::string ok;
  for (int i = 0; i <= static_cast<int>(Activation::Threshold); ++i) {
    const auto a = static_cast<Activation>(i);
    if (rnn_cell_activation_ok(a)) ok += (ok.empty() ? "" : ", ") + std::string(activation_name(a));
  }
  return "is not supported in a recurrent cell: glu halves each gate's units (supported: " + ok + ")";
}

int64_t rnn_gate_count(RnnCell cell) { return cell == RnnCell::LSTM ? 4 : cell == RnnCell::GRU ? 3 : 1; }

Tensor rnn_sequence(const RnnOptions& opt, const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel,
                    const Tensor& bias, const Tensor& h0, const Tensor& c0, const Tensor& mask,
                    const Tensor& input_keep, const Tensor& recurrent_keep) {
  const RnnCell cell = opt.cell;
  const std::string op = std::string("rnn_sequence (") + rnn_cell_name(cell) + ")";
  if (x.dim() != 3)
    throw std::invalid_argument(op + ": input must be 3-D (batch, timesteps, features), got shape " + x.shape_string());
  const int64_t B = x.size(0), T = x.size(1), F = x.size(2), G = rnn_gate_count(cell);
  if (recurrent_kernel.dim() != 2 || recurrent_kernel.size(1) != G * recurrent_kernel.size(0))
    throw std::invalid_argument(op + ": recurrent kernel must have shape (units, " + std::to_string(G) +
                                " * units), got " + recurrent_kernel.shape_string());
  const int64_t U = recurrent_kernel.size(0), GU = G * U;
  if (kernel.dim() != 2 || kernel.size(0) != F || kernel.size(1) != GU)
    throw std::invalid_argument(op + ": kernel of shape " + kernel.shape_string() + " does not match input of shape " +
                                x.shape_string() + " (expected (" + std::to_string(F) + ", " + std::to_string(GU) +
                                "))");
  Shape bias_shape = cell == RnnCell::GRU ? Shape{2, GU} : Shape{GU};
  if (bias.defined() && bias.shape() != bias_shape)
    throw std::invalid_argument(op + ": bias must have shape " + shape_str(bias_shape) + ", got " +
                                bias.shape_string());
  if (T == 0) throw std::invalid_argument(op + ": the input has no timesteps (shape " + x.shape_string() + ")");
  check_state("initial h", h0, B, U, op);
  check_state("initial c", c0, B, U, op);
  if (c0.defined() && cell != RnnCell::LSTM) throw std::invalid_argument(op + ": only LSTM has a cell state");
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != T))
    throw std::invalid_argument(op + ": mask must have shape (" + std::to_string(B) + ", " + std::to_string(T) +
                                ") for input of shape " + x.shape_string() + ", got " + mask.shape_string());
  check_state("input dropout multipliers", input_keep.defined() ? input_keep : Tensor(), B, F, op);
  check_state("recurrent dropout multipliers", recurrent_keep, B, U, op);
  for (Activation a : {opt.activation, opt.recurrent_activation})
    if (!rnn_cell_activation_ok(a))
      throw std::invalid_argument(op + ": activation '" + activation_name(a) + "' " + rnn_cell_activation_rule());

  auto node = std::make_shared<RnnNode>();
  RnnState& s = node->st;
  s.opt = opt;
  s.B = B;
  s.T = T;
  s.F = F;
  s.U = U;
  s.G = G;
  s.kernel = kernel.contiguous().detach();
  s.recurrent = recurrent_kernel.contiguous().detach();
  s.mask = mask.defined() ? mask.contiguous().detach() : Tensor();
  s.ikeep = input_keep.defined() ? input_keep.contiguous().detach() : Tensor();
  s.rkeep = recurrent_keep.defined() ? recurrent_keep.contiguous().detach() : Tensor();

  // Time-major copy of the input in processing order (with input dropout applied).
  Tensor xc = x.contiguous();
  s.xs = Tensor::empty({T, B, F});
  for (int64_t st_ = 0; st_ < T; ++st_) {
    int64_t t = opt.go_backwards ? T - 1 - st_ : st_;
    for (int64_t b = 0; b < B; ++b) {
      Arr dst(s.xs.data() + (st_ * B + b) * F, F);
      dst = CArr(xc.data() + (b * T + t) * F, F);
      if (s.ikeep.defined()) dst *= CArr(s.ikeep.data() + b * F, F);
    }
  }
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  const float* b_in = bc.defined() ? bc.data() : nullptr;
  const float* b_rec = bc.defined() && cell == RnnCell::GRU ? bc.data() + GU : nullptr;

  // All input projections at once: gates[s] = xs[s] W + b.
  s.gates = Tensor::empty({T, B, GU});
  Epilogue ep;
  ep.bias = b_in;
  sgemm(Trans::No, Trans::No, T * B, GU, F, 1.f, s.xs.data(), F, s.kernel.data(), GU, 0.f, s.gates.data(), GU, ep);

  s.H = Tensor::empty({T + 1, B, U});
  if (h0.defined())
    std::memcpy(s.H.data(), h0.contiguous().data(), B * U * sizeof(float));
  else
    std::memset(s.H.data(), 0, B * U * sizeof(float));
  if (cell == RnnCell::LSTM) {
    s.C = Tensor::empty({T + 1, B, U});
    if (c0.defined())
      std::memcpy(s.C.data(), c0.contiguous().data(), B * U * sizeof(float));
    else
      std::memset(s.C.data(), 0, B * U * sizeof(float));
  }
  if (s.rkeep.defined()) s.HD = Tensor::empty({T, B, U});
  if (needs_pre_activation(opt.activation) || needs_pre_activation(opt.recurrent_activation))
    s.pre = Tensor::empty({T, B, GU});
  Tensor rec;  // GRU: h U + b_rec for the current step
  if (cell == RnnCell::GRU) {
    rec = Tensor::empty({B, GU});
    s.RH = Tensor::empty({T, B, U});
  }
  const Activation act = opt.activation, ract = opt.recurrent_activation;
  const float* Wr = s.recurrent.data();

  // As in the backward pass: each thread carries a block of batch rows through every step.
  parallel_for(B, kRowsPerThread, [&](int64_t b0, int64_t b1) {
    const int64_t nb = b1 - b0;
    for (int64_t st_ = 0; st_ < T; ++st_) {
      float* z = s.gates.data() + st_ * B * GU;
      const float* hp = s.H.data() + st_ * B * U;
      float* hn = s.H.data() + (st_ + 1) * B * U;
      if (s.HD.defined()) kernels::mul(hp + b0 * U, s.rkeep.data() + b0 * U, s.HD.data() + (st_ * B + b0) * U, nb * U);
      const float* hd = s.hd(st_) + b0 * U;
      if (cell == RnnCell::GRU) {
        Epilogue rep;
        rep.bias = b_rec;
        sgemm(Trans::No, Trans::No, nb, GU, U, 1.f, hd, U, Wr, GU, 0.f, rec.data() + b0 * GU, GU, rep);
      } else {
        sgemm(Trans::No, Trans::No, nb, GU, U, 1.f, hd, U, Wr, GU, 1.f, z + b0 * GU, GU);
      }
      for (int64_t b = b0; b < b1; ++b) {
        float* zb = z + b * GU;
        Arr h(hn + b * U, U);
        if (!s.valid(b, st_)) {
          h = CArr(hp + b * U, U);
          if (cell == RnnCell::LSTM)
            Arr(s.C.data() + ((st_ + 1) * B + b) * U, U) = CArr(s.C.data() + (st_ * B + b) * U, U);
          if (cell == RnnCell::GRU) Arr(s.RH.data() + (st_ * B + b) * U, U).setZero();
          std::fill(zb, zb + GU, 0.f);
          continue;
        }
        float* pb = s.pre.defined() ? s.pre.data() + (st_ * B + b) * GU : nullptr;
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
            activate(ract, 0, 2 * U);  // i, f
            activate(act, 2 * U, U);
            activate(ract, 3 * U, U);
            Arr c(s.C.data() + ((st_ + 1) * B + b) * U, U);
            c = CArr(zb + U, U) * CArr(s.C.data() + (st_ * B + b) * U, U) + CArr(zb, U) * CArr(zb + 2 * U, U);
            h = c;
            act_inplace(act, h.data(), U, U);
            h *= CArr(zb + 3 * U, U);
            break;
          }
          case RnnCell::GRU: {
            const float* rb = rec.data() + b * GU;
            Arr(zb, 2 * U) += CArr(rb, 2 * U);
            activate(ract, 0, 2 * U);  // z, r
            Arr(s.RH.data() + (st_ * B + b) * U, U) = CArr(rb + 2 * U, U);
            Arr(zb + 2 * U, U) += CArr(zb + U, U) * CArr(rb + 2 * U, U);
            activate(act, 2 * U, U);
            CArr zg(zb, U), hh(zb + 2 * U, U);
            h = zg * CArr(hp + b * U, U) + (1.f - zg) * hh;
            break;
          }
        }
      }
    }
  });

  // Pack [B, T+2, U]: per-step outputs, last h, last c.
  Tensor out = Tensor::zeros({B, T + 2, U});
  float* op_ = out.data();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t st_ = 0; st_ < T; ++st_)
      std::memcpy(op_ + (b * (T + 2) + st_) * U, s.H.data() + ((st_ + 1) * B + b) * U, U * sizeof(float));
    std::memcpy(op_ + (b * (T + 2) + T) * U, s.H.data() + (T * B + b) * U, U * sizeof(float));
    if (cell == RnnCell::LSTM)
      std::memcpy(op_ + (b * (T + 2) + T + 1) * U, s.C.data() + (T * B + b) * U, U * sizeof(float));
  }
  node->inputs = {x, kernel, recurrent_kernel, bias, h0, c0};
  if (!grad_enabled()) return out;  // inference: nothing to keep
  return record(out, node);
}

}  // namespace nerve
