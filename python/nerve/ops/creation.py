"""nerve.ops creation ops, as keras.ops: zeros, ones, full and their *_like forms, arange,
linspace, eye, identity, tri. Each runs a registered C++ op with its shape or sizes as attributes,
so that inside a traced custom layer it is recorded (a SymbolicDim from `ops.shape(x)` is filled
in on every step). Results are float32 (see `dtype` below) and carry no gradient."""

from __future__ import annotations

import numbers

from . import core
from ._dispatch import apply

__all__ = [
    "arange",
    "eye",
    "full",
    "full_like",
    "identity",
    "linspace",
    "ones",
    "ones_like",
    "tri",
    "zeros",
    "zeros_like",
]


def _is_dim(v) -> bool:
    return getattr(type(v), "_nerve_symbolic_dim", False)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _shape_attr(op: str, shape) -> list:
    if _is_int(shape) or _is_dim(shape):
        shape = (shape,)
    try:
        dims = list(shape)
    except TypeError:
        raise TypeError(
            f"{op}: shape must be a tuple of ints, got {shape!r} ({type(shape).__name__})"
        ) from None
    for d in dims:
        if not (_is_int(d) or _is_dim(d)):
            raise TypeError(f"{op}: shape must be a tuple of ints, got {shape!r}")
    return [d if _is_dim(d) else int(d) for d in dims]


def _size(op: str, name: str, v):
    if _is_dim(v):
        return v
    if not _is_int(v):
        raise TypeError(f"{op}: {name} must be an int, got {v!r} ({type(v).__name__})")
    return int(v)


def _number(op: str, name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {v!r} ({type(v).__name__})")
    return float(v)


def _as_dtype(t, dtype):
    # float32 tensors hold every dtype's values; an int or bool dtype rounds them as
    # keras.ops.cast does, an unsupported one (float16, ...) raises cast's ValueError.
    if dtype is None or core._dtype_name(dtype) == "float32":
        return t
    return core.cast(t, dtype)


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (a number, or a tensor broadcast to shape)."""
    attrs = {"shape": _shape_attr("full", shape)}
    if isinstance(fill_value, numbers.Real) and not isinstance(fill_value, bool):
        return _as_dtype(apply("full", [], {**attrs, "fill_value": float(fill_value)}), dtype)
    zeros_ = apply("full", [], {**attrs, "fill_value": 0.0})
    return _as_dtype(apply("add", [zeros_, fill_value]), dtype)


def zeros(shape, dtype=None):
    """A tensor of `shape` filled with 0."""
    return full(shape, 0.0, dtype)


def ones(shape, dtype=None):
    """A tensor of `shape` filled with 1."""
    return full(shape, 1.0, dtype)


def full_like(x, fill_value, dtype=None):
    """A tensor of x's shape filled with `fill_value` (x's values are not read)."""
    return _as_dtype(
        apply("full_like", [x], {"fill_value": _number("full_like", "fill_value", fill_value)}),
        dtype,
    )


def zeros_like(x, dtype=None):
    """A tensor of x's shape filled with 0."""
    return full_like(x, 0.0, dtype)


def ones_like(x, dtype=None):
    """A tensor of x's shape filled with 1."""
    return full_like(x, 1.0, dtype)


def _scalar(op, name, v):
    return v if _is_dim(v) else _number(op, name, v)


def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, ... up to `stop` (excluded), as numpy.arange; `arange(n)` counts from 0.
    `stop` may be a traced size (`ops.shape(x)[1]`) inside a custom layer."""
    if stop is None:
        start, stop = 0, start
    attrs = {
        "start": _scalar("arange", "start", start),
        "stop": _scalar("arange", "stop", stop),
        "step": _number("arange", "step", 1 if step is None else step),
    }
    return _as_dtype(apply("arange", [], attrs), dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (stop included when `endpoint`), as
    numpy.linspace; with `retstep` also the spacing. start and stop are numbers, or tensors
    (arrays) that broadcast together: one sequence per element, along `axis` of the result
    (shape (num, *bounds' shape) for axis 0), differentiable in both bounds."""
    if not _is_real(start) or not _is_real(stop):
        return _linspace_between_tensors(start, stop, num, endpoint, retstep, dtype, axis)
    start = _number("linspace", "start", start)
    stop = _number("linspace", "stop", stop)
    num = _size("linspace", "num", num)
    if axis not in (0, -1):
        raise ValueError(
            f"linspace: with number bounds the result is 1-D; axis must be 0, got {axis}"
        )
    out = _as_dtype(
        apply(
            "linspace", [], {"start": start, "stop": stop, "num": num, "endpoint": bool(endpoint)}
        ),
        dtype,
    )
    if retstep:
        div = num - 1 if endpoint else num
        return out, ((stop - start) / div if div > 0 else float("nan"))
    return out


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _linspace_between_tensors(start, stop, num, endpoint, retstep, dtype, axis):
    """linspace with tensor bounds: start + i * (stop - start) / div for i < num, the last
    value set to stop when `endpoint` (numpy does the same)."""
    if not _is_int(num):
        raise TypeError(f"linspace: num must be an int, got {num!r} ({type(num).__name__})")
    num = _size("linspace", "num", num)
    if num < 0:
        raise ValueError(f"linspace: num must be >= 0, got {num}")
    delta = apply("subtract", [stop, start])
    nd = len(core.shape(delta))
    if not -(nd + 1) <= axis <= nd:
        raise ValueError(
            f"linspace: axis {axis} is out of range for a result of {nd + 1} axes (bounds of "
            f"shape {core.shape(delta)})"
        )
    div = num - 1 if endpoint else num
    index = apply(
        "reshape",
        [apply("arange", [], {"start": 0.0, "stop": float(num), "step": 1.0})],
        {"newshape": [num] + [1] * nd},
    )
    step = apply("multiply", [delta, 1.0 / div if div > 0 else float("nan")])
    spacing = step if div > 0 else apply("multiply", [delta, 0.0])
    out = apply("add", [start, apply("multiply", [index, spacing])])
    if endpoint and num > 1:
        last = apply("equal", [index, float(num - 1)])
        out = apply("where", [last, apply("add", [apply("multiply", [out, 0.0]), stop]), out])
    if axis % (nd + 1) != 0:
        out = apply("moveaxis", [out], {"source": [0], "destination": [axis]})
    out = _as_dtype(out, dtype)
    return (out, step) if retstep else out


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """An [N, M] matrix (M defaults to N) with ones on diagonal k (k > 0 above the main one)."""
    attrs = {"N": _size("eye", "N", N), "k": _size("eye", "k", k)}
    if M is not None:
        attrs["M"] = _size("eye", "M", M)
    return _as_dtype(apply("eye", [], attrs), dtype)


def identity(n, dtype=None):
    """The [n, n] identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    """An [N, M] matrix (M defaults to N) with ones on and below diagonal k, zeros above."""
    attrs = {"N": _size("tri", "N", N), "k": _size("tri", "k", k)}
    if M is not None:
        attrs["M"] = _size("tri", "M", M)
    return _as_dtype(apply("tri", [], attrs), dtype)
