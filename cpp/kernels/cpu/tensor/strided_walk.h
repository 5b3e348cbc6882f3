// The row-major walk over a strided view that strided_copy (reading a view) and strided_assign
// (writing one, slicing's gradient) share.
#pragma once
#include <cstdint>
#include <vector>

namespace nerve::kernels {

// Calls fn(i, off) for every element of a view of `shape` (dim axes, possibly 0): i its index in
// row-major order, off its offset through `strides` (in floats).
template <class Fn>
inline void walk_strided(const int64_t* shape, const int64_t* strides, int64_t dim, Fn fn) {
  int64_t n = 1;
  for (int64_t k = 0; k < dim; ++k) n *= shape[k];
  std::vector<int64_t> idx(static_cast<size_t>(dim), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int64_t k = 0; k < dim; ++k) off += idx[k] * strides[k];
    fn(i, off);
    for (int64_t k = dim - 1; k >= 0; --k) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace nerve::kernels
