"""The Playground's input features: functions of a point (x1, x2) the network may see."""

from __future__ import annotations

import numpy as np

FEATURES = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: np.sin(a),
    "sin(x2)": lambda a, b: np.sin(b),
}


def check_features(names) -> list:
    """The feature names as a list; a ValueError for an empty choice or an unknown name."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"features must be a list of names, got {names!r}")
    names = list(names)
    if not names:
        raise ValueError("choose at least one input feature: the network needs an input")
    for name in names:
        if name not in FEATURES:
            raise ValueError(f"unknown input feature {name!r}; choose from: {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"input features are listed twice: {names}")
    return names


def feature_matrix(points: np.ndarray, names) -> np.ndarray:
    """(n, len(names)) float32: each chosen feature at each point (n, 2)."""
    names = check_features(names)
    a, b = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return np.column_stack([FEATURES[name](a, b) for name in names]).astype(np.float32)
