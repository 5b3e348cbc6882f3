// rnn_sequence(): SimpleRNN / LSTM / GRU over a whole sequence as one autograd node. The op checks
// shapes, owns the state kept between the passes and records the node; forward and
// backpropagation through time are the device's recurrent family (the CPU's in
// cpp/kernels/cpu/recurrent/rnn.cpp).
#include <stdexcept>
#include <string>

#include "nerve/autograd.h"
#include "nerve/ops/recurrent.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

// The state of one call, as tensors on the input's device (see RnnState in kernel_table.h).
struct RnnTensors {
  Tensor xs, gates, pre, H, C, HD, RH, mask, ikeep, rkeep;
  Tensor kernel, recurrent;  // detached, contiguous
};

// The state's memory for a kernel call.
RnnState state_of(const RnnTensors& t) {
  RnnState s;
  s.kernel = kernel_arg(t.kernel);
  s.recurrent = kernel_arg(t.recurrent);
  s.mask = kernel_arg(t.mask);
  s.ikeep = kernel_arg(t.ikeep);
  s.rkeep = kernel_arg(t.rkeep);
  s.xs = kernel_arg(t.xs);
  s.gates = kernel_arg(t.gates);
  s.pre = kernel_arg(t.pre);
  s.H = kernel_arg(t.H);
  s.C = kernel_arg(t.C);
  s.HD = kernel_arg(t.HD);
  s.RH = kernel_arg(t.RH);
  return s;
}

struct RnnNode : Node {
  RnnGeometry g;
  RnnTensors t;
  const char* name() const override { return rnn_cell_name(g.opt.cell); }
  std::vector<Tensor> backward(const Tensor& grad_out) override {
    Tensor dout = grad_out.contiguous();
    const Device dev = t.xs.device();
    const int64_t B = g.B, T = g.T, F = g.F, U = g.U, GU = g.G * g.U;
    const Tensor &x_in = inputs[0], &w_in = inputs[1], &u_in = inputs[2], &b_in = inputs[3];
    Tensor dh = Tensor::empty({B, U}, dev), dc = Tensor::empty({B, U}, dev);
    std::vector<Tensor> grads(6);
    if (x_in.requires_grad()) grads[0] = Tensor::empty({B, T, F}, dev);
    if (w_in.requires_grad()) grads[1] = Tensor::empty({F, GU}, dev);
    if (u_in.requires_grad()) grads[2] = Tensor::empty({U, GU}, dev);
    if (b_in.defined() && b_in.requires_grad()) grads[3] = Tensor::empty(b_in.shape(), dev);
    NERVE_KERNEL(dev, recurrent, backward, rnn_cell_name(g.opt.cell))(g, state_of(t), dout.data(), dh.data(), dc.data(),
                                                                      kernel_arg(grads[0]), kernel_arg(grads[1]),
                                                                      kernel_arg(grads[2]), kernel_arg(grads[3]));
    if (inputs[4].defined() && inputs[4].requires_grad()) grads[4] = dh;
    if (inputs[5].defined() && inputs[5].requires_grad()) grads[5] = dc;
    return grads;
  }
};

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

  const Device dev = x.device();
  for (const Tensor* p : {&kernel, &recurrent_kernel, &bias, &h0, &c0, &mask, &input_keep, &recurrent_keep})
    check_same_device(op.c_str(), x, *p);
  const char* name = rnn_cell_name(cell);
  auto node = std::make_shared<RnnNode>();
  RnnGeometry& g = node->g;
  g.opt = opt;
  g.B = B;
  g.T = T;
  g.F = F;
  g.U = U;
  g.G = G;
  RnnTensors& s = node->t;
  s.kernel = kernel.contiguous().detach();
  s.recurrent = recurrent_kernel.contiguous().detach();
  s.mask = mask.defined() ? mask.contiguous().detach() : Tensor();
  s.ikeep = input_keep.defined() ? input_keep.contiguous().detach() : Tensor();
  s.rkeep = recurrent_keep.defined() ? recurrent_keep.contiguous().detach() : Tensor();
  s.xs = Tensor::empty({T, B, F}, dev);
  s.gates = Tensor::empty({T, B, GU}, dev);
  s.H = Tensor::empty({T + 1, B, U}, dev);
  if (cell == RnnCell::LSTM) s.C = Tensor::empty({T + 1, B, U}, dev);
  if (s.rkeep.defined()) s.HD = Tensor::empty({T, B, U}, dev);
  const auto needs_pre = NERVE_KERNEL(dev, recurrent, needs_pre_activation, name);
  if (needs_pre(opt.activation) || needs_pre(opt.recurrent_activation)) s.pre = Tensor::empty({T, B, GU}, dev);
  if (cell == RnnCell::GRU) s.RH = Tensor::empty({T, B, U}, dev);

  Tensor xc = x.contiguous();
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor h0c = h0.defined() ? h0.contiguous() : Tensor(), c0c = c0.defined() ? c0.contiguous() : Tensor();
  Tensor out = Tensor::empty({B, T + 2, U}, dev);  // written whole by the kernel
  NERVE_KERNEL(dev, recurrent, forward, name)(g, state_of(s), xc.data(), kernel_arg(bc), kernel_arg(h0c),
                                              kernel_arg(c0c), out.data());
  node->inputs = {x, kernel, recurrent_kernel, bias, h0, c0};
  if (!grad_enabled()) return out;  // inference: nothing to keep
  return record(out, node);
}

}  // namespace nerve
