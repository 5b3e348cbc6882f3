// Helpers of the Keras-named reductions and shape ops: axis checks whose errors name the op, the
// axis and the shape, and the permuted copy (through the device's strided_copy) that moves axes.
#pragma once
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "nerve/tensor.h"

namespace nerve::axes {

inline std::string ints_str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

// `axis` in [-rank, rank) as an index in [0, rank).
inline int64_t normalize(int64_t axis, int64_t rank, const char* op, const Shape& shape) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw std::invalid_argument(std::string(op) + ": axis " + std::to_string(axis) +
                                " is out of bounds for a tensor of shape " + shape_str(shape) + " (rank " +
                                std::to_string(rank) + ")");
  return a;
}

// Distinct normalized axes, in the order given.
inline std::vector<int64_t> normalize_all(const std::vector<int64_t>& axes, int64_t rank, const char* op,
                                          const Shape& shape) {
  std::vector<int64_t> out;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    int64_t n = normalize(a, rank, op, shape);
    if (seen[n])
      throw std::invalid_argument(std::string(op) + ": axis " + ints_str(axes) + " repeats an axis (tensor of shape " +
                                  shape_str(shape) + ")");
    seen[n] = true;
    out.push_back(n);
  }
  return out;
}

inline std::vector<int64_t> identity(int64_t rank) {
  std::vector<int64_t> p(static_cast<size_t>(rank));
  std::iota(p.begin(), p.end(), 0);
  return p;
}

inline std::vector<int64_t> inverse(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  return inv;
}

// A contiguous copy of x with its axes in the order `perm` (result axis i = x's axis perm[i]);
// no autograd history.
Tensor permute_copy(const Tensor& x, const std::vector<int64_t>& perm);

}  // namespace nerve::axes
