// dropout(): inverted dropout with a counter-based mask (a hash of seed and element index), so the
// mask is the same whatever the thread count, and the kernel is parallel.
#include <stdexcept>
#include <vector>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/ops/regularization.h"

namespace nerve {

namespace {

inline uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct DropoutNode : Node {
  std::shared_ptr<std::vector<uint8_t>> keep;
  float scale;
  const char* name() const override { return "Dropout"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(g.shape(), g.device());
    const float* gp = g.data();
    const uint8_t* k = keep->data();
    float* o = dx.data();
    parallel_for(g.numel(), 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = k[i] ? gp[i] * scale : 0.f;
    });
    return {dx};
  }
};

}  // namespace

Tensor dropout(const Tensor& x, float rate, uint64_t seed) {
  if (!(rate >= 0.f && rate < 1.f))
    throw std::invalid_argument("dropout: rate must be in [0, 1), got " + std::to_string(rate));
  if (rate == 0.f) return x;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  const int64_t n = x.numel();
  auto keep = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n));
  const float scale = 1.f / (1.f - rate);
  // keep when a uniform 24-bit draw is >= rate (exact to 2^-24)
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(rate) * 16777216.0);
  const uint64_t key = mix64(seed ^ 0x6a09e667f3bcc909ull);
  const float* xp = xc.data();
  float* yp = y.data();
  uint8_t* kp = keep->data();
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const bool k = (mix64(key + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull) >> 40) >= threshold;
      kp[i] = k;
      yp[i] = k ? xp[i] * scale : 0.f;
    }
  });
  auto node = std::make_shared<DropoutNode>();
  node->inputs = {x};
  node->keep = std::move(keep);
  node->scale = scale;
  return record(y, node);
}

}  // namespace nerve
