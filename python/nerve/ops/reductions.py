"""nerve.ops reductions, as keras.ops has them: sum, mean, prod, max, min, logsumexp, var, std
(differentiable) and argmax, argmin (float32 indices, no gradient).

`axis` is None (every axis), an int or a tuple of ints, negative ones counting from the end;
`keepdims=True` keeps the reduced axes with length 1. Each runs one C++ reduction kernel over
the reduced axes (nerve/ops/reductions.h)."""

from __future__ import annotations

from . import core as _core_ops
from . import shape as _shape_ops
from ._dispatch import apply

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "logsumexp",
    "var",
    "std",
    "argmax",
    "argmin",
    "all",
    "any",
    "count_nonzero",
    "average",
    "trace",
    "cumsum",
    "cumprod",
]


def _axis(axis):
    return list(axis) if isinstance(axis, (tuple, list)) else axis


def _reduce(op, x, axis, keepdims):
    return apply(op, [x], {"axis": _axis(axis), "keepdims": bool(keepdims)})


def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """Sum of `x` over `axis` (None: every axis). Gradient: dy broadcast back to x."""
    return _reduce("sum", x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of `x` over `axis` (None: every axis; an empty reduction gives NaN)."""
    return _reduce("mean", x, axis, keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of `x` over `axis`. The gradient of each cell is the product of the others
    (exact where x holds zeros). Only float32 results (`dtype` None or "float32")."""
    if dtype not in (None, "float32"):
        raise ValueError(f"prod: nerve tensors are float32, got dtype={dtype!r}")
    return _reduce("prod", x, axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (Keras's name)
    """Largest value of `x` over `axis` (NaN if any is NaN). Gradient: dy goes to the cells
    equal to the maximum, shared evenly between ties (as jax.grad). `initial` is not supported."""
    if initial is not None:
        raise ValueError(
            "max: initial= is not supported by nerve; take ops.maximum of the result instead"
        )
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (Keras's name)
    """Smallest value of `x` over `axis`; gradient as for `max`. `initial` is not supported."""
    if initial is not None:
        raise ValueError(
            "min: initial= is not supported by nerve; take ops.minimum of the result instead"
        )
    return _reduce("min", x, axis, keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably (the maximum subtracted first).
    Gradient: softmax of x over the axis, times dy."""
    return _reduce("logsumexp", x, axis, keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance (divisor n, as numpy's and Keras's) of `x` over `axis`."""
    return _reduce("var", x, axis, keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation of `x` over `axis`. Where it is 0 nerve's gradient is 0
    (jax.grad gives NaN there)."""
    return _reduce("std", x, axis, keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the first largest value along the int `axis` (None: of the flattened x), as a
    float32 tensor holding integers. Not differentiable."""
    return apply("argmax", [x], {"axis": axis, "keepdims": bool(keepdims)})


def argmin(x, axis=None, keepdims=False):
    """Index of the first smallest value along `axis` (None: of the flattened x), as argmax."""
    return apply("argmin", [x], {"axis": axis, "keepdims": bool(keepdims)})


def _truth(x):
    return apply("cast", [x], {"dtype": "bool"})


def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """1.0 where every element over `axis` is non-zero (NaN counts as true), else 0.0; an empty
    reduction gives 1.0. No gradient."""
    # 1 - any(not x): an empty reduction gives 1, as numpy.all
    return apply("subtract", [1.0, any(apply("logical_not", [x]), axis, keepdims)])


def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """1.0 where some element over `axis` is non-zero, else 0.0; an empty reduction gives 0.0.
    No gradient."""
    count = _reduce("sum", _truth(x), axis, keepdims)
    return _truth(count)


def count_nonzero(x, axis=None):
    """How many elements over `axis` are non-zero (a float32 holding the integer)."""
    return _reduce("sum", _truth(x), axis, False)


def average(x, axis=None, weights=None):
    """The mean of x over `axis` (an int or None), weighted by `weights`: x's shape, or 1-D along
    `axis`: sum(x * w) / sum(w) (as numpy.average)."""
    if weights is None:
        return mean(x, axis)
    shape = _core_ops.shape

    xs, ws = tuple(shape(x)), tuple(shape(weights))
    if xs != ws:
        if axis is None:
            raise ValueError(
                f"average: weights of shape {ws} differ from x's {xs}; give the axis they lie along"
            )
        if len(ws) != 1 or not isinstance(axis, int):
            raise ValueError(
                f"average: weights must have x's shape {xs} or be 1-D along axis {axis}, "
                f"got shape {ws}"
            )
        ax = axis % len(xs)
        if ws[0] != xs[ax]:
            raise ValueError(
                f"average: 1-D weights of length {ws[0]} differ from axis {axis} of x (shape {xs})"
            )
        weights = apply("reshape", [weights], {"newshape": [-1] + [1] * (len(xs) - 1 - ax)})
        weights = apply("add", [weights, apply("full_like", [x], {"fill_value": 0.0})])
    total = _reduce("sum", apply("multiply", [x, weights]), axis, False)
    return apply("divide", [total, _reduce("sum", weights, axis, False)])


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of x's diagonal `offset` in the planes of axis1 and axis2 (numpy.trace)."""
    diagonal = _shape_ops.diagonal

    return _reduce("sum", diagonal(x, offset, axis1, axis2), -1, False)


def cumsum(x, axis=None, dtype=None):
    """The running sum of x along `axis` (None: of x flattened)."""
    _last_axis_op = _shape_ops._last_axis_op

    _check_dtype("cumsum", dtype)
    return _last_axis_op("cumsum", x, axis)


def cumprod(x, axis=None, dtype=None):
    """The running product of x along `axis` (None: of x flattened); its gradient is exact where
    x holds zeros (it costs O(n^2) per row of length n)."""
    _last_axis_op = _shape_ops._last_axis_op

    _check_dtype("cumprod", dtype)
    return _last_axis_op("cumprod", x, axis)


def _check_dtype(op, dtype):
    if dtype not in (None, "float32") and getattr(dtype, "__name__", None) != "float32":
        raise ValueError(f"{op}: nerve tensors are float32, got dtype={dtype!r}")
