// Internal interface between the recurrent kernels (rnn.cpp, baseline-compiled) and their per-ISA
// gate math (gates_<isa>.cpp, each compiled with only its own -m flags from the one source
// gates_impl.h, as the Winograd transforms are). The gate math of a step is element-wise over the
// units; at the baseline (SSE2, 4 floats) it took as long as the step's recurrent GEMM.
#pragma once
#include <cstdint>

namespace nerve::rnn_gates_detail {

struct GateKernels {
  const char* name;
  // p[0, n) = sigmoid(p) = 1 / (1 + exp(-p)), in place.
  void (*sigmoid)(float* p, int64_t n);
  // p[0, n) = tanh(p), in place.
  void (*tanh)(float* p, int64_t n);
  // One LSTM step of one batch row, in one pass over the U units: z holds the pre-activations of
  // the gates [i, f, g, o] (4U values) and receives sigmoid(i), sigmoid(f), tanh(g), sigmoid(o);
  // c = f * c_prev + i * g and h = o * tanh(c).
  void (*lstm_cell)(float* z, const float* c_prev, float* c, float* h, int64_t U);
  // Its backward pass for one row, in one pass: g = the activated gates [i, f, g, o] (4U),
  // c_prev and c the cell states before and after the step, dh the gradient reaching h; dc holds
  // the gradient reaching c and receives the one reaching c_prev; dz receives the gradients of
  // the 4U pre-activations.
  void (*lstm_cell_backward)(const float* g, const float* c_prev, const float* c, const float* dh, float* dc, float* dz,
                             int64_t U);
};

const GateKernels* gates_generic();
#ifdef NERVE_GEMM_HAVE_AVX2
const GateKernels* gates_avx2();
#endif
#ifdef NERVE_GEMM_HAVE_AVX512
const GateKernels* gates_avx512();
#endif

}  // namespace nerve::rnn_gates_detail
