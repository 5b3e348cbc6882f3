// Internal interface between the Winograd convolution (cpp/src/ops/winograd.cpp, baseline-compiled)
// and its per-ISA transform kernels (transforms_*.cpp, each compiled with only its own -m flags,
// from the one source transforms_impl.h, as the GEMM micro-kernels are).
// The transforms are element-wise over channels: each of a tile's 16 (or 4) pixels is a row of
// channels, and the kernels run along those rows a vector at a time.
#pragma once
#include <cstdint>

#include "nerve/runtime.h"

namespace nerve::winograd_detail {

struct TransformKernels {
  const char* name;
  // v[xi * ldv + c] = (B^T d B)[xi] for c < C, from the 4x4 input patch d whose pixel (r, s) is
  // the row of C channels at p[4r + s] (a row of zeros outside the image).
  void (*input_tile)(const float* const p[16], int64_t C, float* v, int64_t ldv);
  // z[xi * ldz + f] = (A dY A^T)[xi] for f < F, from the 2x2 output gradient rows p[2r + s].
  void (*grad_tile)(const float* const p[4], int64_t F, float* z, int64_t ldz);
  // out[2i + j][f] = (A^T M A)[i][j] + bias[f] (bias may be null), then max(., 0) when relu,
  // from m[xi * ldm + f].
  void (*output_tile)(const float* m, int64_t ldm, int64_t F, float* const out[4], const float* bias,
                      bool relu);
};

const TransformKernels* transforms_generic();
#ifdef NERVE_GEMM_HAVE_AVX2
const TransformKernels* transforms_avx2();
#endif
#ifdef NERVE_GEMM_HAVE_AVX512
const TransformKernels* transforms_avx512();
#endif

}  // namespace nerve::winograd_detail
