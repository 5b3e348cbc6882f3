// Recurrent gate math with 8-float vectors (compiled with only the avx2 flags).
#define NERVE_GATES_VLEN 8
#include "gates_impl.h"

namespace nerve::rnn_gates_detail {
const GateKernels* gates_avx2() {
  static const GateKernels k{"avx2", &sigmoid, &tanh, &lstm_cell, &lstm_cell_backward};
  return &k;
}
}  // namespace nerve::rnn_gates_detail
