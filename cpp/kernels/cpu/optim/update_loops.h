// Internal interface between the optimizer kernels (updates.cpp, baseline-compiled) and their
// per-ISA element loops (update_loops_*.cpp, each compiled with only its own -m flags from the one
// source update_loops_impl.h, as the GEMM micro-kernels and the recurrent gates are).
// Why per ISA: the loops divide and take square roots, which the baseline (SSE2) build runs four
// lanes at a time; an Adam update measured 2.3 cycles per element there (Zen 4), and it was 11% of
// an MLP's training step. No FMA contraction in these files (-ffp-contract=off, see
// ../../CMakeLists.txt): every path rounds each +, -, *, /, sqrt as the generic one does, so the
// updates are the same bits on every path.
#pragma once
#include <cstdint>

namespace nerve::update_loops_detail {

enum class Rule : unsigned char {
  Sgd,
  SgdMomentum,
  SgdNesterov,
  Adam,
  AdamAmsgrad,
  Rmsprop,
  Adagrad,
  Adadelta,
  Adamax,
  Nadam,
  Lion,
  Lamb,
  Ftrl
};

// One update's scalars (nerve::UpdateStep, without the standard-library-free interface's enum).
struct LoopArgs {
  Rule rule;
  float lr, decay;
  float c[6];
  bool centered, momentum;
};

struct UpdateLoops {
  const char* name;
  // p -= p * decay (when decay != 0), then the rule, over n elements; slots may be null.
  // Lamb: the decay and the moments only, and its update direction into s2 (the caller scales
  // it by the whole parameter's trust ratio and subtracts it with scaled_sub).
  void (*update)(const LoopArgs& s, float* p, const float* g, float* s0, float* s1, float* s2, int64_t n);
  // p -= scale * u.
  void (*scaled_sub)(float* p, const float* u, float scale, int64_t n);
  // sum of a[i]^2 in double: 16 partial sums (element i into sum i % 16), then a fixed tree,
  // so the result does not depend on the path's vector width.
  double (*sum_squares)(const float* a, int64_t n);
};

const UpdateLoops* update_loops_generic();
#ifdef NERVE_GEMM_HAVE_AVX2
const UpdateLoops* update_loops_avx2();
#endif
#ifdef NERVE_GEMM_HAVE_AVX512
const UpdateLoops* update_loops_avx512();
#endif

}  // namespace nerve::update_loops_detail
