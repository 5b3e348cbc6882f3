// Reductions over axes (nerve/ops/reductions.h): the reduced axes are moved last (one permuted
// copy when they are not already), then the device's reduction family reduces each row.
#include "nerve/ops/reductions.h"

#include <stdexcept>

#include "nerve/autograd.h"
#include "ops/axes.h"
#include "ops/dispatch.h"

namespace nerve {

bool all_finite(const Tensor& x) {
  const Tensor c = x.contiguous();
  return NERVE_KERNEL(c.device(), elementwise, all_finite, "all_finite")(c.data(), c.numel());
}

const char* reduce_kind_name(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::Sum:
      return "sum";
    case ReduceKind::Mean:
      return "mean";
    case ReduceKind::Prod:
      return "prod";
    case ReduceKind::Max:
      return "max";
    case ReduceKind::Min:
      return "min";
    case ReduceKind::LogSumExp:
      return "logsumexp";
    case ReduceKind::Var:
      return "var";
    case ReduceKind::Std:
      return "std";
  }
  return "reduce";
}

namespace {

// x seen as [rows, cols]: the kept axes (in order) then the reduced ones.
struct RowsLayout {
  std::vector<int64_t> perm;  // kept axes then reduced axes
  Shape kept_shape, out_shape;
  int64_t rows = 1, cols = 1;
};

RowsLayout layout_for(const Tensor& x, const AxisList& axis, bool keepdims, const char* op) {
  const int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<size_t>(rank), !axis.has_value());
  if (axis)
    for (int64_t a : axes::normalize_all(*axis, rank, op, x.shape())) reduced[a] = true;
  RowsLayout l;
  std::vector<int64_t> tail;
  for (int64_t d = 0; d < rank; ++d) {
    if (reduced[d]) {
      tail.push_back(d);
      l.cols *= x.size(d);
      if (keepdims) l.out_shape.push_back(1);
    } else {
      l.perm.push_back(d);
      l.rows *= x.size(d);
      l.kept_shape.push_back(x.size(d));
      l.out_shape.push_back(x.size(d));
    }
  }
  l.perm.insert(l.perm.end(), tail.begin(), tail.end());
  return l;
}

Tensor rows_of(const Tensor& x, const RowsLayout& l) { return axes::permute_copy(x, l.perm).reshape({l.rows, l.cols}); }

struct ReduceNode : Node {
  ReduceKind kind;
  Tensor xrows, y;  // x as [rows, cols] (detached), the forward's out [rows]
  RowsLayout layout;
  Shape x_shape;
  const char* name() const override { return reduce_kind_name(kind); }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor drows = Tensor::empty({layout.rows, layout.cols}, g.device());
    NERVE_KERNEL(g.device(), reduction, reduce_rows_backward, reduce_kind_name(kind))(
        kind, xrows.data(), y.data(), g.data(), layout.rows, layout.cols, drows.data());
    Shape permuted;
    for (int64_t d : layout.perm) permuted.push_back(x_shape[d]);
    return {axes::permute_copy(drows.reshape(permuted), axes::inverse(layout.perm))};
  }
};

Tensor arg_reduce(const Tensor& x, std::optional<int64_t> axis, bool keepdims, bool max) {
  const char* op = max ? "argmax" : "argmin";
  AxisList axes_list;
  if (axis) axes_list = std::vector<int64_t>{*axis};
  RowsLayout l = layout_for(x, axes_list, keepdims, op);
  if (l.cols == 0)
    throw std::invalid_argument(std::string(op) + ": attempt to get " + op + " of an empty sequence (axis " +
                                (axis ? std::to_string(*axis) : std::string("None")) + ", shape " + x.shape_string() +
                                ")");
  Tensor xr = rows_of(x, l);
  Tensor out = Tensor::empty(l.out_shape, x.device());
  NERVE_KERNEL(x.device(), reduction, arg_rows, op)(max, xr.data(), l.rows, l.cols, out.data());
  return out;
}

}  // namespace

Tensor reduce(const Tensor& x, ReduceKind kind, const AxisList& axis, bool keepdims) {
  const char* op = reduce_kind_name(kind);
  RowsLayout l = layout_for(x, axis, keepdims, op);
  if (l.cols == 0 && l.rows > 0 && (kind == ReduceKind::Max || kind == ReduceKind::Min))
    throw std::invalid_argument(std::string(op) + ": zero-size reduction over axis " +
                                (axis ? axes::ints_str(*axis) : std::string("None")) + " of shape " + x.shape_string() +
                                ", which has no identity");
  Tensor xr = rows_of(x.detach(), l);
  Tensor out = Tensor::empty(l.out_shape, x.device());
  if (l.rows > 0) NERVE_KERNEL(x.device(), reduction, reduce_rows, op)(kind, xr.data(), l.rows, l.cols, out.data());
  auto node = std::make_shared<ReduceNode>();
  node->inputs = {x};
  node->kind = kind;
  node->xrows = xr;
  node->y = out.detach();
  node->layout = l;
  node->x_shape = x.shape();
  return record(out, node);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_reduce(x, axis, keepdims, true);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return arg_reduce(x, axis, keepdims, false);
}

}  // namespace nerve
