#include <stdexcept>

#include "nerve/optimizers.h"

namespace nerve {

std::vector<Tensor>& Optimizer::slots(const Tensor& param) {
  TensorImpl* key = param.impl();
  auto it = state_.find(key);
  if (it != state_.end() && it->second.param.expired()) {  // address reused by a new tensor
    state_.erase(it);
    it = state_.end();
  }
  if (it == state_.end()) {
    Entry e;
    e.param = param.impl_ptr();
    for (int i = 0; i < num_slots(); ++i) e.slots.push_back(Tensor::zeros(param.shape()));
    it = state_.emplace(key, std::move(e)).first;
  }
  return it->second.slots;
}

void Optimizer::apply(const std::vector<Tensor>& params) {
  int64_t step = iterations + 1;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!p.is_contiguous()) throw std::invalid_argument("optimizer: parameters must be contiguous");
    Tensor gc = g.contiguous();
    std::vector<Tensor>& s = slots(p);
    float* slot_ptrs[4] = {nullptr, nullptr, nullptr, nullptr};
    for (size_t i = 0; i < s.size() && i < 4; ++i) slot_ptrs[i] = s[i].data();
    update(p.data(), gc.data(), slot_ptrs, p.numel(), step);
  }
  ++iterations;
}

}  // namespace nerve
