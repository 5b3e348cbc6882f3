// Internal interface between the Winograd convolution (cpp/src/ops/winograd.cpp, baseline-compiled)
// and its per-ISA transform kernels (transforms_*.cpp, each compiled with only its own -m flags,
// from the one source transforms_impl.h, as the GEMM micro-kernels are).
// The transforms are element-wise over channels: each of a tile's 16 (or 4) pixels is a row of
// channels, and the kernels run along those rows a vector at a time.
#pragma once
#include <cstdint>

namespace nerve::winograd_detail {

// F(4x4, 3x3): a tile is a 4x4 block of output pixels, read from a 6x6 input patch; its 36
// cells xi = 6i + j are the transform domain.
struct TransformKernels {
  const char* name;
  // v[xi * ldv + c] = (B^T d B)[xi] for c < C, from the 6x6 input patch d whose pixel (r, s) is
  // the row of C channels at p[6r + s] (a row of zeros outside the image).
  void (*input_tile)(const float* const p[36], int64_t C, float* v, int64_t ldv);
  // z[xi * ldz + f] = (A dY A^T)[xi] for f < F, from the 4x4 output gradient rows p[4r + s].
  void (*grad_tile)(const float* const p[16], int64_t F, float* z, int64_t ldz);
  // out[4i + j][f] = (A^T M A)[i][j] + bias[f] (bias may be null), then max(., 0) when relu,
  // from m[xi * ldm + f].
  void (*output_tile)(const float* m, int64_t ldm, int64_t F, float* const out[16], const float* bias, bool relu);
  // u[xi * ldu + f] = (G g G^T)[xi] for f < F, from the 3x3 kernel's rows p[3kh + kw] (F filters).
  void (*kernel_tile)(const float* const p[9], int64_t F, float* u, int64_t ldu);
  // p[3kh + kw][f] = (G^T M G)[kh][kw], from m[xi * ldm + f]: the kernel gradient's way back.
  void (*kernel_grad_tile)(const float* m, int64_t ldm, int64_t F, float* const p[9]);
};

const TransformKernels* transforms_generic();
#ifdef NERVE_GEMM_HAVE_AVX2
const TransformKernels* transforms_avx2();
#endif
#ifdef NERVE_GEMM_HAVE_AVX512
const TransformKernels* transforms_avx512();
#endif

}  // namespace nerve::winograd_detail
