// Recurrent gate math with 16-float vectors (compiled with only the avx512 flags).
#define NERVE_GATES_VLEN 16
#include "gates_impl.h"

namespace nerve::rnn_gates_detail {
const GateKernels* gates_avx512() {
  static const GateKernels k{"avx512", &sigmoid, &tanh, &lstm_cell, &lstm_cell_backward};
  return &k;
}
}  // namespace nerve::rnn_gates_detail
