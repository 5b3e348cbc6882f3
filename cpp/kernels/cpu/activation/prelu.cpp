// PReLU: alpha is broadcast through a per-sample index map (sample element -> alpha element), so
// shared axes cost nothing in the loops. Samples are split across threads.
#include "cpu/activation/prelu.h"

#include <algorithm>

#include "cpu/parallel.h"

namespace nerve::kernels {

void prelu_forward(const float* xp, const float* ap, const int64_t* index, int64_t batch, int64_t per, float* op) {
  parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t i = 0; i < per; ++i) {
        int64_t e = b * per + i;
        float v = xp[e];
        op[e] = v > 0.f ? v : ap[index[i]] * v;
      }
  });
}

void prelu_backward(const float* xp, const float* ap, const float* gp, const int64_t* index, int64_t batch, int64_t per,
                    float* dx, float* da, int64_t alpha_n) {
  if (dx) {
    parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        for (int64_t i = 0; i < per; ++i) {
          int64_t e = b * per + i;
          dx[e] = xp[e] > 0.f ? gp[e] : ap[index[i]] * gp[e];
        }
    });
  }
  if (da) {
    std::fill(da, da + alpha_n, 0.f);
    for (int64_t b = 0; b < batch; ++b)  // serial: shared axes make several elements add into one alpha
      for (int64_t i = 0; i < per; ++i) {
        int64_t e = b * per + i;
        if (xp[e] <= 0.f) da[index[i]] += xp[e] * gp[e];
      }
  }
}

}  // namespace nerve::kernels
