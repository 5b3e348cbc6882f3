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
    "clip",
    "divide",
    "equal",
    "exp",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "log",
    "log1p",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "power",
    "sign",
    "sqrt",
    "square",
    "subtract",
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
