"""nerve.ops element-wise math, as keras.ops: arithmetic with NumPy broadcasting (gradients summed
back over the broadcast axes), unary functions, clip, where, comparisons and logic. Comparisons
and logic return float32 0.0 / 1.0 and have no gradient; Python numbers and numpy arrays are
accepted wherever a tensor is."""

from __future__ import annotations

import numbers

import numpy as np

from ._dispatch import apply

__all__ = [
    "abs",
    "absolute",
    "add",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "ceil",
    "clip",
    "cos",
    "cosh",
    "divide",
    "equal",
    "erf",
    "erfinv",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "floor_divide",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "nan_to_num",
    "negative",
    "not_equal",
    "power",
    "reciprocal",
    "round",
    "rsqrt",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "trunc",
    "where",
]


def add(x1, x2):
    """x1 + x2, element-wise with broadcasting."""
    return apply("add", [x1, x2])


def subtract(x1, x2):
    """x1 - x2, element-wise with broadcasting."""
    return apply("subtract", [x1, x2])


def multiply(x1, x2):
    """x1 * x2, element-wise with broadcasting."""
    return apply("multiply", [x1, x2])


def divide(x1, x2):
    """x1 / x2, element-wise with broadcasting (IEEE: x / 0 is inf or nan)."""
    return apply("divide", [x1, x2])


def power(x1, x2):
    """x1 ** x2, element-wise with broadcasting. Gradients as JAX: the exponent's is taken as 0
    where x1 == 0."""
    return apply("power", [x1, x2])


def maximum(x1, x2):
    """The larger of x1 and x2, element-wise with broadcasting; on a tie each gets half the
    gradient (as JAX)."""
    return apply("maximum", [x1, x2])


def minimum(x1, x2):
    """The smaller of x1 and x2, element-wise with broadcasting; on a tie each gets half the
    gradient (as JAX)."""
    return apply("minimum", [x1, x2])


def negative(x):
    """-x, element-wise."""
    return apply("negative", [x])


def abs(x):  # noqa: A001 (Keras's name)
    """|x|, element-wise; its gradient is sign(x), with 1 at 0 (as JAX)."""
    return apply("abs", [x])


def absolute(x):
    """|x|, element-wise (Keras's alias of abs)."""
    return apply("abs", [x])


def square(x):
    """x * x, element-wise."""
    return apply("square", [x])


def sqrt(x):
    """The square root, element-wise (nan below 0)."""
    return apply("sqrt", [x])


def exp(x):
    """e ** x, element-wise."""
    return apply("exp", [x])


def log(x):
    """The natural logarithm, element-wise (-inf at 0, nan below)."""
    return apply("log", [x])


def log1p(x):
    """log(1 + x), element-wise, accurate for small x."""
    return apply("log1p", [x])


def sign(x):
    """-1, 0 or 1 by the sign of x, element-wise; zero gradient."""
    return apply("sign", [x])


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) or (
        isinstance(v, np.ndarray | np.generic) and np.ndim(v) == 0
    )


def clip(x, x_min, x_max):
    """min(max(x, x_min), x_max), as keras.ops.clip (x_max wins when x_min > x_max). The gradient
    is 1 strictly inside the bounds, 0 outside and 1/2 on a bound (as JAX). Bounds may be numbers
    or tensors (which broadcast with x)."""
    if x_min is None or x_max is None:
        raise TypeError(
            f"clip: x_min and x_max must be numbers or tensors, got {x_min!r} and {x_max!r}"
        )
    if _is_number(x_min) and _is_number(x_max):
        return apply("clip", [x], {"x_min": float(x_min), "x_max": float(x_max)})
    return minimum(maximum(x, x_min), x_max)


def where(condition, x1=None, x2=None):
    """x1 where condition is non-zero, else x2; the three broadcast together. The condition gets
    no gradient."""
    if x1 is None or x2 is None:
        raise ValueError(
            "where: the form without x1 and x2 (the indices of the non-zero elements) is not "
            "supported: nerve tensors have static shapes; give both x1 and x2"
        )
    return apply("where", [condition, x1, x2])


def equal(x1, x2):
    """1.0 where x1 == x2, else 0.0 (broadcasting; no gradient)."""
    return apply("equal", [x1, x2])


def not_equal(x1, x2):
    """1.0 where x1 != x2, else 0.0 (broadcasting; no gradient)."""
    return apply("not_equal", [x1, x2])


def less(x1, x2):
    """1.0 where x1 < x2, else 0.0 (broadcasting; no gradient)."""
    return apply("less", [x1, x2])


def less_equal(x1, x2):
    """1.0 where x1 <= x2, else 0.0 (broadcasting; no gradient)."""
    return apply("less_equal", [x1, x2])


def greater(x1, x2):
    """1.0 where x1 > x2, else 0.0 (broadcasting; no gradient)."""
    return apply("greater", [x1, x2])


def greater_equal(x1, x2):
    """1.0 where x1 >= x2, else 0.0 (broadcasting; no gradient)."""
    return apply("greater_equal", [x1, x2])


def logical_and(x1, x2):
    """1.0 where both are non-zero, else 0.0 (broadcasting; no gradient)."""
    return apply("logical_and", [x1, x2])


def logical_or(x1, x2):
    """1.0 where either is non-zero, else 0.0 (broadcasting; no gradient)."""
    return apply("logical_or", [x1, x2])


def logical_xor(x1, x2):
    """1.0 where exactly one is non-zero, else 0.0 (broadcasting; no gradient)."""
    return apply("logical_xor", [x1, x2])


def logical_not(x):
    """1.0 where x is zero, else 0.0 (no gradient)."""
    return apply("logical_not", [x])


def sin(x):
    """The sine, element-wise (radians)."""
    return apply("sin", [x])


def cos(x):
    """The cosine, element-wise (radians)."""
    return apply("cos", [x])


def tan(x):
    """The tangent, element-wise (radians)."""
    return apply("tan", [x])


def arcsin(x):
    """The inverse sine, element-wise (nan outside [-1, 1])."""
    return apply("arcsin", [x])


def arccos(x):
    """The inverse cosine, element-wise (nan outside [-1, 1])."""
    return apply("arccos", [x])


def arctan(x):
    """The inverse tangent, element-wise."""
    return apply("arctan", [x])


def sinh(x):
    """The hyperbolic sine, element-wise."""
    return apply("sinh", [x])


def cosh(x):
    """The hyperbolic cosine, element-wise."""
    return apply("cosh", [x])


def arcsinh(x):
    """The inverse hyperbolic sine, element-wise."""
    return apply("arcsinh", [x])


def arccosh(x):
    """The inverse hyperbolic cosine, element-wise (nan below 1)."""
    return apply("arccosh", [x])


def arctanh(x):
    """The inverse hyperbolic tangent, element-wise (nan outside [-1, 1])."""
    return apply("arctanh", [x])


def floor(x):
    """The largest integer <= x, element-wise; zero gradient."""
    return apply("floor", [x])


def ceil(x):
    """The smallest integer >= x, element-wise; zero gradient."""
    return apply("ceil", [x])


def trunc(x):
    """x rounded toward zero, element-wise; zero gradient."""
    return apply("trunc", [x])


def erf(x):
    """The error function, element-wise."""
    return apply("erf", [x])


def erfinv(x):
    """The inverse error function, element-wise: +-inf at +-1, nan outside [-1, 1]."""
    return apply("erfinv", [x])


def log2(x):
    """The base-2 logarithm, element-wise."""
    return apply("log2", [x])


def log10(x):
    """The base-10 logarithm, element-wise."""
    return apply("log10", [x])


def exp2(x):
    """2 ** x, element-wise."""
    return apply("exp2", [x])


def expm1(x):
    """exp(x) - 1, element-wise, accurate for small x."""
    return apply("expm1", [x])


def rsqrt(x):
    """1 / sqrt(x), element-wise."""
    return apply("rsqrt", [x])


def reciprocal(x):
    """1 / x, element-wise."""
    return apply("reciprocal", [x])


def isnan(x):
    """1.0 where x is NaN, else 0.0 (no gradient)."""
    return apply("isnan", [x])


def isinf(x):
    """1.0 where x is +inf or -inf, else 0.0 (no gradient)."""
    return apply("isinf", [x])


def isfinite(x):
    """1.0 where x is neither NaN nor infinite, else 0.0 (no gradient)."""
    return apply("isfinite", [x])


def round(x, decimals=0):  # noqa: A001 (Keras's name)
    """x rounded to `decimals` decimal places, halves to even (as NumPy and JAX: x is scaled by
    10 ** decimals, rounded and scaled back); zero gradient."""
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    if decimals == 0:
        return apply("round", [x])
    factor = np.float32(10.0) ** int(decimals)
    return divide(apply("round", [multiply(x, factor)]), factor)


def mod(x1, x2):
    """The remainder of x1 / x2 with the sign of x2 (NumPy's mod), element-wise with
    broadcasting."""
    return apply("mod", [x1, x2])


def floor_divide(x1, x2):
    """floor(x1 / x2), element-wise with broadcasting; zero gradient."""
    return apply("floor_divide", [x1, x2])


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), element-wise with broadcasting, without overflow."""
    return apply("logaddexp", [x1, x2])


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by default the
    largest and lowest float32). The gradient passes through the finite entries."""
    big = float(np.finfo(np.float32).max)
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if not _is_number(v):
            raise TypeError(f"nan_to_num: {name} must be a number, got {v!r}")
    y = where(isnan(x), float(nan), x)
    y = where(logical_and(isinf(x), greater(x, 0.0)), float(posinf), y)
    return where(logical_and(isinf(x), less(x, 0.0)), float(neginf), y)
