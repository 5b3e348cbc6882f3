// Keras-named element-wise math (nerve.ops.add, exp, where, ...): NumPy broadcasting between the
// operands, a backward step that sums each operand's gradient back over the axes it was
// broadcast along. Comparisons and logic give 0.0 / 1.0 and record no gradient.
// (The same-shape add / sub / mul of nerve/ops/core.h are the layers' ops and stay as they are.)
#pragma once
#include <cstdint>
#include <string>

#include "nerve/tensor.h"

namespace nerve {

enum class BinaryOp : uint8_t {
  Add,
  Subtract,
  Multiply,
  Divide,
  Power,
  Maximum,  // ties split the gradient in halves, as JAX does
  Minimum,
  Mod,          // NumPy's: the result takes the divisor's sign; d/db = -floor(a / b)
  FloorDivide,  // zero gradient, as JAX
  LogAddExp,    // log(e^a + e^b), stable
  Equal,        // comparisons and logic from here on: 0.0 / 1.0, no gradient
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  LogicalAnd,  // logic: any non-zero value (NaN too) is true
  LogicalOr,
  LogicalXor,
};

enum class UnaryOp : uint8_t {
  Negative,
  Abs,  // gradient sign(x) with +1 at 0, as JAX
  Square,
  Sqrt,
  Exp,
  Log,
  Log1p,
  Sign,  // gradient 0
  Sin,
  Cos,
  Tan,
  Arcsin,
  Arccos,
  Arctan,
  Sinh,
  Cosh,
  Arcsinh,
  Arccosh,
  Arctanh,
  Floor,  // Floor, Ceil, Round (half to even) and Trunc: gradient 0
  Ceil,
  Round,
  Trunc,
  Erf,
  Erfinv,  // the inverse of erf on (-1, 1): +-inf at +-1, nan outside
  Log2,
  Log10,
  Exp2,
  Expm1,
  Rsqrt,
  Reciprocal,
  LogSigmoid,  // -softplus(-x), stable for large |x|
  LogicalNot,  // from here on no gradient: 0.0 / 1.0
  IsNan,
  IsInf,
  IsFinite,
  NotZero,  // cast to bool
};

// Keras's name of the op ("add", "logical_not").
const char* binary_op_name(BinaryOp op);
const char* unary_op_name(UnaryOp op);
bool binary_op_differentiable(BinaryOp op);
bool unary_op_differentiable(UnaryOp op);

// The shape NumPy broadcasting gives `a` and `b`; std::invalid_argument naming `op`, both shapes
// and the first axis (from the end) where they disagree.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor unary_op(UnaryOp op, const Tensor& x);
// min(max(x, x_min), x_max), as jnp.clip: gradient 1 strictly inside, 0 outside, 1/2 at a bound.
Tensor clip(const Tensor& x, float x_min, float x_max);
// condition != 0 ? x1 : x2, all three broadcast together; condition gets no gradient.
Tensor where(const Tensor& condition, const Tensor& x1, const Tensor& x2);
// Keras's cast to a dtype name: "float32" copies x (the gradient passes through); "bool" gives x != 0; the int and uint
// types
// ("int8" ... "uint64") truncate toward zero and saturate at the type's range (NaN -> 0), as XLA
// converts. No gradient for the non-float types. Other dtypes: std::invalid_argument.
Tensor cast(const Tensor& x, const std::string& dtype);
// A copy of x's values without its history: no gradient flows back through it.
Tensor stop_gradient(const Tensor& x);

}  // namespace nerve
