"""Shared by the test_keras_numeric_*.py files: the same model built in Keras 3 and in nerve, and
one way to measure how far nerve's numbers are from Keras's.

The difference of an array is max |nerve - keras| / max(|keras|, 10% of max |keras|) over its
elements: a plain relative difference for scalars and for elements of the array's own size, with a
floor so that elements that are nearly zero (sums of larger terms that cancel, whose float32
rounding depends on the summation order) are measured against the array's scale instead of
against their own rounding noise. NaNs must sit in the same places.

Set NERVE_KERAS_DIFF_LOG=<file> to have every comparison append "test<TAB>label<TAB>difference" to
that file (used to tabulate the differences; the tests do not need it).
"""

from __future__ import annotations

import contextlib
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
    nan = np.isnan(want)
    if not np.array_equal(nan, np.isnan(got)):
        return float("inf")  # NaN in one and not the other
    got, want = got[~nan], want[~nan]
    if want.size == 0:
        return 0.0
    floor = max(0.1 * float(np.max(np.abs(want))), 1e-30)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), floor)))


def assert_close(label: str, got, want, rtol: float = RTOL) -> float:
    """Asserts nerve's `got` is within `rtol` of Keras's `want` (see rel_diff); returns the
    difference."""
    d = rel_diff(got, want)
    log = os.environ.get("NERVE_KERAS_DIFF_LOG")
    if log:
        with open(log, "a") as f:
            test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
            f.write(f"{test}\t{label}\t{d:.3g}\n")
    assert d <= rtol, f"{label}: nerve differs from Keras by {d:.3g} (relative), allowed {rtol:g}"
    return d


def assert_weights_close(label: str, nerve_model, keras_model, rtol: float = RTOL) -> None:
    nw, kw = nerve_model.get_weights(), keras_model.get_weights()
    assert len(nw) == len(kw)
    for i, (a, b) in enumerate(zip(nw, kw)):
        assert_close(f"{label} weight[{i}] {keras_model.weights[i].path}", a, b, rtol)


def assert_history_close(
    label: str, nerve_history: dict, keras_history: dict, rtol: float = RTOL
) -> None:
    """nerve's History has the keys Keras's has, with the same per-epoch values."""
    assert sorted(nerve_history) == sorted(keras_history), (
        f"{label}: History keys differ: nerve {sorted(nerve_history)}, keras {sorted(keras_history)}"
    )
    for key, want in keras_history.items():
        assert key in nerve_history, (
            f"{label}: nerve's History lacks {key!r} (has {sorted(nerve_history)})"
        )
        got = nerve_history[key]
        assert len(got) == len(want), (
            f"{label} {key}: {len(got)} epochs in nerve, {len(want)} in Keras"
        )
        assert_close(f"{label} history[{key}]", got, want, rtol)


@contextlib.contextmanager
def placeholder_keras_initializers():
    """Keras's initializers draw with jax, which compiles a program for every new weight shape
    (about half a second each, most of these tests' time); the tests overwrite every initial value
    with set_weights, so while models are built the initializers return numpy zeros / ones."""
    inits = keras.initializers
    patched = {
        cls: cls.__call__
        for cls in (
            inits.RandomNormal,
            inits.TruncatedNormal,
            inits.RandomUniform,
            inits.VarianceScaling,
            inits.Orthogonal,
            inits.Zeros,
            inits.Ones,
        )
    }
    for cls in patched:
        fill = np.ones if cls is inits.Ones else np.zeros
        cls.__call__ = lambda self, shape, dtype=None, fill=fill: fill(shape, dtype or "float32")
    try:
        yield
    finally:
        for cls, call in patched.items():
            cls.__call__ = call


def twin_models(build, seed: int = 0):
    """(keras model, nerve model) from build(lib) with lib = keras or nerve; nerve gets Keras's
    weights, which are first randomized (so zero biases, unit BatchNorm statistics and the like do
    not hide a misplaced weight). Variances stay positive."""
    with placeholder_keras_initializers():
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
    """A Keras model's inference output as numpy (predict: one jit-compiled program, which is
    quicker than running the ops one by one, each compiled for its shapes)."""
    out = model.predict(x, batch_size=len(x[0] if isinstance(x, list) else x), verbose=0)
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return np.asarray(out)
