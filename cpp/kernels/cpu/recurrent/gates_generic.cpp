// Recurrent gate math with 4-float vectors (baseline flags: SSE2 on x86-64).
#define NERVE_GATES_VLEN 4
#include "gates_impl.h"

namespace nerve::rnn_gates_detail {
const GateKernels* gates_generic() {
  static const GateKernels k{"generic", &sigmoid, &tanh, &lstm_cell, &lstm_cell_backward};
  return &k;
}
}  // namespace nerve::rnn_gates_detail
