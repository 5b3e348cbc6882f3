// CPU PReLU kernels (the activation family's prelu entries, kernel_table.h).
#pragma once
#include <cstdint>

namespace nerve::kernels {

void prelu_forward(const float* x, const float* alpha, const int64_t* index, int64_t batch, int64_t per, float* y);
void prelu_backward(const float* x, const float* alpha, const float* dy, const int64_t* index, int64_t batch,
                    int64_t per, float* dx, float* dalpha, int64_t alpha_n);

}  // namespace nerve::kernels
