#include "ops/axes.h"

#include "ops/dispatch.h"

namespace nerve::axes {

Tensor permute_copy(const Tensor& x, const std::vector<int64_t>& perm) {
  if (perm == identity(x.dim())) return x.contiguous().detach();
  Shape shape, strides;
  for (int64_t a : perm) {
    shape.push_back(x.shape()[a]);
    strides.push_back(x.strides()[a]);
  }
  Tensor out = Tensor::empty(shape, x.device());
  if (out.numel() == 0) return out;
  NERVE_KERNEL(x.device(), tensor, strided_copy, "transpose")(x.data(), shape.data(), strides.data(),
                                                              static_cast<int64_t>(shape.size()), out.data());
  return out;
}

}  // namespace nerve::axes
