// Recurrent ops: a whole sequence through a SimpleRNN / LSTM / GRU cell as ONE autograd node.
// Forward: per step one product [x_s | h_s] [W; U] + b (GRU: the input projection of every
// timestep in one sgemm, then h_s U per step) and one fused pass over the gates and the cell
// update, the weights packed once per sequence. Backward: backprop through time in C++ (per step
// one fused gate-gradient pass and one product with U^T), then the weight gradients of all
// steps at once.
#pragma once
#include <string>

#include "nerve/activation.h"
#include "nerve/precision.h"
#include "nerve/tensor.h"

namespace nerve {

enum class RnnCell : unsigned char { SimpleRNN, LSTM, GRU };
const char* rnn_cell_name(RnnCell cell);
// Gates per unit: 1 (SimpleRNN), 4 (LSTM, Keras order i, f, c, o), 3 (GRU, Keras order z, r, h).
int64_t rnn_gate_count(RnnCell cell);
// Whether a cell can use an activation (element-wise, with a derivative from its output), and
// the rule with the supported names for error messages.
bool rnn_cell_activation_ok(Activation a);
std::string rnn_cell_activation_rule();

struct RnnOptions {
  RnnCell cell = RnnCell::LSTM;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;  // LSTM/GRU gates
  bool go_backwards = false;
  // MixedBFloat16: every matrix product (x W, h U and, backward, dx, dh, dW, dU) rounds both
  // operands to bfloat16 and sums in float32 (sgemm_bf16), as torch.autocast runs its RNN GEMMs;
  // the bias, the gate math, the cell state and db stay float32.
  ComputePrecision precision = ComputePrecision::Float32;
};

// x                [B, T, F]
// kernel           [F, G*U]
// recurrent_kernel [U, G*U]
// bias             [G*U], or for GRU (reset_after, Keras 3 default) [2, 3U]: input and recurrent
//                  biases; undefined for no bias
// h0, c0           [B, U] initial states (undefined: zeros; c0 only for LSTM)
// mask             [B, T] of 0/1 (undefined: every step valid). At a masked step the states are
//                  carried unchanged and the output is the carried h (Keras semantics).
// input_keep       [B, F] dropout multipliers (0 or 1/(1-rate)) applied to x at every step
// recurrent_keep   [B, U] dropout multipliers applied to h before the recurrent product
// Returns a packed [B, T + 2, U] tensor: rows 0..T-1 the per-step outputs in processing order
// (reversed time with go_backwards, as Keras returns them), row T the last h, row T + 1 the last
// c (LSTM; zeros otherwise). Use narrow() to take the pieces differentiably.
Tensor rnn_sequence(const RnnOptions& options, const Tensor& x, const Tensor& kernel, const Tensor& recurrent_kernel,
                    const Tensor& bias, const Tensor& h0, const Tensor& c0, const Tensor& mask,
                    const Tensor& input_keep, const Tensor& recurrent_keep);

}  // namespace nerve
