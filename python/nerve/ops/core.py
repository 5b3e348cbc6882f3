"""nerve.ops core: conversion, cast, stop_gradient, shape."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._dispatch import apply

__all__ = [
    "array",
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "is_tensor",
    "ndim",
    "shape",
    "size",
    "stop_gradient",
]

# Keras's names for Python types (keras.backend.standardize_dtype with the JAX backend; None is
# floatx).
_PYTHON_DTYPES = {None: "float32", bool: "bool", int: "int32", float: "float32", "int": "int32"}


def convert_to_tensor(x, dtype=None):
    """Keras `ops.convert_to_tensor`: an array (or nerve.Tensor) as a float32 nerve.Tensor, e.g. a
    batch to feed a model inside a GradientTape (models give numpy for numpy inputs)."""
    if dtype not in (None, "float32", np.float32):
        raise ValueError(f"convert_to_tensor: nerve tensors are float32, got dtype={dtype!r}")
    if isinstance(x, _core.Tensor):
        return x
    return _core.Tensor(np.array(x, dtype=np.float32, order="C"))  # keeps 0-d values 0-d


def array(x, dtype=None):
    """Keras `ops.array`: `x` as a float32 nerve.Tensor (convert_to_tensor's rules: other dtypes
    raise ValueError)."""
    if dtype not in (None, "float32", np.float32):
        raise ValueError(f"array: nerve tensors are float32, got dtype={dtype!r}")
    return convert_to_tensor(x)


def _dtype_name(dtype) -> str:
    if dtype is None or isinstance(dtype, str | type) and dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"cast: dtype must be a dtype name or a numpy dtype, got {dtype!r}")


def cast(x, dtype):
    """x as `dtype`, as keras.ops.cast, held in a float32 tensor: "float32" keeps x (the gradient
    passes through); "bool" gives 1.0 where x is non-zero, else 0.0; the int and uint types
    truncate toward zero and saturate at the type's range, NaN giving 0, as JAX does (no
    gradient). Other dtypes (float16, float64, ...) raise ValueError: nerve tensors are float32."""
    return apply("cast", [x], {"dtype": _dtype_name(dtype)})


def stop_gradient(variable):
    """A copy of `variable`'s values, with no gradient flowing back through it
    (keras.ops.stop_gradient)."""
    return apply("stop_gradient", [variable])


def shape(x) -> tuple:
    """Keras `ops.shape`: the shape of `x` as a tuple of ints. Inside a custom layer's traced
    call(), a size known only when data arrives (the batch size, a length left None) is a
    SymbolicDim, which ops take in shape arguments (`ops.reshape(x, (shape(x)[0], -1))`) and C++
    fills in on every step. A symbolic model input (KerasTensor) gives None for such sizes."""
    symbolic = getattr(x, "_symbolic_shape", None)
    if symbolic is not None:
        return symbolic()
    if isinstance(x, _core.Tensor):
        return tuple(int(d) for d in x.shape)
    if hasattr(x, "shape") and isinstance(x.shape, tuple):
        return tuple(x.shape)
    return tuple(np.shape(x))


def ndim(x) -> int:
    """The number of axes of x."""
    return len(shape(x))


def size(x):
    """The number of elements of x (an int; None where a size is known only at run time)."""
    n = 1
    for d in shape(x):
        if not isinstance(d, (int, np.integer)):
            return None
        n *= int(d)
    return n


def is_tensor(x) -> bool:
    """Whether x is a nerve.Tensor (numpy arrays and numbers are not)."""
    return isinstance(x, _core.Tensor)


def convert_to_numpy(x):
    """x's values as a numpy array (a copy for a nerve.Tensor, float32)."""
    if isinstance(x, _core.Tensor):
        return np.array(x)
    return np.asarray(x)
