"""nerve.ops reductions (sum, mean, prod, max, min, logsumexp, var, std, argmax, argmin): numpy
oracle over axis / keepdims grids, float64 finite differences, keras.ops cross-checks, errors."""

import os

import numpy as np
import pytest

import nerve
from _ops_check import check_op
from nerve import ops

os.environ.setdefault("KERAS_BACKEND", "jax")
rng = np.random.default_rng(1)

REFS = {
    "sum": np.sum,
    "mean": np.mean,
    "prod": np.prod,
    "max": np.max,
    "min": np.min,
    "var": np.var,
    "std": np.std,
}


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


REFS["logsumexp"] = np_logsumexp

# (shape, axis) pairs: every axis form, negative axes, 0-d and 1-d tensors.
CASES = [
    ((), None),
    ((5,), None),
    ((5,), 0),
    ((5,), -1),
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), (0, 1)),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, -3)),
    ((2, 3, 4), -2),
    ((2, 3, 4), ()),
    ((2, 1, 3, 2), (1, 3)),
]


@pytest.mark.parametrize("name", sorted(REFS))
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_matches_numpy_and_finite_differences(name, shape, axis, keepdims):
    x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if name == "prod":
        x = rng.uniform(0.5, 1.5, size=shape)
    op = getattr(ops, name)
    check_op(
        lambda t: op(t, axis=axis, keepdims=keepdims),
        lambda a: REFS[name](a, axis=axis, keepdims=keepdims),
        [x],
    )


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize(
    "shape,axis",
    [
        ((), None),
        ((7,), None),
        ((7,), 0),
        ((3, 4), 1),
        ((3, 4), -2),
        ((2, 3, 4), None),
        ((2, 3, 4), 1),
    ],
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reductions_match_numpy(name, shape, axis, keepdims):
    x = rng.standard_normal(shape).astype(np.float32)
    got = getattr(ops, name)(nerve.Tensor(x), axis=axis, keepdims=keepdims)
    want = getattr(np, name)(x, axis=axis, keepdims=keepdims)
    assert np.asarray(got).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(got), want)


def test_argmax_takes_the_first_of_ties_and_has_no_gradient():
    x = nerve.Tensor(np.array([[1, 3, 3], [2, 2, 0]], np.float32), requires_grad=True)
    np.testing.assert_array_equal(np.asarray(ops.argmax(x, axis=1)), [1, 0])
    np.testing.assert_array_equal(np.asarray(ops.argmin(x, axis=1)), [0, 2])
    assert not ops.argmax(x, axis=1).requires_grad


def test_max_gradient_splits_ties_evenly_like_jax():
    jax = pytest.importorskip("jax")
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, -1.0, 5.0]], np.float32)
    for name in ("max", "min"):
        for axis in (None, 1, 0):
            t = nerve.Tensor(x.copy(), requires_grad=True)
            with nerve.GradientTape() as tape:
                y = ops.sum(getattr(ops, name)(t, axis=axis))
            (g,) = tape.gradient(y, [t])
            ref = getattr(jax.numpy, name)
            want = jax.grad(lambda a, f=ref, ax=axis: f(a, axis=ax).sum())(x)
            np.testing.assert_allclose(
                np.asarray(g), np.asarray(want), rtol=1e-6, err_msg=f"{name} {axis}"
            )


def test_prod_gradient_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    check_op(lambda t: ops.prod(t, axis=1), lambda a: np.prod(a, axis=1), [x])


def test_logsumexp_is_stable_for_large_values():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1001.0]], np.float32)
    got = np.asarray(ops.logsumexp(nerve.Tensor(x), axis=1))
    np.testing.assert_allclose(got, [1000 + np.log(2), -1000 + np.log1p(np.exp(-1))], rtol=1e-6)


def test_std_gradient_is_zero_where_std_is_zero():
    t = nerve.Tensor(np.full((2, 3), 4.0, np.float32), requires_grad=True)
    ops.sum(ops.std(t, axis=1)).backward()
    np.testing.assert_array_equal(np.asarray(t.grad), np.zeros((2, 3)))


def test_sum_and_mean_keep_their_scalar_meaning():
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert np.asarray(ops.sum(nerve.Tensor(x))).shape == ()
    np.testing.assert_allclose(float(np.asarray(ops.mean(nerve.Tensor(x)))), x.mean(), rtol=1e-5)


def test_reductions_accept_numpy_inputs_and_empty_sums():
    np.testing.assert_allclose(np.asarray(ops.sum(np.ones((2, 3)), axis=0)), [2, 2, 2])
    np.testing.assert_array_equal(np.asarray(ops.sum(np.zeros((0, 3)), axis=0)), [0, 0, 0])
    np.testing.assert_array_equal(np.asarray(ops.prod(np.zeros((2, 0)), axis=1)), [1, 1])


@pytest.mark.parametrize(
    "name", ["sum", "mean", "max", "min", "prod", "logsumexp", "var", "std", "argmax", "argmin"]
)
def test_matches_keras_ops(name):
    kops = pytest.importorskip("keras").ops
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for axis in (None, 1, -1):
        kw = {"axis": axis, "keepdims": True}
        want = np.asarray(getattr(kops, name)(x, **kw))
        got = np.asarray(getattr(ops, name)(nerve.Tensor(x), **kw))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=f"{name} axis={axis}")


@pytest.mark.parametrize("name", ["sum", "mean", "max", "var", "logsumexp", "argmax"])
def test_bad_axis_names_op_axis_and_shape(name):
    with pytest.raises(
        ValueError, match=rf"{name}: axis 3 is out of bounds for a tensor of shape \(2, 3\)"
    ):
        getattr(ops, name)(nerve.Tensor(np.zeros((2, 3), np.float32)), axis=3)


def test_repeated_axis_and_empty_extremes_are_errors():
    x = nerve.Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"sum: axis \(1, -1\) repeats an axis"):
        ops.sum(x, axis=(1, -1))
    with pytest.raises(
        ValueError, match=r"max: zero-size reduction over axis \(1,\) of shape \(2, 0\)"
    ):
        ops.max(nerve.Tensor(np.zeros((2, 0), np.float32)), axis=1)
    with pytest.raises(ValueError, match=r"argmax: attempt to get argmax of an empty sequence"):
        ops.argmax(nerve.Tensor(np.zeros((0,), np.float32)))
    with pytest.raises(ValueError, match="max: initial"):
        ops.max(x, initial=0.0)
    with pytest.raises(ValueError, match="argmax: argument 'axis' must be an int"):
        ops.argmax(x, axis=(0, 1))


def test_registered_by_keras_names():
    names = set(nerve._core.ops.op_names())
    assert {
        "sum",
        "mean",
        "prod",
        "max",
        "min",
        "logsumexp",
        "var",
        "std",
        "argmax",
        "argmin",
    } <= names
