// FMA-throughput loop (AVX-512): 16 independent accumulator chains, enough to hide the 4-cycle
// latency on two FMA ports. Returns the number of flops executed.
#include <immintrin.h>

#include <cstdint>

double bench_fma_loop_avx512(int64_t iters, float* sink) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  *sink += _mm512_reduce_add_ps(s);
  return static_cast<double>(iters) * 16 * 16 * 2;
}
