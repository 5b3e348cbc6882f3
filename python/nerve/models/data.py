"""Checks and converts user arrays once, at the boundary, with messages that say what is wrong."""

from __future__ import annotations

import numpy as np


def as_float_array(a, what: str, where: str) -> np.ndarray:
    """float32, C-contiguous (no copy when it already is), numeric and finite."""
    if a is None:
        raise ValueError(f"{where}: {what} is None")
    if isinstance(a, (list, tuple)) or not hasattr(a, "dtype"):
        try:
            a = np.asarray(a)
        except Exception as e:  # ragged lists and the like
            raise TypeError(f"{where}: {what} cannot be made into an array: {e}") from None
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must be a numeric array, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{where}: {what} must have a batch axis, got a scalar")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.isfinite(a).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{where}: {what} contains NaN or Inf (first at index {bad}, "
                         f"value {a[bad]})")
    return a


def check_same_length(x: np.ndarray, y: np.ndarray, where: str) -> None:
    if len(x) != len(y):
        raise ValueError(f"{where}: x has {len(x)} samples but y has {len(y)}; "
                         f"they must have the same length")


def prepare_targets(y: np.ndarray, loss, output_shape: tuple, where: str) -> np.ndarray:
    """Shapes targets the way the loss expects, and validates sparse labels against the classes."""
    n = len(y)
    if loss.sparse_labels:
        classes = output_shape[-1]
        lead = output_shape[:-1]
        if y.shape[1:] == lead + (1,):
            y = y.reshape((n,) + lead)
        if y.shape[1:] != lead:
            raise ValueError(f"{where}: {loss.name} expects integer labels of shape "
                             f"{(n,) + lead}, got y of shape {y.shape}")
        bad = (y != np.floor(y)) | (y < 0) | (y >= classes)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise ValueError(f"{where}: label {float(y[i])} at index {i} is out of range for "
                             f"{loss.name} with {classes} classes (valid labels: 0..{classes - 1})")
        return y
    want = (n,) + tuple(output_shape)
    if y.shape != want and y.size == int(np.prod(want)) and y.ndim == len(want) - 1 \
            and output_shape[-1] == 1:
        y = y.reshape(want)  # (n,) targets for a single output unit
    if y.shape != want:
        raise ValueError(f"{where}: y of shape {y.shape} does not match the model output shape "
                         f"{(None,) + tuple(output_shape)} for loss {loss.name}")
    return y
