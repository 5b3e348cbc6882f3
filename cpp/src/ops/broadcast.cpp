// NumPy broadcasting (ops/broadcast.h): shapes are aligned at their last axes; an axis of size 1
// (or a missing one) stretches to the other's size.
#include "ops/broadcast.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "nerve/ops/math.h"

namespace nerve {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const size_t d = std::max(a.size(), b.size());
  Shape out(d);
  for (size_t i = 0; i < d; ++i) {  // i counts axes from the end
    const int64_t sa = i < a.size() ? a[a.size() - 1 - i] : 1, sb = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                  " cannot be broadcast together: axis -" + std::to_string(i + 1) + " has sizes " +
                                  std::to_string(sa) + " and " + std::to_string(sb));
    out[d - 1 - i] = sa == 1 ? sb : sa;
  }
  return out;
}

BroadcastGeometry broadcast_geometry(const Shape& out, const std::vector<Shape>& operands) {
  using Layout = BroadcastGeometry::Layout;
  BroadcastGeometry g;
  g.shape = out;
  g.numel = shape_numel(out);
  const size_t d = out.size();
  for (size_t k = 0; k < 3; ++k) {
    g.strides[k].assign(d, 0);
    if (k >= operands.size()) continue;
    const Shape& s = operands[k];
    // Row-major strides of the operand, read over the output's axes: 0 where it has size 1 or
    // no axis at all.
    int64_t stride = 1;
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t axis = s.size() - 1 - i, out_axis = d - 1 - i;
      g.strides[k][out_axis] = s[axis] == 1 ? 0 : stride;
      stride *= s[axis];
    }
    const int64_t n = shape_numel(s);
    g.layout[k] = n == g.numel ? Layout::Flat : n == 1 ? Layout::Scalar : Layout::Strided;
  }
  return g;
}

}  // namespace nerve
