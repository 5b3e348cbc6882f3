"""Shared test helpers: finite differences in float64, dataset location."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

_REPO = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path | None:
    """$NERVE_DATASETS, else ../shared/datasets beside the checkout; None when neither exists."""
    env = os.environ.get("NERVE_DATASETS")
    for cand in ([Path(env)] if env else []) + [_REPO.parent / "shared" / "datasets"]:
        if (cand / "mnist").is_dir():
            return cand
    return None


def need_mnist(monkeypatch=None):
    d = datasets_dir()
    if d is None:
        pytest.skip("no MNIST files: set NERVE_DATASETS to a folder holding mnist/")
    os.environ["NERVE_DATASETS"] = str(d)
    return d


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar float64 function f at x (float64)."""
    x = x.astype(np.float64).copy()
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(x)
        flat[i] = old - eps
        fm = f(x)
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g
