"""Array helpers with Keras names."""

from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """Integer class labels -> one-hot rows (Keras keras.utils.to_categorical)."""
    y = np.asarray(y)
    if y.dtype.kind not in "biu" and not (y.dtype.kind == "f" and np.all(y == np.floor(y))):
        raise ValueError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {y.min()}")
    n = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and y.max() >= n:
        raise ValueError(f"to_categorical: label {y.max()} is out of range for {n} classes")
    out = np.zeros(y.shape + (n,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def normalize(x, axis=-1, order=2) -> np.ndarray:
    """x divided by its `order`-norm along `axis` (a zero norm divides by 1), as
    keras.utils.normalize does for numpy input. The result is a numpy array. (Keras's numpy branch
    fails to broadcast for axis=0 on arrays of rank > 1; nerve normalizes along axis 0 there.)"""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"normalize: x must be a numeric array, got dtype {x.dtype}")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    if axis == 0 and x.ndim > 1:
        return x / np.expand_dims(norm, 0)
    # Keras's rule, shapes included: a 1-D x comes back as a row (1, n)
    return x / np.expand_dims(norm, axis or -1)
