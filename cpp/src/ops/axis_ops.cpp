// Shape ops that move or repeat whole axes (nerve/ops/shape_ops.h): reshape, transpose,
// expand_dims, squeeze, stack, split, moveaxis, swapaxes, broadcast_to, tile, repeat. The
// indexing ones (slices, gathers, pad, flip) are in indexing_ops.cpp.
#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/merge.h"
#include "nerve/ops/reshaping.h"
#include "nerve/ops/shape_ops.h"
#include "ops/axes.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct TransposeNode : Node {
  std::vector<int64_t> perm;
  const char* name() const override { return "transpose"; }
  std::vector<Tensor> backward(const Tensor& grad) override { return {axes::permute_copy(grad, axes::inverse(perm))}; }
};

struct BroadcastNode : Node {
  Shape in_shape;
  std::vector<int64_t> summed;  // axes of the output summed back
  const char* name() const override { return "broadcast_to"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.detach();
    if (!summed.empty()) g = reduce(g, ReduceKind::Sum, summed, false);
    return {g.contiguous().reshape(in_shape)};
  }
};

std::string shapes_of(const std::vector<Tensor>& xs) {
  std::string s;
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i].shape_string();
  return s;
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                  " cannot be broadcast together (axis " + std::to_string(i) +
                                  " of the result: " + std::to_string(da) + " vs " + std::to_string(db) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("reshape: cannot reshape a tensor of shape " + x.shape_string() + " into " +
                                  shape_str(shape) + " (only one -1, and no other negative size)");
    } else {
      known *= shape[i];
    }
  }
  Shape s = shape;
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw std::invalid_argument("reshape: cannot reshape a tensor of shape " + x.shape_string() + " (" +
                                  std::to_string(x.numel()) + " elements) into " + shape_str(shape));
    s[infer] = x.numel() / known;
  }
  if (shape_numel(s) != x.numel())
    throw std::invalid_argument("reshape: cannot reshape a tensor of shape " + x.shape_string() + " (" +
                                std::to_string(x.numel()) + " elements) into " + shape_str(shape) + " (" +
                                std::to_string(shape_numel(s)) + " elements)");
  return x.reshape(s);
}

Tensor transpose(const Tensor& x, const std::optional<std::vector<int64_t>>& axes_opt) {
  const int64_t rank = x.dim();
  std::vector<int64_t> perm;
  if (axes_opt) {
    if (static_cast<int64_t>(axes_opt->size()) != rank)
      throw std::invalid_argument("transpose: axes " + axes::ints_str(*axes_opt) + " do not match a tensor of shape " +
                                  x.shape_string() + " (need a permutation of its " + std::to_string(rank) + " axes)");
    perm = axes::normalize_all(*axes_opt, rank, "transpose", x.shape());
  } else {
    for (int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
  }
  Tensor out = axes::permute_copy(x, perm);
  auto node = std::make_shared<TransposeNode>();
  node->inputs = {x};
  node->perm = perm;
  return record(out, node);
}

Tensor expand_dims(const Tensor& x, const std::vector<int64_t>& axes_list) {
  const int64_t rank = x.dim() + static_cast<int64_t>(axes_list.size());
  std::vector<int64_t> at = axes::normalize_all(axes_list, rank, "expand_dims", x.shape());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : at) inserted[a] = true;
  Shape s;
  int64_t src = 0;
  for (int64_t d = 0; d < rank; ++d) s.push_back(inserted[d] ? 1 : x.size(src++));
  return x.reshape(s);
}

Tensor squeeze(const Tensor& x, const AxisList& axes_list) {
  std::vector<bool> drop(static_cast<size_t>(x.dim()), false);
  if (axes_list) {
    for (int64_t a : axes::normalize_all(*axes_list, x.dim(), "squeeze", x.shape())) {
      if (x.size(a) != 1)
        throw std::invalid_argument("squeeze: cannot squeeze axis " + std::to_string(a) + " of a tensor of shape " +
                                    x.shape_string() + ": its size is " + std::to_string(x.size(a)) + ", not 1");
      drop[a] = true;
    }
  } else {
    for (int64_t d = 0; d < x.dim(); ++d) drop[d] = x.size(d) == 1;
  }
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!drop[d]) s.push_back(x.size(d));
  return x.reshape(s);
}

Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw std::invalid_argument("concatenate: needs at least one tensor");
  if (xs[0].dim() == 0) throw std::invalid_argument("concatenate: cannot concatenate scalars (shape ())");
  const int64_t a = axes::normalize(axis, xs[0].dim(), "concatenate", xs[0].shape());
  for (const Tensor& x : xs) {
    bool fits = x.dim() == xs[0].dim();
    for (int64_t d = 0; fits && d < x.dim(); ++d) fits = d == a || x.size(d) == xs[0].size(d);
    if (!fits)
      throw std::invalid_argument("concatenate: shapes " + shapes_of(xs) + " differ outside axis " +
                                  std::to_string(axis) + " (every other axis must match)");
  }
  return concat(xs, a);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) throw std::invalid_argument("stack: needs at least one tensor");
  for (const Tensor& x : xs)
    if (x.shape() != xs[0].shape())
      throw std::invalid_argument("stack: every tensor must have the same shape, got " + shapes_of(xs));
  int64_t a = axes::normalize(axis, xs[0].dim() + 1, "stack", xs[0].shape());
  std::vector<Tensor> parts;
  for (const Tensor& x : xs) parts.push_back(expand_dims(x, {a}));
  return concatenate(parts, a);
}

std::vector<Tensor> split_at(const Tensor& x, const std::vector<int64_t>& indices, int64_t axis) {
  if (x.dim() == 0) throw std::invalid_argument("split: cannot split a scalar (shape ())");
  int64_t a = axes::normalize(axis, x.dim(), "split", x.shape());
  const int64_t n = x.size(a);
  // Boundaries must rise within the axis (negative ones count from the end), as jnp.split
  // requires; numpy's empty parts for falling ones are not Keras's.
  std::vector<int64_t> at{0};
  for (int64_t i : indices) {
    int64_t b = i < 0 ? i + n : i;
    if (b < at.back() || b > n)
      throw std::invalid_argument("split: indices " + axes::ints_str(indices) + " must rise within axis " +
                                  std::to_string(axis) + " of shape " + x.shape_string() + " (size " +
                                  std::to_string(n) + ")");
    at.push_back(b);
  }
  at.push_back(n);
  std::vector<Tensor> out;
  for (size_t i = 0; i + 1 < at.size(); ++i) out.push_back(narrow(x, a, at[i], at[i + 1] - at[i]));
  return out;
}

std::vector<Tensor> split_sections(const Tensor& x, int64_t sections, int64_t axis) {
  if (x.dim() == 0) throw std::invalid_argument("split: cannot split a scalar (shape ())");
  int64_t a = axes::normalize(axis, x.dim(), "split", x.shape());
  if (sections <= 0 || x.size(a) % sections != 0)
    throw std::invalid_argument("split: axis " + std::to_string(axis) + " of shape " + x.shape_string() + " (size " +
                                std::to_string(x.size(a)) + ") does not split into " + std::to_string(sections) +
                                " equal sections");
  std::vector<int64_t> at;
  for (int64_t i = 1; i < sections; ++i) at.push_back(i * (x.size(a) / sections));
  return split_at(x, at, a);
}

Tensor moveaxis(const Tensor& x, const std::vector<int64_t>& source, const std::vector<int64_t>& destination) {
  if (source.size() != destination.size())
    throw std::invalid_argument("moveaxis: source " + axes::ints_str(source) + " and destination " +
                                axes::ints_str(destination) + " must have the same number of axes");
  auto src = axes::normalize_all(source, x.dim(), "moveaxis", x.shape());
  auto dst = axes::normalize_all(destination, x.dim(), "moveaxis", x.shape());
  std::vector<int64_t> order;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (std::find(src.begin(), src.end(), d) == src.end()) order.push_back(d);
  std::vector<std::pair<int64_t, int64_t>> moves;
  for (size_t i = 0; i < src.size(); ++i) moves.push_back({dst[i], src[i]});
  std::sort(moves.begin(), moves.end());
  for (auto [d, s] : moves) order.insert(order.begin() + d, s);
  return transpose(x, order);
}

Tensor swapaxes(const Tensor& x, int64_t axis1, int64_t axis2) {
  int64_t a = axes::normalize(axis1, x.dim(), "swapaxes", x.shape());
  int64_t b = axes::normalize(axis2, x.dim(), "swapaxes", x.shape());
  std::vector<int64_t> perm = axes::identity(x.dim());
  std::swap(perm[a], perm[b]);
  return transpose(x, perm);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  const int64_t rank = static_cast<int64_t>(shape.size()), lead = rank - x.dim();
  bool fits = lead >= 0;
  for (int64_t d = 0; fits && d < x.dim(); ++d) fits = x.size(d) == shape[lead + d] || x.size(d) == 1;
  for (int64_t s : shape) fits = fits && s >= 0;
  if (!fits)
    throw std::invalid_argument("broadcast_to: cannot broadcast a tensor of shape " + x.shape_string() + " to " +
                                shape_str(shape));
  if (x.shape() == shape) return x;
  Tensor xc = x.contiguous().detach();
  Shape strides(static_cast<size_t>(rank), 0);
  std::vector<int64_t> summed;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t src = d - lead;
    bool repeated = src < 0 || (x.size(src) == 1 && shape[d] != 1);
    if (repeated) summed.push_back(d);
    if (src >= 0 && !repeated) strides[d] = xc.strides()[src];
  }
  Tensor out = Tensor::empty(shape, x.device());
  if (out.numel() > 0)
    NERVE_KERNEL(x.device(), tensor, strided_copy, "broadcast_to")(xc.data(), shape.data(), strides.data(), rank,
                                                                   out.data());
  auto node = std::make_shared<BroadcastNode>();
  node->inputs = {x};
  node->in_shape = x.shape();
  node->summed = summed;
  return record(out, node);
}

Tensor tile(const Tensor& x, const std::vector<int64_t>& repeats) {
  for (int64_t r : repeats)
    if (r < 0)
      throw std::invalid_argument("tile: repeats " + axes::ints_str(repeats) + " must not be negative (x shape " +
                                  x.shape_string() + ")");
  // numpy: the shorter of x's shape and repeats is padded with leading 1s.
  const size_t rank = std::max<size_t>(x.shape().size(), repeats.size());
  Shape xs(rank - x.shape().size(), 1), reps(rank - repeats.size(), 1);
  xs.insert(xs.end(), x.shape().begin(), x.shape().end());
  reps.insert(reps.end(), repeats.begin(), repeats.end());
  Shape interleaved, expanded, out_shape;
  for (size_t d = 0; d < rank; ++d) {
    interleaved.insert(interleaved.end(), {1, xs[d]});
    expanded.insert(expanded.end(), {reps[d], xs[d]});
    out_shape.push_back(reps[d] * xs[d]);
  }
  return broadcast_to(x.reshape(interleaved), expanded).reshape(out_shape);
}

Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats, std::optional<int64_t> axis) {
  Tensor src = axis ? x : x.reshape({x.numel()});
  int64_t a = axes::normalize(axis.value_or(0), src.dim(), "repeat", x.shape());
  const int64_t n = src.size(a);
  for (int64_t r : repeats)
    if (r < 0)
      throw std::invalid_argument("repeat: repeats " + axes::ints_str(repeats) + " must not be negative (x shape " +
                                  x.shape_string() + ")");
  if (repeats.size() == 1) {  // one count for every element: broadcast a new axis after `a`
    Shape with_axis = src.shape(), expanded = src.shape(), out_shape = src.shape();
    with_axis.insert(with_axis.begin() + a + 1, 1);
    expanded.insert(expanded.begin() + a + 1, repeats[0]);
    out_shape[a] *= repeats[0];
    return broadcast_to(src.reshape(with_axis), expanded).reshape(out_shape);
  }
  if (static_cast<int64_t>(repeats.size()) != n)
    throw std::invalid_argument("repeat: " + std::to_string(repeats.size()) + " repeats for axis " +
                                (axis ? std::to_string(*axis) : std::string("None")) + " of size " + std::to_string(n) +
                                " (x shape " + x.shape_string() + "); need 1 or " + std::to_string(n));
  std::vector<float> idx;
  for (int64_t i = 0; i < n; ++i) idx.insert(idx.end(), static_cast<size_t>(repeats[i]), static_cast<float>(i));
  Tensor indices = Tensor::from_vector(idx, {static_cast<int64_t>(idx.size())}, x.device());
  return take(src, indices, a);
}

}  // namespace nerve
