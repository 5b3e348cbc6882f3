// Shape ops that select cells (nerve/ops/shape_ops.h): strided slices (basic indexing, slice,
// flip), gathers along an axis (take, take_along_axis, whose gradients scatter-add) and pad.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/shape_ops.h"
#include "ops/axes.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

// A strided window of a contiguous tensor: out[i...] = x[offset + sum i_k * strides[k]].
struct Window {
  int64_t offset = 0;
  Shape shape, strides;  // strides in floats, possibly negative
};

Tensor window_copy(const Tensor& xc, const Window& w) {
  Tensor out = Tensor::empty(w.shape, xc.device());
  if (out.numel() > 0)
    NERVE_KERNEL(xc.device(), tensor, strided_copy, "slice")(xc.data() + w.offset, w.shape.data(), w.strides.data(),
                                                             static_cast<int64_t>(w.shape.size()), out.data());
  return out;
}

// dx = zeros of the input's shape with the gradient written into the window (windows never
// overlap themselves: every step is non-zero).
struct WindowNode : Node {
  Window window;
  Shape in_shape;
  const char* name() const override { return "slice"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::zeros(in_shape, g.device());
    if (g.numel() > 0)
      NERVE_KERNEL(g.device(), shape, strided_assign, "slice")(g.data(), window.shape.data(), window.strides.data(),
                                                               static_cast<int64_t>(window.shape.size()),
                                                               dx.data() + window.offset);
    return {dx};
  }
};

Tensor window_op(const Tensor& x, const Window& w) {
  Tensor out = window_copy(x.contiguous().detach(), w);
  auto node = std::make_shared<WindowNode>();
  node->inputs = {x};
  node->window = w;
  node->in_shape = x.shape();
  return record(out, node);
}

Shape contiguous_strides_of(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// Checks that every index is an integer in [-V, V); the error names the op, the axis and shapes.
void check_indices(const Tensor& indices, int64_t V, const char* op, int64_t axis, const Tensor& x) {
  HostView idx(indices);
  for (int64_t i = 0; i < idx.size(); ++i) {
    float v = idx[i];
    if (!(std::nearbyint(v) == v))
      throw std::invalid_argument(std::string(op) + ": indices must be integers, got " + std::to_string(v) +
                                  " at position " + std::to_string(i));
    if (v < -static_cast<float>(V) || v >= static_cast<float>(V))
      throw std::invalid_argument(std::string(op) + ": index " + std::to_string(static_cast<int64_t>(v)) +
                                  " is out of bounds for axis " + std::to_string(axis) + " with size " +
                                  std::to_string(V) + " (x shape " + x.shape_string() + ", indices shape " +
                                  indices.shape_string() + ")");
  }
}

struct AxisSplit {
  int64_t outer = 1, inner = 1;
};
AxisSplit split_around(const Shape& s, int64_t axis) {
  AxisSplit r;
  for (int64_t d = 0; d < axis; ++d) r.outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) r.inner *= s[d];
  return r;
}

struct TakeNode : Node {
  int64_t axis;
  Tensor indices;  // contiguous, detached
  bool along;      // take_along_axis (indices shaped like the output) or take
  const char* name() const override { return along ? "take_along_axis" : "take"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Shape& in = inputs[0].shape();
    Tensor dx = Tensor::zeros(in, g.device());
    AxisSplit s = split_around(in, axis);
    if (along)
      NERVE_KERNEL(g.device(), shape, scatter_add_along_axis, "take_along_axis")(
          g.data(), s.outer, in[axis], s.inner, indices.data(), indices.shape()[axis], dx.data());
    else
      NERVE_KERNEL(g.device(), shape, scatter_add_axis, "take")(g.data(), s.outer, in[axis], s.inner, indices.data(),
                                                                indices.numel(), dx.data());
    return {dx};
  }
};

// Python's slice.indices(n) and len(range(...)).
void resolve(const SliceSpec& s, int64_t n, int64_t& start, int64_t& count) {
  const int64_t step = s.step;
  auto bound = [&](int64_t v, bool none, bool is_begin) {
    if (none) return step > 0 ? (is_begin ? int64_t{0} : n) : (is_begin ? n - 1 : int64_t{-1});
    if (v < 0) v += n;
    if (step > 0) return std::clamp(v, int64_t{0}, n);
    return std::clamp(v, int64_t{-1}, n - 1);
  };
  start = bound(s.begin, s.begin_none, true);
  int64_t stop = bound(s.end, s.end_none, false);
  if (step > 0)
    count = stop > start ? (stop - start + step - 1) / step : 0;
  else
    count = start > stop ? (start - stop - step - 1) / (-step) : 0;
}

}  // namespace

Tensor strided_slice(const Tensor& x, const std::vector<SliceSpec>& spec) {
  if (static_cast<int64_t>(spec.size()) != x.dim())
    throw std::invalid_argument("strided_slice: " + std::to_string(spec.size()) + " slices for a tensor of shape " +
                                x.shape_string());
  Shape base = contiguous_strides_of(x.shape());
  Window w;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (spec[d].step == 0)
      throw std::invalid_argument("strided_slice: slice step cannot be zero (axis " + std::to_string(d) + ", shape " +
                                  x.shape_string() + ")");
    int64_t start, count;
    resolve(spec[d], x.size(d), start, count);
    w.shape.push_back(count);
    w.strides.push_back(base[d] * spec[d].step);
    if (count > 0) w.offset += start * base[d];
  }
  return window_op(x, w);
}

Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& shape) {
  if (static_cast<int64_t>(start.size()) != x.dim() || static_cast<int64_t>(shape.size()) != x.dim())
    throw std::invalid_argument("slice: start_indices " + axes::ints_str(start) + " and shape " +
                                axes::ints_str(shape) + " must each have one entry per axis of shape " +
                                x.shape_string());
  Shape base = contiguous_strides_of(x.shape());
  Window w;
  for (int64_t d = 0; d < x.dim(); ++d) {
    int64_t n = x.size(d), size = shape[d] == -1 ? n - start[d] : shape[d];
    if (size < 0 || size > n)
      throw std::invalid_argument("slice: size " + std::to_string(shape[d]) + " from start " +
                                  std::to_string(start[d]) + " does not fit axis " + std::to_string(d) + " of shape " +
                                  x.shape_string());
    int64_t first = std::clamp(start[d], int64_t{0}, n - size);  // as jax.lax.dynamic_slice clamps
    w.shape.push_back(size);
    w.strides.push_back(base[d]);
    w.offset += first * base[d];
  }
  return window_op(x, w);
}

Tensor flip(const Tensor& x, const AxisList& axes_list) {
  std::vector<SliceSpec> spec(static_cast<size_t>(x.dim()));
  std::vector<int64_t> flipped =
      axes_list ? axes::normalize_all(*axes_list, x.dim(), "flip", x.shape()) : axes::identity(x.dim());
  for (int64_t a : flipped) spec[a].step = -1;
  return strided_slice(x, spec);
}

Tensor take(const Tensor& x, const Tensor& indices, std::optional<int64_t> axis) {
  check_same_device("take", x, indices);
  Tensor src = axis ? x : x.reshape({x.numel()});
  if (src.dim() == 0)
    throw std::invalid_argument("take: cannot take from a scalar along axis " + std::to_string(*axis));
  int64_t a = axes::normalize(axis.value_or(0), src.dim(), "take", x.shape());
  const int64_t V = src.size(a);
  check_indices(indices, V, "take", axis.value_or(0), x);
  Tensor idx = indices.contiguous().detach();
  Shape out_shape(src.shape().begin(), src.shape().begin() + a);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), src.shape().begin() + a + 1, src.shape().end());
  Tensor sc = src.contiguous().detach();
  Tensor out = Tensor::empty(out_shape, x.device());
  AxisSplit s = split_around(src.shape(), a);
  if (out.numel() > 0)
    NERVE_KERNEL(x.device(), shape, gather_axis, "take")(sc.data(), s.outer, V, s.inner, idx.data(), idx.numel(),
                                                         out.data());
  auto node = std::make_shared<TakeNode>();
  node->inputs = {src};
  node->axis = a;
  node->indices = idx;
  node->along = false;
  return record(out, node);
}

Tensor take_along_axis(const Tensor& x, const Tensor& indices, std::optional<int64_t> axis) {
  check_same_device("take_along_axis", x, indices);
  if (!axis) {
    if (indices.dim() != 1)
      throw std::invalid_argument("take_along_axis: with axis=None the indices must be 1-D, got shape " +
                                  indices.shape_string());
    return take_along_axis(x.reshape({x.numel()}), indices, 0);
  }
  if (indices.dim() != x.dim())
    throw std::invalid_argument("take_along_axis: indices of shape " + indices.shape_string() +
                                " must have the rank of x, of shape " + x.shape_string());
  int64_t a = axes::normalize(*axis, x.dim(), "take_along_axis", x.shape());
  // Outside the axis, x and the indices broadcast against each other.
  Shape xs = x.shape(), is = indices.shape();
  xs[a] = 1;
  is[a] = 1;
  Shape common = broadcast_shapes(xs, is, "take_along_axis");
  Shape x_target = common, i_target = common;
  x_target[a] = x.size(a);
  i_target[a] = indices.size(a);
  Tensor src = broadcast_to(x, x_target);
  Tensor idx = broadcast_to(indices.detach(), i_target).contiguous();
  const int64_t V = src.size(a);
  check_indices(idx, V, "take_along_axis", *axis, x);
  Tensor sc = src.contiguous().detach();
  Tensor out = Tensor::empty(i_target, x.device());
  AxisSplit s = split_around(i_target, a);
  if (out.numel() > 0)
    NERVE_KERNEL(x.device(), shape, gather_along_axis, "take_along_axis")(sc.data(), s.outer, V, s.inner, idx.data(),
                                                                          idx.size(a), out.data());
  auto node = std::make_shared<TakeNode>();
  node->inputs = {src};
  node->axis = a;
  node->indices = idx;
  node->along = true;
  return record(out, node);
}

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const std::string& mode,
           float constant_value) {
  if (static_cast<int64_t>(pad_width.size()) != x.dim())
    throw std::invalid_argument("pad: " + std::to_string(pad_width.size()) +
                                " (before, after) pairs for a tensor of shape " + x.shape_string() +
                                " (need one per axis)");
  for (size_t d = 0; d < pad_width.size(); ++d)
    if (pad_width[d].first < 0 || pad_width[d].second < 0)
      throw std::invalid_argument("pad: pad widths must not be negative, got (" + std::to_string(pad_width[d].first) +
                                  ", " + std::to_string(pad_width[d].second) + ") for axis " + std::to_string(d) +
                                  " of shape " + x.shape_string());
  if (mode == "constant") {
    Shape out_shape;
    for (int64_t d = 0; d < x.dim(); ++d) out_shape.push_back(x.size(d) + pad_width[d].first + pad_width[d].second);
    // The output is the constant with x in its interior; the gradient is that interior of dy,
    // a window of the output, so pad is the reverse of a window op.
    Shape base = contiguous_strides_of(out_shape);
    Window inner;
    inner.shape = x.shape();
    inner.strides = base;
    for (int64_t d = 0; d < x.dim(); ++d) inner.offset += pad_width[d].first * base[d];
    Tensor xc = x.contiguous().detach();
    Tensor out = Tensor::full(out_shape, constant_value, x.device());
    if (xc.numel() > 0)
      NERVE_KERNEL(x.device(), shape, strided_assign, "pad")(xc.data(), inner.shape.data(), inner.strides.data(),
                                                             x.dim(), out.data() + inner.offset);
    struct PadNode : Node {
      Window inner;
      const char* name() const override { return "pad"; }
      std::vector<Tensor> backward(const Tensor& grad) override { return {window_copy(grad.contiguous(), inner)}; }
    };
    auto node = std::make_shared<PadNode>();
    node->inputs = {x};
    node->inner = inner;
    return record(out, node);
  }
  if (mode != "edge" && mode != "reflect" && mode != "symmetric" && mode != "wrap")
    throw std::invalid_argument("pad: mode '" + mode +
                                "' is not supported; nerve has 'constant', 'edge', 'reflect', 'symmetric' and 'wrap'");
  // The other modes gather: axis by axis, each output position reads one input position.
  Tensor out = x;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t n = x.size(d), before = pad_width[d].first, after = pad_width[d].second;
    if (before == 0 && after == 0) continue;
    if (n == 0)
      throw std::invalid_argument("pad: cannot pad the empty axis " + std::to_string(d) + " of shape " +
                                  x.shape_string() + " in mode '" + mode + "'");
    std::vector<float> idx;
    for (int64_t p = -before; p < n + after; ++p) {
      int64_t i = p;
      if (mode == "edge") {
        i = std::clamp(p, int64_t{0}, n - 1);
      } else if (mode == "wrap") {
        i = ((p % n) + n) % n;
      } else if (mode == "reflect") {
        const int64_t period = 2 * (n - 1);
        i = period == 0 ? 0 : ((p % period) + period) % period;
        if (i >= n) i = period - i;
      } else {  // symmetric: the edge cell repeats
        const int64_t period = 2 * n;
        i = ((p % period) + period) % period;
        if (i >= n) i = period - 1 - i;
      }
      idx.push_back(static_cast<float>(i));
    }
    out = take(out, Tensor::from_vector(idx, {static_cast<int64_t>(idx.size())}, x.device()), d);
  }
  return out;
}

}  // namespace nerve
