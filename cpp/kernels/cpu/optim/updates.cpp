// The optimizers' updates and clipping, one fused pass over each parameter, split between threads.
// The element loops are compiled per ISA (update_loops_*.cpp) and chosen here at run time.
#include "cpu/optim/updates.h"

#include <algorithm>
#include <cmath>

#include "cpu/aligned_buffer.h"
#include "cpu/optim/update_loops.h"
#include "cpu/parallel.h"
#include "nerve/runtime.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread before an update is split

using update_loops_detail::LoopArgs;
using update_loops_detail::UpdateLoops;

// The loops of the active ISA.
const UpdateLoops& loops() {
  switch (active_isa()) {
#ifdef NERVE_GEMM_HAVE_AVX512
    case Isa::Avx512:
      return *update_loops_detail::update_loops_avx512();
#endif
#ifdef NERVE_GEMM_HAVE_AVX2
    case Isa::Avx2:
      return *update_loops_detail::update_loops_avx2();
#endif
    default:
      return *update_loops_detail::update_loops_generic();
  }
}

LoopArgs loop_args(const UpdateStep& s) {
  LoopArgs a{};
  a.rule = static_cast<update_loops_detail::Rule>(s.rule);
  a.lr = s.lr;
  a.decay = s.decay;
  for (int i = 0; i < 6; ++i) a.c[i] = s.c[i];
  a.centered = s.centered;
  a.momentum = s.momentum;
  return a;
}

// The two enums list the same rules in the same order (loop_args casts one to the other).
constexpr bool same_rules() {
  using R = update_loops_detail::Rule;
  using U = UpdateRule;
  return int(R::Sgd) == int(U::Sgd) && int(R::SgdMomentum) == int(U::SgdMomentum) &&
         int(R::SgdNesterov) == int(U::SgdNesterov) && int(R::Adam) == int(U::Adam) &&
         int(R::AdamAmsgrad) == int(U::AdamAmsgrad) && int(R::Rmsprop) == int(U::Rmsprop) &&
         int(R::Adagrad) == int(U::Adagrad) && int(R::Adadelta) == int(U::Adadelta) &&
         int(R::Adamax) == int(U::Adamax) && int(R::Nadam) == int(U::Nadam) && int(R::Lion) == int(U::Lion) &&
         int(R::Lamb) == int(U::Lamb) && int(R::Ftrl) == int(U::Ftrl);
}
static_assert(same_rules());

}  // namespace

void optimizer_update(const UpdateStep& s, float* p, const float* g, float* slot0, float* slot1, float* slot2,
                      int64_t n) {
  auto at = [](float* slot, int64_t b) { return slot ? slot + b : nullptr; };
  const LoopArgs args = loop_args(s);
  const UpdateLoops& k = loops();
  if (s.rule == UpdateRule::Lamb) {
    // The trust ratio needs the norms of the whole (decayed) parameter and of its update
    // direction: the moments and the direction first, then one scaled subtraction.
    AlignedBuffer direction(n);  // the CPU allocator's block cache serves it again next step
    float* u = direction.data();
    parallel_for(n, kGrain,
                 [&](int64_t b, int64_t e) { k.update(args, p + b, g + b, slot0 + b, slot1 + b, u + b, e - b); });
    // Keras: ratio = |w| / |u| when both norms are > 0, else 1 (a NaN norm gives 1 too).
    const float w_norm = static_cast<float>(std::sqrt(k.sum_squares(p, n)));
    const float u_norm = static_cast<float>(std::sqrt(k.sum_squares(u, n)));
    const float ratio = w_norm > 0.f && u_norm > 0.f ? w_norm / u_norm : 1.f;
    const float scale = ratio * s.lr;
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) { k.scaled_sub(p + b, u + b, scale, e - b); });
    return;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    k.update(args, p + b, g + b, at(slot0, b), at(slot1, b), at(slot2, b), e - b);
  });
}

double sum_squares(const float* a, int64_t n) { return loops().sum_squares(a, n); }

void clip(float* a, float lo, float hi, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = std::min(std::max(a[i], lo), hi);
}

}  // namespace nerve::kernels
