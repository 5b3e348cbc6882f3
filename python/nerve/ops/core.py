"""nerve.ops core: conversion, cast, stop_gradient, shape."""

from __future__ import annotations

import numpy as np

from .. import _core

__all__ = ["convert_to_tensor"]


def convert_to_tensor(x, dtype=None):
    """Keras `ops.convert_to_tensor`: an array (or nerve.Tensor) as a float32 nerve.Tensor, e.g. a
    batch to feed a model inside a GradientTape (models give numpy for numpy inputs)."""
    if dtype not in (None, "float32", np.float32):
        raise ValueError(f"convert_to_tensor: nerve tensors are float32, got dtype={dtype!r}")
    if isinstance(x, _core.Tensor):
        return x
    return _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))
