"""Helpers shared by the sequence layers: eager calls with masks, int checks."""

from __future__ import annotations

import numpy as np

from .. import _core
from .base import _unique_name
from .symbolic import KerasTensor


def positive_int(value, what: str, where: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{where}: {what} must be a positive int, got {value!r}")
    return int(value)


def to_tensor(x, what: str, where: str, mask=None):
    """numpy (or nerve.Tensor) -> nerve.Tensor, with an optional [batch, timesteps] padding mask."""
    if isinstance(x, _core.Tensor):
        t = x
    else:
        a = np.asarray(x)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"{where}: {what} must be a numeric array, got dtype {a.dtype}")
        t = _core.Tensor(np.ascontiguousarray(a, dtype=np.float32))
    if mask is not None:
        m = np.ascontiguousarray(np.asarray(mask), dtype=np.float32)
        if m.shape != tuple(t.shape[:2]):
            raise ValueError(
                f"{where}: mask of shape {m.shape} does not match {what} of shape "
                f"{tuple(t.shape)}; expected {tuple(t.shape[:2])} (batch, timesteps)"
            )
        t.mask = _core.Tensor(m)
    return t


def is_eager(x) -> bool:
    """True for arrays and nerve tensors; False for symbolic graph tensors (functional API),
    which define __array__ only to raise a clear error."""
    if isinstance(x, KerasTensor):
        return False
    if isinstance(x, (list, tuple)) and any(isinstance(t, KerasTensor) for t in x):
        return False  # a list of symbolic inputs (functional models rebuilt from a config)
    return isinstance(x, (_core.Tensor, np.ndarray, list, tuple, int, float)) or hasattr(
        x, "__array__"
    )


def default_name(kwargs: dict, snake: str) -> dict:
    """Keras-style default names for classes whose acronyms the generic rule would split
    (LSTM -> 'lstm', Conv1D -> 'conv1d')."""
    if kwargs.get("name") is None:
        kwargs["name"] = _unique_name(snake)
    return kwargs
