// CPU kernels of the random family (kernel_table.h): nerve.random's draws, counter-based so that
// the numbers depend on the key and the element index only, never on the thread count.
#pragma once
#include <cstdint>

namespace nerve::kernels {

void random_uniform(uint64_t key, float minval, float maxval, float* out, int64_t n);
void random_normal(uint64_t key, float mean, float stddev, float* out, int64_t n);
void random_truncated_normal(uint64_t key, float mean, float stddev, float* out, int64_t n);
void random_randint(uint64_t key, int64_t minval, int64_t maxval, float* out, int64_t n);
int64_t random_categorical(const float* logits, int64_t rows, int64_t classes, int64_t samples, uint64_t key,
                           float* out);
void random_dropout_mask(uint64_t key, float rate, float scale, const int64_t* shape, const int64_t* noise_strides,
                         int64_t dim, float* mask);
void random_gamma(uint64_t key, double alpha, float* out, int64_t n);
void random_beta(uint64_t key, double alpha, double beta, float* out, int64_t n);
void random_binomial(uint64_t key, double counts, double p, float* out, int64_t n);
void permutation_indices(uint64_t key, int64_t outer, int64_t len, int64_t inner, int32_t* idx);
void gather_along_axis(const float* x, const int32_t* idx, int64_t outer, int64_t len, int64_t inner, float* y);
void scatter_along_axis(const float* dy, const int32_t* idx, int64_t outer, int64_t len, int64_t inner, float* dx);

}  // namespace nerve::kernels
