// where(condition, x1, x2) over three broadcast operands, and its gradient to x1 and x2.
#include "cpu/math/broadcast_loop.h"
#include "cpu/math/math.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

void math_where(const float* condition, const float* x1, const float* x2, float* out, const BroadcastGeometry& g) {
  using Layout = BroadcastGeometry::Layout;
  const bool flat = g.layout[0] == Layout::Flat && g.layout[1] == Layout::Flat && g.layout[2] == Layout::Flat;
  parallel_for(g.numel, kMathGrain, [&](int64_t begin, int64_t end) {
    if (flat) {
      for (int64_t i = begin; i < end; ++i) out[i] = condition[i] != 0.f ? x1[i] : x2[i];
    } else {
      for_each_broadcast(g, begin, end, [&](int64_t i, int64_t oc, int64_t o1, int64_t o2) {
        out[i] = condition[oc] != 0.f ? x1[o1] : x2[o2];
      });
    }
  });
}

// One ordered pass: a broadcast x1 / x2 sums the gradients of the elements it was chosen for.
void math_where_backward(const float* condition, const float* dy, float* dx1, float* dx2, const BroadcastGeometry& g) {
  for_each_broadcast(g, 0, g.numel, [&](int64_t i, int64_t oc, int64_t o1, int64_t o2) {
    if (condition[oc] != 0.f) {
      if (dx1) dx1[o1] += dy[i];
    } else if (dx2) {
      dx2[o2] += dy[i];
    }
  });
}

}  // namespace nerve::kernels
