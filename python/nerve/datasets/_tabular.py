"""The shuffle-and-split of Keras's tabular datasets (boston_housing, california_housing)."""

from __future__ import annotations

import numpy as np


def check_test_split(test_split, where: str) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(f"{where}: test_split must be in [0, 1), got {test_split}")


def read_xy(path: str):
    with np.load(path, allow_pickle=False) as f:
        return f["x"], f["y"]


def shuffle_split(x, y, test_split, seed):
    """Keras's rule: permute with np.random.RandomState(seed), the first
    int(len * (1 - test_split)) samples train."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
