// CPU kernels of the recurrent family (kernel_table.h): a whole sequence through a SimpleRNN /
// LSTM / GRU cell, forward and backward.
#pragma once
#include "kernel_table.h"

namespace nerve::kernels {

bool rnn_needs_pre_activation(Activation a);
void rnn_forward(const RnnGeometry& g, const RnnState& s, const float* x, const float* bias, const float* h0,
                 const float* c0, float* out);
void rnn_backward(const RnnGeometry& g, const RnnState& s, const float* dout, float* dh, float* dc, float* dx,
                  float* dw, float* du, float* db);

}  // namespace nerve::kernels
