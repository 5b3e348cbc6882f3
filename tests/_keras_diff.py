"""Shared by the test_keras_numeric_*.py files: the same model built in Keras 3 and in nerve, and
one way to measure how far nerve's numbers are from Keras's.

The difference of an array is max |nerve - keras| / max(|keras|, 1% of max |keras|) over its
elements: a plain relative difference for scalars and for elements of the array's own size, with a
floor so that elements that are nearly zero (after cancellation) are measured against the array's
scale instead of against their own rounding noise.

Set NERVE_KERAS_DIFF_LOG=<file> to have every comparison append "label<TAB>difference" to that file
(used to tabulate the differences; the tests do not need it).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import nerve  # noqa: E402

RTOL = 1e-5


def rel_diff(got, want) -> float:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"shapes differ: nerve {got.shape}, keras {want.shape}"
    if want.size == 0:
        return 0.0
    floor = max(0.01 * float(np.max(np.abs(want))), 1e-30)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), floor)))


def assert_close(label: str, got, want, rtol: float = RTOL) -> float:
    """Asserts nerve's `got` is within `rtol` of Keras's `want` (see rel_diff); returns the
    difference."""
    d = rel_diff(got, want)
    log = os.environ.get("NERVE_KERAS_DIFF_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{label}\t{d:.3g}\n")
    assert d <= rtol, f"{label}: nerve differs from Keras by {d:.3g} (relative), allowed {rtol:g}"
    return d


def assert_weights_close(label: str, nerve_model, keras_model, rtol: float = RTOL) -> None:
    nw, kw = nerve_model.get_weights(), keras_model.get_weights()
    assert len(nw) == len(kw)
    for i, (a, b) in enumerate(zip(nw, kw)):
        assert_close(f"{label} weight[{i}] {keras_model.weights[i].path}", a, b, rtol)


def assert_history_close(label: str, nerve_history: dict, keras_history: dict,
                         rtol: float = RTOL) -> None:
    """Every key Keras logged is in nerve's History with the same per-epoch values."""
    for key, want in keras_history.items():
        assert key in nerve_history, f"{label}: nerve's History lacks {key!r} " \
                                     f"(has {sorted(nerve_history)})"
        got = nerve_history[key]
        assert len(got) == len(want), f"{label} {key}: {len(got)} epochs in nerve, {len(want)} in Keras"
        assert_close(f"{label} history[{key}]", got, want, rtol)


def twin_models(build, seed: int = 0):
    """(keras model, nerve model) from build(lib) with lib = keras or nerve; nerve gets Keras's
    weights, which are first randomized (so zero biases, unit BatchNorm statistics and the like do
    not hide a misplaced weight). Variances stay positive."""
    keras.utils.set_random_seed(seed)
    k = build(keras)
    n = build(nerve)
    rng = np.random.default_rng(seed)
    weights = []
    for var, w in zip(k.weights, k.get_weights()):
        r = rng.normal(0.0, 0.5, size=w.shape).astype(w.dtype)
        if "variance" in var.path:
            r = np.abs(r) + 0.5
        weights.append(r)
    k.set_weights(weights)
    n.set_weights(k.get_weights())
    return k, n


def keras_predict(model, x):
    """A Keras model's inference output as numpy (eager call: no jit compile for one batch)."""
    out = model(x, training=False)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)
