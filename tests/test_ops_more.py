"""The rest of the common keras.ops: creation ops, more unary and binary math, more activations
and structure ops. Numpy oracles over shapes, float64 finite differences of every gradient,
keras.ops (JAX) where the two could differ, errors that name the op, and a traced custom layer."""

import math
import os

import numpy as np
import pytest

import nerve
from _ops_check import check_op
from nerve import ops

T = nerve.Tensor
rng = np.random.default_rng(11)
_erf = np.vectorize(math.erf)


def _erfinv(x):
    # float64 bisection on erf, the numpy oracle of erfinv (numpy has none)
    lo, hi = np.full_like(x, -6.0), np.full_like(x, 6.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _erf(mid) < x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


@pytest.fixture(scope="module")
def kops():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the Keras comparisons use the JAX backend")
    return keras.ops


def A(t):
    return np.asarray(t)


# -- creation --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 0, 4)], ids=str)
def test_zeros_ones_full_match_numpy(shape):
    np.testing.assert_array_equal(A(ops.zeros(shape)), np.zeros(shape, np.float32))
    np.testing.assert_array_equal(A(ops.ones(shape)), np.ones(shape, np.float32))
    np.testing.assert_array_equal(A(ops.full(shape, 2.5)), np.full(shape, 2.5, np.float32))
    assert A(ops.zeros(shape)).shape == shape


def test_full_with_an_int_shape_and_a_tensor_fill_value_broadcasts():
    assert A(ops.zeros(4)).shape == (4,)
    np.testing.assert_array_equal(
        A(ops.full((2, 3), np.array([1.0, 2.0, 3.0]))), np.broadcast_to([1.0, 2.0, 3.0], (2, 3))
    )


def test_like_ops_take_the_shape_only():
    x = T(rng.standard_normal((2, 3)).astype(np.float32))
    np.testing.assert_array_equal(A(ops.zeros_like(x)), np.zeros((2, 3)))
    np.testing.assert_array_equal(A(ops.ones_like(x)), np.ones((2, 3)))
    np.testing.assert_array_equal(A(ops.full_like(x, -7.0)), np.full((2, 3), -7.0))


def test_creation_dtypes():
    np.testing.assert_array_equal(A(ops.full((2,), 2.7, dtype="int32")), [2.0, 2.0])
    np.testing.assert_array_equal(A(ops.full((2,), 2.7, dtype="bool")), [1.0, 1.0])
    with pytest.raises(ValueError, match="cast.*float16"):
        ops.zeros((2,), dtype="float16")


@pytest.mark.parametrize(
    "args", [(5,), (2, 7), (1, 2, 0.3), (5, 1, -1), (0.5, 3.2, 0.7), (3, 3), (4, 1)], ids=str
)
def test_arange_matches_numpy(args):
    np.testing.assert_allclose(A(ops.arange(*args)), np.arange(*args).astype(np.float32), 1e-6)


@pytest.mark.parametrize("num", [0, 1, 2, 7, 50])
@pytest.mark.parametrize("endpoint", [True, False])
def test_linspace_matches_numpy(num, endpoint):
    got = A(ops.linspace(-1.5, 4.0, num, endpoint=endpoint))
    np.testing.assert_allclose(got, np.linspace(-1.5, 4.0, num, endpoint=endpoint), 1e-6, 1e-6)
    out, step = ops.linspace(0, 1, 5, retstep=True)
    assert step == 0.25 and A(out)[-1] == 1.0


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (3, 5, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0)])
def test_eye_tri_identity_match_numpy(n, m, k):
    np.testing.assert_array_equal(A(ops.eye(n, m, k)), np.eye(n, m, k))
    np.testing.assert_array_equal(A(ops.tri(n, m, k)), np.tri(n, m, k))
    np.testing.assert_array_equal(A(ops.identity(3)), np.eye(3))


def test_creation_matches_keras(kops):
    np.testing.assert_array_equal(A(ops.arange(2, 9, 3)), np.asarray(kops.arange(2, 9, 3)))
    np.testing.assert_allclose(A(ops.linspace(0, 3, 7)), np.asarray(kops.linspace(0, 3, 7)))
    np.testing.assert_array_equal(A(ops.tri(3, 4, -1)), np.asarray(kops.tri(3, 4, -1)))
    np.testing.assert_array_equal(A(ops.eye(3, 4, 1)), np.asarray(kops.eye(3, 4, 1)))


def test_creation_errors_name_the_op():
    with pytest.raises(ValueError, match=r"full: shape \(2, -1\) has a negative dim"):
        ops.zeros((2, -1))
    with pytest.raises(TypeError, match="full: shape must be a tuple of ints"):
        ops.ones("abc")
    with pytest.raises(ValueError, match="arange: .*step non-zero"):
        ops.arange(0, 3, 0)
    with pytest.raises(ValueError, match="linspace: num must be >= 0"):
        ops.linspace(0, 1, -2)
    with pytest.raises(ValueError, match="eye: shape .*negative"):
        ops.eye(-1)
    with pytest.raises(TypeError, match="tri: N must be an int"):
        ops.tri(2.5)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 4), (4, 2)], ids=str)
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_tril_triu_match_numpy_with_gradients(shape, k):
    x = rng.standard_normal(shape)
    check_op(lambda t: ops.tril(t, k), lambda a: np.tril(a, k), [x])
    check_op(lambda t: ops.triu(t, k), lambda a: np.triu(a, k), [x])


def test_tril_zeroes_inf_and_needs_two_axes():
    x = np.array([[1.0, np.inf], [np.nan, 2.0]], np.float32)
    np.testing.assert_array_equal(A(ops.tril(x)), [[1.0, 0.0], [np.nan, 2.0]])
    with pytest.raises(ValueError, match=r"triu: x must have at least 2 axes, got shape \(3,\)"):
        ops.triu(np.ones(3))


# -- unary math --------------------------------------------------------------------------------


def _normal(s):
    return rng.standard_normal(s)


def _unit(s):
    return rng.uniform(-0.9, 0.9, s)


def _positive(s):
    return rng.uniform(0.5, 2.0, s)


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


UNARY = {
    "sin": (np.sin, _normal),
    "cos": (np.cos, _normal),
    "tan": (np.tan, lambda s: rng.uniform(-1.2, 1.2, s)),
    "arcsin": (np.arcsin, _unit),
    "arccos": (np.arccos, _unit),
    "arctan": (np.arctan, _normal),
    "sinh": (np.sinh, _normal),
    "cosh": (np.cosh, _normal),
    "arcsinh": (np.arcsinh, _normal),
    "arccosh": (np.arccosh, lambda s: rng.uniform(1.2, 3.0, s)),
    "arctanh": (np.arctanh, _unit),
    "erf": (_erf, _normal),
    "erfinv": (lambda x: _erfinv(x), lambda s: rng.uniform(-0.95, 0.95, s)),
    "log2": (np.log2, _positive),
    "log10": (np.log10, _positive),
    "exp2": (np.exp2, _normal),
    "expm1": (np.expm1, _normal),
    "rsqrt": (lambda x: 1 / np.sqrt(x), _positive),
    "reciprocal": (np.reciprocal, _positive),
    "log_sigmoid": (_log_sigmoid, lambda s: 4 * rng.standard_normal(s)),
}
# Piece-wise constant: values, and a zero gradient (sampled away from the jumps).
STEPS = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_numpy_and_finite_differences(name, shape):
    ref, sample = UNARY[name]
    check_op(getattr(ops, name), ref, [sample(shape)])


@pytest.mark.parametrize("name", sorted(STEPS))
def test_steps_match_numpy_with_zero_gradient(name):
    x = rng.uniform(-5, 5, (4, 5)).round(1) + 0.05
    check_op(getattr(ops, name), STEPS[name], [x], atol=1e-6)


def test_round_halves_to_even_and_decimals(kops):
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.234, -5.678], np.float32)
    np.testing.assert_array_equal(A(ops.round(x)), np.round(x))
    np.testing.assert_allclose(A(ops.round(x, 2)), np.asarray(kops.round(x, 2)))
    np.testing.assert_allclose(A(ops.round(x * 100, -1)), np.asarray(kops.round(x * 100, -1)))


def test_log_sigmoid_is_stable_for_large_inputs(kops):
    x = np.array([-200.0, -50.0, -1.0, 0.0, 1.0, 50.0, 200.0], np.float32)
    np.testing.assert_allclose(A(ops.log_sigmoid(x)), np.asarray(kops.log_sigmoid(x)), 1e-6)
    t = T(x, requires_grad=True)
    ops.sum(ops.log_sigmoid(t)).backward()
    np.testing.assert_allclose(A(t.grad), 1 / (1 + np.exp(x.astype(np.float64))), 1e-6, 1e-7)


def test_isnan_isinf_isfinite():
    x = np.array([0.0, np.nan, np.inf, -np.inf, -3.0], np.float32)
    np.testing.assert_array_equal(A(ops.isnan(x)), np.isnan(x))
    np.testing.assert_array_equal(A(ops.isinf(x)), np.isinf(x))
    np.testing.assert_array_equal(A(ops.isfinite(x)), np.isfinite(x))
    t = T(x, requires_grad=True)
    assert not ops.isnan(t).requires_grad


def test_unary_matches_keras_at_the_edges(kops):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 2.0], np.float32)
    for name in ("arcsin", "arccos", "arctanh", "arccosh", "rsqrt", "reciprocal", "log2"):
        np.testing.assert_allclose(
            A(getattr(ops, name)(x)), np.asarray(getattr(kops, name)(x)), 1e-6, err_msg=name
        )


# -- binary math -----------------------------------------------------------------------------


def _away(s):
    return rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.7, 2.0, size=s)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((), (2, 3))], ids=str)
def test_mod_floor_divide_logaddexp(shapes):
    # x1 away from multiples of x2, where mod jumps
    a = rng.uniform(-5, 5, shapes[0])
    b = _away(shapes[1])
    check_op(ops.mod, np.mod, [np.round(a) + 0.3, np.round(b) + 0.5 * np.sign(b)])
    check_op(ops.floor_divide, np.floor_divide, [np.round(a) + 0.3, np.round(b) + 0.5], atol=1e-6)
    check_op(ops.logaddexp, np.logaddexp, [_normal(shapes[0]), _normal(shapes[1])])


def test_mod_floor_divide_logaddexp_match_keras(kops):
    a = np.array([5.5, -5.5, 5.5, -5.5, 3.0, 0.0], np.float32)
    b = np.array([2.0, 2.0, -2.0, -2.0, 1.5, 3.0], np.float32)
    for name in ("mod", "floor_divide", "logaddexp"):
        np.testing.assert_allclose(
            A(getattr(ops, name)(a, b)), np.asarray(getattr(kops, name)(a, b)), 1e-6, err_msg=name
        )
    big = np.array([100.0, -np.inf, np.inf, 1.0], np.float32)
    np.testing.assert_allclose(A(ops.logaddexp(big, big)), np.asarray(kops.logaddexp(big, big)))
    t1, t2 = T(np.float32([2.0]), requires_grad=True), T(np.float32([2.0]), requires_grad=True)
    ops.sum(ops.logaddexp(t1, t2)).backward()
    np.testing.assert_allclose([A(t1.grad)[0], A(t2.grad)[0]], [0.5, 0.5])


def test_binary_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"mod.*\(2, 3\).*\(4,\)"):
        ops.mod(np.ones((2, 3)), np.ones(4))


def test_nan_to_num_matches_numpy_and_passes_the_gradient(kops):
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0], np.float32)
    np.testing.assert_array_equal(A(ops.nan_to_num(x)), np.nan_to_num(x))
    np.testing.assert_array_equal(
        A(ops.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0)),
        np.asarray(kops.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0)),
    )
    t = T(x, requires_grad=True)
    ops.sum(ops.nan_to_num(t)).backward()
    np.testing.assert_array_equal(A(t.grad), [1.0, 0.0, 0.0, 0.0, 1.0])


# -- activations -------------------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ACTIVATIONS = {
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "celu": lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0)),
    "glu": lambda x: x[..., :2] * _sigmoid(x[..., 2:]),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_numpy_and_finite_differences(name):
    x = rng.uniform(-4, 4, (3, 4))
    x[np.abs(np.abs(x) - 1) < 0.05] += 0.1  # away from the kinks
    x[np.abs(np.abs(x) - 3) < 0.05] += 0.1
    x[np.abs(x) < 0.05] += 0.1
    check_op(getattr(ops, name), ACTIVATIONS[name], [x])


def test_activations_match_keras_including_kinks(kops):
    x = np.array([-4.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 4.0], np.float32)
    import jax

    for name in ("hard_silu", "hard_tanh", "squareplus", "sparse_plus", "celu", "log_sigmoid"):
        np.testing.assert_allclose(
            A(getattr(ops, name)(x)), np.asarray(getattr(kops, name)(x)), 1e-6, err_msg=name
        )
        t = T(x, requires_grad=True)
        ops.sum(getattr(ops, name)(t)).backward()
        want = jax.grad(lambda v, n=name: getattr(kops, n)(v).sum())(x)
        np.testing.assert_allclose(A(t.grad), np.asarray(want), 1e-6, err_msg=name)
    np.testing.assert_allclose(A(ops.squareplus(x, 2)), np.asarray(kops.squareplus(x, 2)), 1e-6)
    np.testing.assert_allclose(A(ops.celu(x, 0.5)), np.asarray(kops.celu(x, 0.5)), 1e-6)
    y = rng.standard_normal((2, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(A(ops.glu(y, axis=1)), np.asarray(kops.glu(y, axis=1)), 1e-6)


def test_activation_errors():
    with pytest.raises(ValueError, match=r"glu: axis -1 of x \(shape \(2, 3\)\) must have an even"):
        ops.glu(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"glu: axis 2 is out of range .*\(2, 4\)"):
        ops.glu(np.ones((2, 4)), axis=2)
    with pytest.raises(ValueError, match="squareplus: b must be >= 0"):
        ops.squareplus(np.ones(2), -1)


# -- structure -------------------------------------------------------------------------------


def test_one_hot_matches_keras(kops):
    x = np.array([[0, 2, 1], [3, -1, 5]], np.float32)
    for axis in (-1, 0, 1):
        np.testing.assert_array_equal(
            A(ops.one_hot(x, 4, axis=axis)), np.asarray(kops.one_hot(x.astype(int), 4, axis=axis))
        )
    with pytest.raises(ValueError, match="one_hot: axis 3 is out of range"):
        ops.one_hot(x, 4, axis=3)


@pytest.mark.parametrize(
    "s1,s2",
    [
        ((), (3,)),
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (4, 3, 2)),
    ],
    ids=str,
)
def test_dot_matches_numpy_with_gradients(s1, s2):
    check_op(ops.dot, np.dot, [rng.standard_normal(s1), rng.standard_normal(s2)])


@pytest.mark.parametrize("axes", [0, 1, 2, ([0, 2], [1, 0]), ([1], [2])], ids=str)
def test_tensordot_matches_numpy(axes):
    a, b = rng.standard_normal((3, 4, 2)), rng.standard_normal((2, 3, 4))
    if axes in (1, 2):
        b = rng.standard_normal((4, 2, 5)) if axes == 2 else rng.standard_normal((2, 5))
    check_op(lambda x, y: ops.tensordot(x, y, axes), lambda x, y: np.tensordot(x, y, axes), [a, b])
    with pytest.raises(ValueError, match="tensordot: axis 7 is out of range for x1"):
        ops.tensordot(np.ones((2, 2)), np.ones((2, 2)), ([7], [0]))


def test_outer_vdot_ravel_match_numpy():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(4)
    check_op(ops.outer, np.outer, [a, b])
    check_op(ops.vdot, np.vdot, [a, rng.standard_normal((3, 2))])
    check_op(ops.ravel, np.ravel, [a])


def test_stacks_and_unstack_match_numpy():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    check_op(lambda x, y: ops.hstack([x, y]), lambda x, y: np.hstack([x, y]), [a, b])
    c, d = rng.standard_normal(3), rng.standard_normal((2, 3))
    check_op(lambda x, y: ops.vstack([x, y]), lambda x, y: np.vstack([x, y]), [c, d])
    check_op(lambda x: ops.hstack([x, x]), lambda x: np.hstack([x, x]), [c])
    x = rng.standard_normal((2, 3, 4))
    for axis in (0, 1, -1):
        parts = ops.unstack(T(x.astype(np.float32)), axis=axis)
        want = [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
        assert len(parts) == len(want)
        for p, w in zip(parts, want):
            np.testing.assert_allclose(A(p), w, 1e-6)
    with pytest.raises(ValueError, match=r"unstack: num=2 but axis 1 of x \(shape \(2, 3, 4\)\)"):
        ops.unstack(x, num=2, axis=1)


@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3, 5])
@pytest.mark.parametrize("axes", [(0, 1), (1, 0), (0, 2), (-1, 1)], ids=str)
def test_diagonal_and_trace_match_numpy(offset, axes):
    x = rng.standard_normal((3, 4, 2))
    check_op(lambda t: ops.diagonal(t, offset, *axes), lambda a: np.diagonal(a, offset, *axes), [x])
    check_op(lambda t: ops.trace(t, offset, *axes), lambda a: np.trace(a, offset, *axes), [x])


@pytest.mark.parametrize("k", [-2, 0, 1])
def test_diag_matches_numpy(k):
    check_op(lambda t: ops.diag(t, k), lambda a: np.diag(a, k), [rng.standard_normal(3)])
    check_op(lambda t: ops.diag(t, k), lambda a: np.diag(a, k), [rng.standard_normal((3, 4))])
    with pytest.raises(ValueError, match=r"diag: x must be 1-D or 2-D, got shape \(\)"):
        ops.diag(np.float32(1.0))


def test_all_any_count_nonzero_match_numpy():
    x = np.array([[0.0, 1.0, np.nan], [0.0, 0.0, 0.0], [2.0, -1.0, 3.0]], np.float32)
    for axis in (None, 0, 1, (0, 1)):
        np.testing.assert_array_equal(A(ops.all(x, axis)), np.all(x, axis), err_msg=str(axis))
        np.testing.assert_array_equal(A(ops.any(x, axis)), np.any(x, axis), err_msg=str(axis))
        np.testing.assert_array_equal(
            A(ops.count_nonzero(x, axis)), np.count_nonzero(x, axis), err_msg=str(axis)
        )
    assert A(ops.all(x, 1, keepdims=True)).shape == (3, 1)
    assert A(ops.all(np.ones((0,)))) == 1.0 and A(ops.any(np.ones((0,)))) == 0.0


def test_average_matches_numpy_with_gradients():
    x, w = rng.standard_normal((3, 4)), rng.uniform(0.5, 2, (3, 4))
    check_op(lambda a: ops.average(a), np.average, [x])
    check_op(lambda a, b: ops.average(a, 1, b), lambda a, b: np.average(a, 1, b), [x, w])
    check_op(lambda a, b: ops.average(a, 0, b), lambda a, b: np.average(a, 0, b), [x, w[:, 0]])
    check_op(lambda a, b: ops.average(a, -1, b), lambda a, b: np.average(a, -1, b), [x, w[0]])
    with pytest.raises(ValueError, match=r"average: 1-D weights of length 3 differ from axis 1"):
        ops.average(x, 1, np.ones(3))


@pytest.mark.parametrize(
    "ord_,axis",
    [
        (None, None),
        (2, None),
        (1, None),
        (np.inf, None),
        (-np.inf, None),
        (3, None),
        (0, None),
        (None, 1),
        (1, 0),
        (np.inf, -1),
        ("fro", (0, 1)),
        (1, (0, 1)),
        (np.inf, (1, 0)),
        (-1, (0, 1)),
        (-np.inf, (0, 1)),
    ],
    ids=str,
)
def test_norm_matches_numpy(ord_, axis):
    x = rng.standard_normal((3, 4)) + 0.1
    if axis is None and ord_ not in (None, "fro"):
        x = x[0]  # a vector norm of a 1-D x; the matrix ones are below
    grad = ord_ != 0
    check_op(
        lambda t: ops.norm(t, ord_, axis), lambda a: np.linalg.norm(a, ord_, axis), [x], grad=grad
    )
    check_op(
        lambda t: ops.norm(t, ord_, axis, keepdims=True),
        lambda a: np.linalg.norm(a, ord_, axis, keepdims=True),
        [x],
        grad=False,
    )


def test_norm_refuses_spectral_and_matrix_norms_of_2d():
    np.testing.assert_allclose(
        A(ops.norm(np.float32([[1, -2], [3, 4]]), 1)), np.linalg.norm([[1, -2], [3, 4]], 1)
    )
    with pytest.raises(ValueError, match="norm: matrix ord=2 is not supported"):
        ops.norm(np.ones((2, 2)), 2)
    with pytest.raises(ValueError, match="norm: matrix ord='nuc' is not supported"):
        ops.norm(np.ones((2, 2)), "nuc", (0, 1))


def test_normalize_and_moments_match_keras(kops):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    for order in (1, 2, 3):
        for axis in (-1, 0):
            np.testing.assert_allclose(
                A(ops.normalize(x, axis, order)), np.asarray(kops.normalize(x, axis, order)), 1e-5
            )
    check_op(
        lambda t: ops.normalize(t), lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True), [x]
    )
    m, v = ops.moments(x, [0], keepdims=True)
    km, kv = kops.moments(x, [0], keepdims=True)
    np.testing.assert_allclose(A(m), np.asarray(km), 1e-6)
    np.testing.assert_allclose(A(v), np.asarray(kv), 1e-5)
    check_op(lambda t: ops.moments(t, 1)[1], lambda a: a.var(1), [x])


def test_size_ndim_is_tensor_convert_to_numpy():
    t = T(np.ones((2, 3), np.float32))
    assert ops.size(t) == 6 and ops.ndim(t) == 2 and ops.size(np.ones(4)) == 4
    assert ops.is_tensor(t) and not ops.is_tensor(np.ones(2))
    a = ops.convert_to_numpy(t)
    assert isinstance(a, np.ndarray) and a.shape == (2, 3)


# -- losses ----------------------------------------------------------------------------------


def test_losses_match_keras(kops):
    p = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    t = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float32)
    logits = (3 * rng.standard_normal((4, 3))).astype(np.float32)
    np.testing.assert_allclose(
        A(ops.binary_crossentropy(t, p)), np.asarray(kops.binary_crossentropy(t, p)), 1e-5
    )
    np.testing.assert_allclose(
        A(ops.binary_crossentropy(t, logits, from_logits=True)),
        np.asarray(kops.binary_crossentropy(t, logits, from_logits=True)),
        1e-5,
    )
    oh = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
    for from_logits, out in ((False, p), (True, logits)):
        np.testing.assert_allclose(
            A(ops.categorical_crossentropy(oh, out, from_logits)),
            np.asarray(kops.categorical_crossentropy(oh, out, from_logits)),
            1e-5,
        )
        idx = np.array([0, 2, 1, 2], np.float32)
        np.testing.assert_allclose(
            A(ops.sparse_categorical_crossentropy(idx, out, from_logits)),
            np.asarray(kops.sparse_categorical_crossentropy(idx.astype(int), out, from_logits)),
            1e-5,
        )
        np.testing.assert_allclose(
            A(ops.sparse_categorical_crossentropy(idx[:, None], out, from_logits)),
            np.asarray(kops.sparse_categorical_crossentropy(idx.astype(int), out, from_logits)),
            1e-5,
        )


def _np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_loss_gradients_match_finite_differences():
    t = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float64)
    p = rng.uniform(0.05, 0.95, (4, 3))
    check_op(
        lambda o: ops.binary_crossentropy(t, o),
        lambda o: -(t * np.log(o) + (1 - t) * np.log(1 - o)),
        [p],
    )
    check_op(
        lambda o: ops.binary_crossentropy(t, o, True),
        lambda o: -(t * -np.logaddexp(0, -o) + (1 - t) * -np.logaddexp(0, o)),
        [3 * rng.standard_normal((4, 3))],
    )
    oh = np.eye(3)[[0, 2, 1, 2]]
    check_op(
        lambda o: ops.categorical_crossentropy(oh, o, True),
        lambda o: -(oh * _np_log_softmax(o)).sum(-1),
        [rng.standard_normal((4, 3))],
    )
    check_op(
        lambda o: ops.sparse_categorical_crossentropy(np.array([0, 2, 1, 2]), o),
        lambda o: -(oh * np.log(o / o.sum(-1, keepdims=True))).sum(-1),
        [p],
    )


def test_loss_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"binary_crossentropy: .*\(2, 3\) and \(2, 2\)"):
        ops.binary_crossentropy(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: target's shape \(3,\)"):
        ops.sparse_categorical_crossentropy(np.ones(3), np.ones((2, 4)))


# -- in a traced custom layer ----------------------------------------------------------------


class PositionMix(nerve.layers.Layer):
    """Adds sin of the positions (arange of a traced length), a lower-triangle cumulative sum
    of the steps and a one-hot of the rounded first feature: ops recorded by name in the trace."""

    def call(self, x):
        length = ops.shape(x)[1]
        pos = ops.sin(ops.arange(length))  # [length]
        y = ops.add(x, ops.expand_dims(pos, -1))
        y = ops.matmul(y, ops.tri(3))
        first = ops.squeeze(ops.split(x, 3, axis=-1)[0], axis=-1)
        hot = ops.one_hot(ops.clip(ops.round(ops.abs(first)), 0, 3), 4)
        return ops.concatenate([ops.add(ops.log_sigmoid(y), ops.zeros_like(y)), hot], axis=-1)


def _position_mix_reference(x):
    length = x.shape[1]
    y = x + np.sin(np.arange(length))[:, None]
    y = y @ np.tri(x.shape[2])
    hot = np.eye(4)[np.clip(np.round(np.abs(x[..., 0])), 0, 3).astype(int)]
    return np.concatenate([-np.logaddexp(0, -y), hot], -1)


def test_new_ops_inside_a_traced_custom_layer():
    model = nerve.Sequential([nerve.Input((None, 3)), PositionMix()])
    for length in (2, 5):
        x = (1.3 * rng.standard_normal((4, length, 3))).astype(np.float32)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), _position_mix_reference(x.astype(np.float64)), 1e-5, 1e-5
        )


# -- scans and sorting -----------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod_match_numpy_with_gradients(name, axis):
    x = rng.uniform(0.5, 1.5, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    check_op(lambda t: getattr(ops, name)(t, axis), lambda a: getattr(np, name)(a, axis), [x])


def test_cumprod_gradient_is_exact_with_zeros():
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, 2.0]])
    check_op(lambda t: ops.cumprod(t, 1), lambda a: np.cumprod(a, 1), [x])


@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
def test_sort_argsort_match_numpy(axis):
    x = rng.standard_normal((3, 5))
    check_op(lambda t: ops.sort(t, axis), lambda a: np.sort(a, axis), [x])
    np.testing.assert_array_equal(
        A(ops.argsort(x.astype(np.float32), axis)), np.argsort(x.astype(np.float32), axis)
    )
    ties = np.array([[1.0, np.nan, 0.0, 1.0, 0.0, -2.0]], np.float32)
    np.testing.assert_array_equal(A(ops.argsort(ties)), np.argsort(ties, kind="stable"))


def test_top_k_matches_keras(kops):
    x = np.array([[1.0, 3.0, 3.0, -1.0, 2.0], [0.0, 0.0, 5.0, 1.0, 0.0]], np.float32)
    for k in (1, 3, 5):
        values, indices = ops.top_k(x, k)
        kv, ki = kops.top_k(x, k)
        np.testing.assert_array_equal(A(values), np.asarray(kv))
        np.testing.assert_array_equal(A(indices), np.asarray(ki))
    y = rng.standard_normal((2, 3, 6))
    check_op(lambda t: ops.top_k(t, 2)[0], lambda a: -np.sort(-a, -1)[..., :2], [y])
    with pytest.raises(
        ValueError, match=r"top_k: k=7 is more than the last axis of x \(shape \(2, 3, 6\)\)"
    ):
        ops.top_k(y, 7)
    with pytest.raises(ValueError, match="cumsum: axis 2 is out of range for x of shape"):
        ops.cumsum(np.ones((2, 2)), 2)


def test_erfinv_matches_keras_at_the_edges(kops):
    x = np.array([-1.0, -0.999999, -0.5, 0.0, 1e-6, 0.3, 0.99, 0.9999, 1.0, 1.5], np.float32)
    # JAX's float32 erfinv is ~3e-6 off near 1; nerve's is within 1e-6 of the float64 one
    np.testing.assert_allclose(A(ops.erfinv(x)), np.asarray(kops.erfinv(x)), 5e-6)
    inside = x[np.abs(x) < 1].astype(np.float64)
    np.testing.assert_allclose(A(ops.erfinv(inside)), _erfinv(inside), 1e-6, 1e-12)


class SortedCumulative(nerve.layers.Layer):
    """sort, top_k, cumsum and argsort on a traced input with a traced batch size."""

    def call(self, x):
        values, indices = ops.top_k(x, 2)
        return ops.concatenate(
            [ops.cumsum(ops.sort(x), axis=-1), values, indices, ops.argsort(x)], axis=-1
        )


def test_sort_and_scans_inside_a_traced_custom_layer():
    model = nerve.Sequential([nerve.Input((5,)), SortedCumulative()])
    x = rng.standard_normal((3, 5)).astype(np.float32)
    order = np.argsort(-x, -1, kind="stable")[:, :2]
    want = np.concatenate(
        [np.cumsum(np.sort(x), -1), np.take_along_axis(x, order, -1), order, np.argsort(x, -1)],
        -1,
    )
    np.testing.assert_allclose(model.predict(x, verbose=0), want, 1e-5, 1e-6)
