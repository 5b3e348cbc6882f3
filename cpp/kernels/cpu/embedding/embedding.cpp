// Embedding lookups (row copies, after every index is checked) and their scatter-add gradient;
// learned position embeddings added to every batch row.
#include "cpu/embedding/embedding.h"

#include <Eigen/Core>
#include <cmath>
#include <cstring>

#include "cpu/elementwise/elementwise.h"

namespace nerve::kernels {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

int64_t embedding_lookup(const float* ip, int64_t n, const float* table, int64_t V, int64_t D, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    float v = ip[i];
    if (!(v >= 0.f && v < static_cast<float>(V)) || v != std::floor(v)) return i;
  }
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out + i * D, table + static_cast<int64_t>(ip[i]) * D, static_cast<size_t>(D) * sizeof(float));
  return -1;
}

void embedding_scatter_add(const float* ip, int64_t n, const float* g, int64_t D, float* dt) {
  for (int64_t i = 0; i < n; ++i)  // repeated tokens accumulate
    Arr(dt + static_cast<int64_t>(ip[i]) * D, D) += CArr(g + i * D, D);
}

void add_position(const float* x, const float* table, int64_t B, int64_t TD, float* out) {
  for (int64_t b = 0; b < B; ++b) add(x + b * TD, table, out + b * TD, TD);
}

void position_backward(const float* g, int64_t B, int64_t TD, float* dt) {
  Arr acc(dt, TD);
  for (int64_t b = 0; b < B; ++b) acc += CArr(g + b * TD, TD);
}

}  // namespace nerve::kernels
