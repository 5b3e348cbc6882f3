// The strided walk over a broadcast output (BroadcastGeometry): f(i, o0, o1, o2) for each output
// index i in [begin, end), with each operand's offset. The innermost axis runs as a plain loop;
// the multi-index is carried only at the end of each row.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernel_table.h"

namespace nerve::kernels {

constexpr int64_t kMathGrain = 1 << 15;

template <class F>
void for_each_broadcast(const BroadcastGeometry& g, int64_t begin, int64_t end, F&& f) {
  const int64_t d = static_cast<int64_t>(g.shape.size());
  if (begin >= end) return;
  if (d == 0) {
    f(int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0});
    return;
  }
  std::vector<int64_t> idx(d);
  int64_t off[3] = {0, 0, 0};
  for (int64_t ax = d - 1, rem = begin; ax >= 0; --ax) {
    idx[ax] = rem % g.shape[ax];
    rem /= g.shape[ax];
    for (int k = 0; k < 3; ++k) off[k] += idx[ax] * g.strides[k][ax];
  }
  const int64_t inner = g.shape[d - 1];
  const int64_t s0 = g.strides[0][d - 1], s1 = g.strides[1][d - 1], s2 = g.strides[2][d - 1];
  for (int64_t i = begin; i < end;) {
    const int64_t run = std::min(inner - idx[d - 1], end - i);
    for (int64_t j = 0; j < run; ++j) f(i + j, off[0] + j * s0, off[1] + j * s1, off[2] + j * s2);
    i += run;
    idx[d - 1] += run;
    off[0] += run * s0;
    off[1] += run * s1;
    off[2] += run * s2;
    // carry into the outer axes
    for (int64_t ax = d - 1; ax > 0 && idx[ax] == g.shape[ax]; --ax) {
      for (int k = 0; k < 3; ++k) off[k] += g.strides[k][ax - 1] - g.shape[ax] * g.strides[k][ax];
      idx[ax] = 0;
      ++idx[ax - 1];
    }
  }
}

}  // namespace nerve::kernels
