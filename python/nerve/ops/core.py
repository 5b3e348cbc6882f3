"""nerve.ops core: conversion, cast, stop_gradient, shape."""

from __future__ import annotations

import numpy as np

from .. import _core

__all__ = ["convert_to_tensor", "shape"]


def convert_to_tensor(x, dtype=None):
    """Keras `ops.convert_to_tensor`: an array (or nerve.Tensor) as a float32 nerve.Tensor, e.g. a
    batch to feed a model inside a GradientTape (models give numpy for numpy inputs)."""
    if dtype not in (None, "float32", np.float32):
        raise ValueError(f"convert_to_tensor: nerve tensors are float32, got dtype={dtype!r}")
    if isinstance(x, _core.Tensor):
        return x
    return _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))


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
