"""Small image helpers for the attribution pictures: bilinear resizing (Grad-CAM's coarse map
to the input's size) and an input sample as something imshow can draw."""

from __future__ import annotations

import numpy as np

from ._figures import normalize01


def resize_bilinear(a: np.ndarray, size: tuple) -> np.ndarray:
    """A 2-D array resized to size=(height, width), sampling at pixel centres."""
    a = np.asarray(a, dtype=np.float64)

    def axis_weights(n_in, n_out):
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, pos - lo

    r0, r1, fr = axis_weights(a.shape[0], size[0])
    c0, c1, fc = axis_weights(a.shape[1], size[1])
    rows = a[r0] * (1 - fr)[:, None] + a[r1] * fr[:, None]
    return rows[:, c0] * (1 - fc)[None, :] + rows[:, c1] * fc[None, :]


def display_image(sample: np.ndarray):
    """(image, cmap) for one input sample: (h, w) or (h, w, 1) in grey, (h, w, 3) in colour
    (scaled to [0, 1]), other channel counts as their mean in grey; None for inputs that are
    not images."""
    a = np.asarray(sample, dtype=np.float64)
    if a.ndim == 3 and a.shape[2] == 3:
        return normalize01(a), None
    if a.ndim == 3:
        return a.mean(axis=2), "gray"
    if a.ndim == 2:
        return a, "gray"
    return None, None
