// CPU optimizer updates and clipping (the kernel table's optimizer family).
#pragma once
#include "kernel_table.h"

namespace nerve::kernels {

void optimizer_update(const UpdateStep& s, float* p, const float* g, float* slot0, float* slot1, float* slot2,
                      int64_t n);
double sum_squares(const float* a, int64_t n);
void clip(float* a, float lo, float hi, int64_t n);

}  // namespace nerve::kernels
