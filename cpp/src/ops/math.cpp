// Keras-named element-wise math (nerve/ops/math.h): broadcasting binary ops, unary ops, clip,
// where, cast and stop_gradient, each with its backward node.
#include "nerve/ops/math.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "nerve/autograd.h"
#include "ops/broadcast.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

const char* const kBinaryNames[] = {"add",           "subtract",    "multiply",   "divide",       "power",
                                    "maximum",       "minimum",     "mod",        "floor_divide", "logaddexp",
                                    "equal",         "not_equal",   "less",       "less_equal",   "greater",
                                    "greater_equal", "logical_and", "logical_or", "logical_xor"};
const char* const kUnaryNames[] = {"negative", "abs",   "square",     "sqrt",        "exp",         "log",    "log1p",
                                   "sign",     "sin",   "cos",        "tan",         "arcsin",      "arccos", "arctan",
                                   "sinh",     "cosh",  "arcsinh",    "arccosh",     "arctanh",     "floor",  "ceil",
                                   "round",    "trunc", "erf",        "erfinv",      "log2",        "log10",  "exp2",
                                   "expm1",    "rsqrt", "reciprocal", "log_sigmoid", "logical_not", "isnan",  "isinf",
                                   "isfinite", "cast"};
static_assert(sizeof(kUnaryNames) / sizeof(kUnaryNames[0]) == static_cast<int>(UnaryOp::NotZero) + 1,
              "one name per UnaryOp");
static_assert(sizeof(kBinaryNames) / sizeof(kBinaryNames[0]) == static_cast<int>(BinaryOp::LogicalXor) + 1,
              "one name per BinaryOp");

struct BinaryMathNode : Node {
  BinaryOp op;
  Tensor a, b, y;  // contiguous, detached
  BroadcastGeometry geometry;
  const char* name() const override { return binary_op_name(op); }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor da, db;
    if (inputs[0].requires_grad()) da = Tensor::zeros(a.shape(), a.device());
    if (inputs[1].requires_grad()) db = Tensor::zeros(b.shape(), b.device());
    NERVE_KERNEL(a.device(), math, binary_backward, name())
    (op, a.data(), b.data(), y.data(), dy.data(), kernel_arg(da), kernel_arg(db), geometry);
    return {da, db};
  }
};

struct UnaryMathNode : Node {
  UnaryOp op;
  Tensor x, y;  // contiguous, detached
  const char* name() const override { return unary_op_name(op); }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), math, unary_backward, name())(op, x.data(), y.data(), dy.data(), dx.data(), dx.numel());
    return {dx};
  }
};

struct ClipNode : Node {
  Tensor x;  // contiguous, detached
  float lo, hi;
  const char* name() const override { return "clip"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), math, clip_backward, "clip")(x.data(), lo, hi, dy.data(), dx.data(), dx.numel());
    return {dx};
  }
};

struct WhereNode : Node {
  Tensor condition;  // contiguous, detached
  BroadcastGeometry geometry;
  const char* name() const override { return "where"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    Tensor d1, d2;
    if (inputs[1].requires_grad()) d1 = Tensor::zeros(inputs[1].shape(), dy.device());
    if (inputs[2].requires_grad()) d2 = Tensor::zeros(inputs[2].shape(), dy.device());
    NERVE_KERNEL(dy.device(), math, where_backward, "where")
    (condition.data(), dy.data(), kernel_arg(d1), kernel_arg(d2), geometry);
    return {Tensor(), d1, d2};
  }
};

// The gradient passes through unchanged (a cast to float32).
struct IdentityNode : Node {
  const char* name() const override { return "cast"; }
  std::vector<Tensor> backward(const Tensor& grad) override { return {grad}; }
};

// The range of an integer dtype, as floats; false when `dtype` is not one.
bool integer_range(const std::string& dtype, float& lo, float& hi) {
  auto set = [&](auto sample) {
    using T = decltype(sample);
    lo = static_cast<float>(std::numeric_limits<T>::lowest());
    hi = static_cast<float>(std::numeric_limits<T>::max());
    return true;
  };
  if (dtype == "int8") return set(int8_t{});
  if (dtype == "int16") return set(int16_t{});
  if (dtype == "int32") return set(int32_t{});
  if (dtype == "int64") return set(int64_t{});
  if (dtype == "uint8") return set(uint8_t{});
  if (dtype == "uint16") return set(uint16_t{});
  if (dtype == "uint32") return set(uint32_t{});
  if (dtype == "uint64") return set(uint64_t{});
  return false;
}

}  // namespace

const char* binary_op_name(BinaryOp op) { return kBinaryNames[static_cast<int>(op)]; }
const char* unary_op_name(UnaryOp op) { return kUnaryNames[static_cast<int>(op)]; }
bool binary_op_differentiable(BinaryOp op) { return op <= BinaryOp::LogAddExp; }
bool unary_op_differentiable(UnaryOp op) { return op < UnaryOp::LogicalNot; }

Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  check_same_device(name, a, b);
  const Shape out_shape = broadcast_shapes(name, a.shape(), b.shape());
  Tensor ac = a.contiguous().detach(), bc = b.contiguous().detach();
  Tensor out = Tensor::empty(out_shape, a.device());
  BroadcastGeometry g = broadcast_geometry(out_shape, {a.shape(), b.shape()});
  NERVE_KERNEL(a.device(), math, binary, name)(op, ac.data(), bc.data(), out.data(), g);
  if (!binary_op_differentiable(op)) return out;
  auto node = std::make_shared<BinaryMathNode>();
  node->op = op;
  node->inputs = {a, b};
  node->a = ac;
  node->b = bc;
  node->y = out.detach();
  node->geometry = std::move(g);
  return record(out, node);
}

Tensor unary_op(UnaryOp op, const Tensor& x) {
  const char* name = unary_op_name(op);
  Tensor xc = x.contiguous().detach();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), math, unary, name)(op, xc.data(), y.data(), y.numel());
  if (!unary_op_differentiable(op)) return y;
  auto node = std::make_shared<UnaryMathNode>();
  node->op = op;
  node->inputs = {x};
  node->x = xc;
  node->y = y.detach();
  return record(y, node);
}

Tensor clip(const Tensor& x, float x_min, float x_max) {
  Tensor xc = x.contiguous().detach();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), math, clip, "clip")(xc.data(), x_min, x_max, y.data(), y.numel());
  auto node = std::make_shared<ClipNode>();
  node->inputs = {x};
  node->x = xc;
  node->lo = x_min;
  node->hi = x_max;
  return record(y, node);
}

Tensor where(const Tensor& condition, const Tensor& x1, const Tensor& x2) {
  check_same_device("where", condition, x1);
  check_same_device("where", condition, x2);
  Shape out_shape;
  try {
    out_shape = broadcast_shapes("where", broadcast_shapes("where", condition.shape(), x1.shape()), x2.shape());
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("where: shapes " + condition.shape_string() + " (condition), " + x1.shape_string() +
                                " (x1) and " + x2.shape_string() + " (x2) cannot be broadcast together");
  }
  Tensor cc = condition.contiguous().detach(), c1 = x1.contiguous().detach(), c2 = x2.contiguous().detach();
  Tensor out = Tensor::empty(out_shape, condition.device());
  BroadcastGeometry g = broadcast_geometry(out_shape, {condition.shape(), x1.shape(), x2.shape()});
  NERVE_KERNEL(condition.device(), math, where, "where")(cc.data(), c1.data(), c2.data(), out.data(), g);
  auto node = std::make_shared<WhereNode>();
  node->inputs = {condition.detach(), x1, x2};
  node->condition = cc;
  node->geometry = std::move(g);
  return record(out, node);
}

Tensor cast(const Tensor& x, const std::string& dtype) {
  // A copy, as the other casts: the result must not change when x's memory is updated in place
  // (an optimizer step on a weight), as a Keras tensor would not.
  if (dtype == "float32") {
    auto node = std::make_shared<IdentityNode>();
    node->inputs = {x};
    return record(x.clone(), node);
  }
  if (dtype == "bool") return unary_op(UnaryOp::NotZero, x);
  float lo, hi;
  if (!integer_range(dtype, lo, hi))
    throw std::invalid_argument("cast: cannot cast a tensor of shape " + x.shape_string() + " to dtype '" + dtype +
                                "': nerve tensors are float32; supported dtypes are float32, bool, int8, int16, "
                                "int32, int64, uint8, uint16, uint32 and uint64");
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), math, to_integer, "cast")(xc.data(), lo, hi, y.data(), y.numel());
  return y;
}

Tensor stop_gradient(const Tensor& x) { return x.clone(); }  // a copy, for the reason cast gives

}  // namespace nerve
