// CPU kernel of the losses family (kernel_table.h): every loss kind, value and gradient in one pass.
#pragma once
#include "kernel_table.h"

namespace nerve::kernels {

LossResult compute_loss(const LossParams& lp, const float* p, const float* t, const float* w, int64_t rows, int64_t C,
                        int64_t rows_per_sample, float* g);

}  // namespace nerve::kernels
