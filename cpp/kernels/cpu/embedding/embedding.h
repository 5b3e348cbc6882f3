// CPU kernels of the embedding family (kernel_table.h): table lookups and position embeddings.
#pragma once
#include <cstdint>

namespace nerve::kernels {

int64_t embedding_lookup(const float* indices, int64_t n, const float* table, int64_t V, int64_t D, float* out);
void embedding_scatter_add(const float* indices, int64_t n, const float* dy, int64_t D, float* dtable);
void add_position(const float* x, const float* table, int64_t B, int64_t TD, float* out);
void position_backward(const float* dy, int64_t B, int64_t TD, float* dtable);

}  // namespace nerve::kernels
