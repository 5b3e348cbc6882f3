"""keras.ops behaviours nerve.ops gained late: einsum with an ellipsis, softmax / log_softmax over
a tuple of axes, linspace with tensor bounds. Each: numpy oracle, float64 finite-difference
gradients (check_op) and a keras.ops cross-check."""

import os

import numpy as np
import pytest

from _ops_check import check_op
from nerve import ops

os.environ.setdefault("KERAS_BACKEND", "jax")
rng = np.random.default_rng(5)


@pytest.mark.parametrize(
    "spec,shapes",
    [
        ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
        ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
        ("...ij,...jk->...ik", [(2, 3, 3, 4), (3, 4, 2)]),  # right aligned: b covers one axis
        ("...ij,jk", [(2, 3, 4), (4, 5)]),  # implicit output: the ellipsis axes first
        ("b...->...b", [(2, 3, 4)]),
        ("...i->...", [(2, 3, 4)]),
        ("i...,i...->...", [(3, 2, 2), (3, 2, 2)]),
    ],
    ids=lambda v: str(v),
)
def test_einsum_with_ellipsis_matches_numpy_and_keras(spec, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    check_op(lambda *t: ops.einsum(spec, *t), lambda *a: np.einsum(spec, *a), arrays)
    kops = pytest.importorskip("keras").ops
    f32 = [a.astype(np.float32) for a in arrays]
    np.testing.assert_allclose(
        np.asarray(ops.einsum(spec, *f32)), kops.einsum(spec, *f32), rtol=1e-5, atol=1e-5
    )


def _softmax(a, axes):
    e = np.exp(a - a.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


@pytest.mark.parametrize("axes", [(0, 2), (1, 2), (-1, 0), (0, 1, 2), (1,)], ids=str)
def test_softmax_over_a_tuple_of_axes_matches_numpy_and_keras(axes):
    x = rng.standard_normal((2, 3, 4))
    norm = tuple(a % 3 for a in axes)
    check_op(lambda t: ops.softmax(t, axis=axes), lambda a: _softmax(a, norm), [x])
    check_op(lambda t: ops.log_softmax(t, axis=axes), lambda a: np.log(_softmax(a, norm)), [x])
    kops = pytest.importorskip("keras").ops
    x32 = x.astype(np.float32)
    # keras 3.15 with JAX fails on negative axes in a tuple: compare with the normalised ones
    np.testing.assert_allclose(
        np.asarray(ops.softmax(x32, axis=axes)), kops.softmax(x32, axis=norm), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(ops.log_softmax(x32, axis=axes)),
        kops.log_softmax(x32, axis=norm),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num": 5},
        {"num": 4, "endpoint": False},
        {"num": 1},
        {"num": 3, "axis": 1},
        {"num": 3, "axis": -1},
    ],
    ids=str,
)
def test_linspace_with_tensor_bounds_matches_numpy_and_keras(kwargs):
    start, stop = rng.standard_normal((2, 3)), rng.standard_normal((3,)) + 2.0
    check_op(
        lambda a, b: ops.linspace(a, b, **kwargs),
        lambda a, b: np.linspace(a, b, **kwargs),
        [start, stop],
    )
    kops = pytest.importorskip("keras").ops
    s32, e32 = start.astype(np.float32), stop.astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(ops.linspace(s32, e32, **kwargs)),
        kops.linspace(s32, e32, **kwargs),
        rtol=1e-5,
        atol=1e-5,
    )


def test_linspace_tensor_bounds_retstep_and_errors():
    start, stop = np.zeros(2, np.float32), np.array([1.0, 2.0], np.float32)
    out, step = ops.linspace(start, stop, 5, retstep=True)
    np.testing.assert_allclose(np.asarray(step), [0.25, 0.5])
    assert np.asarray(ops.linspace(start, stop, 0)).shape == (0, 2)
    with pytest.raises(ValueError, match=r"linspace: axis 3 is out of range .* \(2,\)"):
        ops.linspace(start, stop, 3, axis=3)
    with pytest.raises(TypeError, match="linspace: num must be an int"):
        ops.linspace(start, stop, 2.5)
    with pytest.raises(ValueError, match="linspace: num must be >= 0"):
        ops.linspace(start, stop, -1)
