"""nerve.ops element-wise math, activations, comparisons, cast and the Tensor operators: numpy
oracles over broadcasting shapes, float64 finite differences of every gradient (broadcast
operands included), keras.ops where the two could differ, and errors that name the op."""

import importlib
import math
import os

import numpy as np
import pytest

import nerve
from nerve import ops

from helpers import numeric_grad

T = nerve.Tensor
rng = np.random.default_rng(7)
_erf = np.vectorize(math.erf)

# Operand shapes: equal, both broadcast, a trailing vector, 0-d on either side or both.
SHAPE_PAIRS = [
    ((2, 3), (2, 3)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((1,), (3, 2)),
    ((2, 3), (2, 1)),
    ((3, 1), (2, 3, 4)),
    ((2, 3, 4), (1, 3, 1)),
]


def normal(shape):
    return rng.standard_normal(shape)


def away_from_zero(shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 1.5, size=shape)


def positive(shape):
    return rng.uniform(0.5, 2.0, size=shape)


# name -> (numpy reference, sampler of x1, sampler of x2)
BINARY = {
    "add": (np.add, normal, normal),
    "subtract": (np.subtract, normal, normal),
    "multiply": (np.multiply, normal, normal),
    "divide": (np.divide, normal, away_from_zero),
    "power": (np.power, positive, normal),
    "maximum": (np.maximum, normal, normal),
    "minimum": (np.minimum, normal, normal),
}
COMPARISONS = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}
UNARY = {
    "negative": (np.negative, normal),
    "abs": (np.abs, away_from_zero),
    "square": (np.square, normal),
    "sqrt": (np.sqrt, positive),
    "exp": (np.exp, normal),
    "log": (np.log, positive),
    "log1p": (np.log1p, lambda s: rng.uniform(-0.5, 2.0, size=s)),
    "sign": (np.sign, away_from_zero),
}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "gelu": lambda x: (
        0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    ),  # keras.ops.gelu's default: approximate=True
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(np.minimum(x, 0)) - 1)),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "softmax": lambda x: _softmax(x, -1),
    "log_softmax": lambda x: np.log(_softmax(x, -1)),
}


def check_grads(fn, ref, arrays, rtol=2e-3, atol=3e-4, differentiable=None):
    """fn(tensors) matches ref(float64 arrays), and so do the gradients of a random projection of
    the output with respect to every input in `differentiable` (all by default)."""
    arrays = [np.asarray(a, np.float32) for a in arrays]
    tensors = [T(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    ref_out = ref(*[a.astype(np.float64) for a in arrays])
    assert np.shape(out) == np.shape(ref_out) if hasattr(out, "shape") else True
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=rtol, atol=atol)
    proj = rng.standard_normal(np.shape(ref_out)).astype(np.float32)
    with nerve.GradientTape() as tape:
        tape.watch(tensors)
        loss = nerve._core.ops.sum(nerve._core.ops.mul(fn(*tensors), T(proj)))
    grads = tape.gradient(loss, tensors)
    for i, a in enumerate(arrays):
        if differentiable is not None and i not in differentiable:
            continue

        def f(xi, i=i):
            args = [b.astype(np.float64) for b in arrays]
            args[i] = xi
            return float((ref(*args) * proj).sum())

        assert grads[i] is not None, f"no gradient for input {i}"
        got = np.asarray(grads[i])
        assert got.shape == a.shape, f"gradient {i} has shape {got.shape}, input {a.shape}"
        np.testing.assert_allclose(got, numeric_grad(f, a), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def keras_ops():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the Keras comparisons use the JAX backend")
    return keras.ops


# -- binary arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_numpy_and_finite_differences(name, shapes):
    ref, sample_a, sample_b = BINARY[name]
    a, b = sample_a(shapes[0]), sample_b(shapes[1])
    check_grads(getattr(ops, name), ref, [a, b])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_python_numbers_and_numpy_on_either_side(name):
    ref, sample_a, sample_b = BINARY[name]
    a = sample_a((2, 3)).astype(np.float32)
    b = float(sample_b(()))
    got = np.asarray(getattr(ops, name)(T(a), b))
    np.testing.assert_allclose(got, ref(a.astype(np.float64), b), rtol=1e-5, atol=1e-6)
    a2 = float(sample_a(()))
    b2 = sample_b((3,)).astype(np.float32)
    got = np.asarray(getattr(ops, name)(a2, T(b2)))
    np.testing.assert_allclose(got, ref(a2, b2.astype(np.float64)), rtol=1e-5, atol=1e-6)
    got = np.asarray(getattr(ops, name)(a, b2[:1]))  # numpy arrays only: still a tensor
    np.testing.assert_allclose(got, ref(a.astype(np.float64), b2[:1]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "shapes", [((301, 300), (300,)), ((301, 300), (301, 1)), ((7, 41, 300), (41, 1))]
)
def test_large_broadcasts_split_across_threads_match_numpy(shapes):
    """Chunks of the flat output start in the middle of a broadcast row or run."""
    a, b = normal(shapes[0]).astype(np.float32), normal(shapes[1]).astype(np.float32)
    for name in ("subtract", "maximum"):
        ref = BINARY[name][0]
        np.testing.assert_allclose(np.asarray(getattr(ops, name)(a, b)), ref(a, b), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(getattr(ops, name)(b, a)), ref(b, a), rtol=1e-6)


def test_a_large_broadcast_gradient_sums_in_order():
    """A bias-like operand broadcast over many rows receives the sum over those rows."""
    x = rng.standard_normal((300, 40)).astype(np.float32)
    b = T(rng.standard_normal(40).astype(np.float32), requires_grad=True)
    s = T(np.array(0.5, np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([b, s])
        loss = nerve._core.ops.sum(ops.multiply(ops.add(T(x), b), s))
    gb, gs = tape.gradient(loss, [b, s])
    np.testing.assert_allclose(np.asarray(gb), np.full(40, 300 * 0.5), rtol=1e-5)
    expected = (x.astype(np.float64) + np.asarray(b, np.float64)).sum()
    np.testing.assert_allclose(float(np.asarray(gs)), expected, rtol=1e-4)


def test_maximum_minimum_ties_split_the_gradient_as_jax(keras_ops):
    import jax

    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([1.0, 1.0, 4.0], np.float32)
    for name in ("maximum", "minimum"):
        ta, tb = T(a, requires_grad=True), T(b, requires_grad=True)
        with nerve.GradientTape() as tape:
            tape.watch([ta, tb])
            loss = nerve._core.ops.sum(getattr(ops, name)(ta, tb))
        got = [np.asarray(g) for g in tape.gradient(loss, [ta, tb])]
        kf = getattr(keras_ops, name)
        want = jax.grad(lambda x, y, kf=kf: kf(x, y).sum(), argnums=(0, 1))(a, b)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, np.asarray(w))


def test_power_gradients_match_jax_at_zero(keras_ops):
    import jax

    a = np.array([0.0, 2.0, 0.5], np.float32)
    b = np.array([2.0, 3.0, -1.0], np.float32)
    ta, tb = T(a, requires_grad=True), T(b, requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([ta, tb])
        loss = nerve._core.ops.sum(ops.power(ta, tb))
    got = [np.asarray(g) for g in tape.gradient(loss, [ta, tb])]
    want = jax.grad(lambda x, y: keras_ops.power(x, y).sum(), argnums=(0, 1))(a, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-6)


# -- comparisons and logic -----------------------------------------------------------------


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_and_logic_match_numpy_as_zero_one(name, shapes):
    # small integers: ties and zeros happen
    a = rng.integers(-1, 2, size=shapes[0]).astype(np.float32)
    b = rng.integers(-1, 2, size=shapes[1]).astype(np.float32)
    out = getattr(ops, name)(T(a), T(b))
    np.testing.assert_array_equal(np.asarray(out), COMPARISONS[name](a, b).astype(np.float32))


def test_logical_not_and_nan_counts_as_true():
    x = np.array([0.0, 2.0, -0.0, np.nan], np.float32)
    np.testing.assert_array_equal(np.asarray(ops.logical_not(x)), [1, 0, 1, 0])
    np.testing.assert_array_equal(np.asarray(ops.logical_and(x, 1.0)), [0, 1, 0, 1])


@pytest.mark.parametrize("name", sorted(COMPARISONS) + ["logical_not", "sign"])
def test_comparisons_record_no_gradient(name):
    x = T(normal((2, 3)).astype(np.float32), requires_grad=True)
    y = T(normal((2, 3)).astype(np.float32), requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([x, y])
        args = (x,) if name in ("logical_not", "sign") else (x, y)
        loss = nerve._core.ops.sum(ops.add(getattr(ops, name)(*args), ops.multiply(x, 0.0)))
    gx = tape.gradient(loss, [x])[0]
    np.testing.assert_array_equal(np.asarray(gx), np.zeros((2, 3)))


# -- unary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_numpy_and_finite_differences(name, shape):
    ref, sample = UNARY[name]
    check_grads(getattr(ops, name), ref, [sample(shape)])


def test_unary_on_a_non_contiguous_input_and_abs_alias():
    x = normal((3, 4)).astype(np.float32)
    xt = T(x)
    np.testing.assert_allclose(np.asarray(ops.absolute(xt)), np.abs(x))
    np.testing.assert_allclose(np.asarray(ops.exp(T(np.ascontiguousarray(x.T)))), np.exp(x.T), 1e-6)


def test_abs_gradient_at_zero_is_one_as_jax(keras_ops):
    import jax

    x = np.array([0.0, -1.0, 2.0], np.float32)
    t = T(x, requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([t])
        loss = nerve._core.ops.sum(ops.abs(t))
    want = jax.grad(lambda v: keras_ops.abs(v).sum())(x)
    np.testing.assert_array_equal(np.asarray(tape.gradient(loss, [t])[0]), np.asarray(want))


# -- clip and where --------------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (0.0, 2.0), (1.0, -1.0)])
def test_clip_matches_numpy_and_finite_differences(bounds):
    lo, hi = bounds
    # keep values away from the bounds, where the derivative jumps
    x = rng.uniform(-2, 2, size=(4, 5))
    x = np.where(np.minimum(np.abs(x - lo), np.abs(x - hi)) < 0.05, x + 0.1, x)
    check_grads(lambda t: ops.clip(t, lo, hi), lambda a: np.minimum(np.maximum(a, lo), hi), [x])


def test_clip_gradient_on_the_bounds_matches_keras(keras_ops):
    import jax

    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0], np.float32)
    t = T(x, requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([t])
        loss = nerve._core.ops.sum(ops.clip(t, 0.0, 1.0))
    want = jax.grad(lambda v: keras_ops.clip(v, 0.0, 1.0).sum())(x)
    np.testing.assert_array_equal(np.asarray(tape.gradient(loss, [t])[0]), np.asarray(want))
    np.testing.assert_array_equal(np.asarray(want), [0, 0.5, 1, 0.5, 0])


def test_clip_with_tensor_bounds_broadcasts():
    x = rng.uniform(-2, 2, size=(3, 4))
    lo = rng.uniform(-1.5, -0.5, size=(4,))
    hi = rng.uniform(0.5, 1.5, size=(3, 1))
    check_grads(
        lambda t, a, b: ops.clip(t, a, b),
        lambda t, a, b: np.minimum(np.maximum(t, a), b),
        [x, lo, hi],
    )


WHERE_SHAPES = [
    ((2, 3), (2, 3), (2, 3)),
    ((2, 1), (3,), (2, 3)),
    ((), (2, 3), ()),
    ((3, 1, 1), (1, 4, 1), (2,)),
]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=str)
def test_where_matches_numpy_and_finite_differences(shapes):
    c = rng.integers(0, 2, size=shapes[0]).astype(np.float64)
    x1, x2 = normal(shapes[1]), normal(shapes[2])
    check_grads(
        lambda tc, a, b: ops.where(tc, a, b),
        lambda tc, a, b: np.where(tc != 0, a, b),
        [c, x1, x2],
        differentiable=(1, 2),
    )


def test_where_without_x1_x2_is_refused():
    with pytest.raises(ValueError, match="where: the form without x1 and x2"):
        ops.where(np.ones(3))


# -- cast and stop_gradient ------------------------------------------------------------------


def test_cast_to_float32_keeps_values_and_gradient():
    x = normal((2, 3))
    check_grads(lambda t: ops.cast(t, "float32"), lambda a: a, [x])
    check_grads(lambda t: ops.cast(t, np.float32), lambda a: a, [x])
    check_grads(lambda t: ops.cast(t, None), lambda a: a, [x])  # Keras: None is floatx


@pytest.mark.parametrize(
    "dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", int, "int", np.int16]
)
def test_cast_to_integers_truncates_toward_zero(dtype):
    x = np.array([-2.7, -0.5, 0.0, 0.5, 1.9, 3.0, 100.4], np.float32)
    want = np.trunc(x)
    if isinstance(dtype, str) and dtype.startswith("uint"):
        want = np.maximum(want, 0)
    np.testing.assert_array_equal(np.asarray(ops.cast(x, dtype)), want)


def test_cast_saturates_as_keras(keras_ops):
    x = np.array([-1.7, 300.0, -300.0, 2.5, 1e10, -1e10, np.nan], np.float32)
    for dtype in ("uint8", "int8", "int16", "int32"):
        # from a backend tensor: a numpy input would be cast by numpy (wrapping), not by XLA
        want = np.asarray(keras_ops.cast(keras_ops.convert_to_tensor(x), dtype)).astype(np.float32)
        np.testing.assert_array_equal(np.asarray(ops.cast(x, dtype)), want, err_msg=dtype)


def test_cast_to_bool_and_no_gradient_for_non_float():
    x = np.array([0.0, -0.0, 0.1, -3.0, np.nan], np.float32)
    np.testing.assert_array_equal(np.asarray(ops.cast(x, "bool")), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(np.asarray(ops.cast(x, bool)), [0, 0, 1, 1, 1])
    t = T(normal((3,)).astype(np.float32), requires_grad=True)
    for dtype in ("bool", "int32"):
        with nerve.GradientTape() as tape:
            tape.watch([t])
            loss = nerve._core.ops.sum(ops.add(ops.cast(t, dtype), ops.multiply(t, 0.0)))
        np.testing.assert_array_equal(np.asarray(tape.gradient(loss, [t])[0]), np.zeros(3))


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "string", np.complex64])
def test_cast_to_an_unsupported_dtype_names_the_op(dtype):
    with pytest.raises(ValueError, match=r"cast: cannot cast a tensor of shape \(2,\) to dtype"):
        ops.cast(np.ones(2), dtype)


def test_cast_with_a_non_dtype_is_a_type_error():
    for bad in (3, ["int32"]):
        with pytest.raises(TypeError, match="cast: dtype must be"):
            ops.cast(np.ones(2), bad)


def test_stop_gradient_blocks_the_gradient():
    x = normal((2, 3)).astype(np.float32)
    t = T(x, requires_grad=True)
    with nerve.GradientTape() as tape:
        tape.watch([t])
        loss = nerve._core.ops.sum(ops.multiply(t, ops.stop_gradient(t)))
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, [t])[0]), x)  # not 2x
    np.testing.assert_array_equal(np.asarray(ops.stop_gradient(t)), x)


def test_cast_and_stop_gradient_copy_their_input():
    """As with Keras's immutable tensors, their results keep their values when x's memory is
    later updated in place (an optimizer step on a weight)."""
    x = np.ones(3, np.float32)
    t = T(x)
    results = [ops.cast(t, "float32"), ops.stop_gradient(t), ops.cast(t, "int32")]
    np.asarray(t)[:] = 5.0  # a view of t's memory
    for r in results:
        np.testing.assert_array_equal(np.asarray(r), [1, 1, 1])


# -- activations -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy_and_finite_differences(name, shape):
    if name in ("softmax", "log_softmax") and shape == ():
        with pytest.raises(ValueError, match=rf"{name}: axis -1 is out of range .* shape \(\)"):
            getattr(ops, name)(np.float32(1.0))
        return
    x = away_from_zero(shape) * 2
    if name == "relu6":
        x = x * 3  # reach the top bend too, away from it
        x = np.where(np.abs(x - 6) < 0.1, x + 0.3, x)
    if name == "hard_sigmoid":
        x = np.where(np.abs(np.abs(x) - 3) < 0.1, x + 0.3, x) * 2
    check_grads(getattr(ops, name), ACTIVATIONS[name], [x])


@pytest.mark.parametrize("axis", [0, 1, -1, -3])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_over_any_axis(name, axis):
    x = normal((2, 3, 4))
    ref = (
        (lambda a: _softmax(a, axis))
        if name == "softmax"
        else (lambda a: np.log(_softmax(a, axis)))
    )
    check_grads(lambda t: getattr(ops, name)(t, axis=axis), ref, [x])


def test_activation_arguments():
    x = away_from_zero((3, 4))
    check_grads(
        lambda t: ops.leaky_relu(t, negative_slope=0.05),
        lambda a: np.where(a > 0, a, 0.05 * a),
        [x],
    )
    check_grads(
        lambda t: ops.elu(t, alpha=0.5),
        lambda a: np.where(a > 0, a, 0.5 * (np.exp(np.minimum(a, 0)) - 1)),
        [x],
    )
    check_grads(
        lambda t: ops.gelu(t, approximate=False),
        lambda a: 0.5 * a * (1 + _erf(a / np.sqrt(2))),
        [x],
    )


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_keras_defaults(name, keras_ops):
    """Defaults where Keras could differ from a textbook: gelu approximate=True, leaky_relu 0.2,
    hard_sigmoid's Keras 3 slope."""
    x = np.linspace(-7, 7, 36, dtype=np.float32).reshape(3, 12)
    want = np.asarray(getattr(keras_ops, name)(x))
    np.testing.assert_allclose(np.asarray(getattr(ops, name)(x)), want, rtol=2e-5, atol=2e-6)


def test_gelu_and_leaky_relu_gradients_match_keras(keras_ops):
    import jax

    x = np.linspace(-3, 3, 13, dtype=np.float32)
    for name in ("gelu", "leaky_relu", "elu", "hard_sigmoid"):
        t = T(x, requires_grad=True)
        with nerve.GradientTape() as tape:
            tape.watch([t])
            loss = nerve._core.ops.sum(getattr(ops, name)(t))
        kf = getattr(keras_ops, name)
        want = jax.grad(lambda v, kf=kf: kf(v).sum())(x)
        got = np.asarray(tape.gradient(loss, [t])[0])
        # kinks (0 for leaky_relu / elu, +-3 for hard_sigmoid): the one-sided choice differs
        keep = (np.abs(np.abs(x) - 3) > 1e-6) & (x != 0)
        np.testing.assert_allclose(
            got[keep], np.asarray(want)[keep], rtol=1e-5, atol=1e-6, err_msg=name
        )


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(COMPARISONS))
def test_mismatched_shapes_name_the_op_both_shapes_and_the_axis(name):
    with pytest.raises(
        ValueError, match=rf"{name}: shapes \(2, 3\) and \(4,\) .*axis -1 has sizes 3 and 4"
    ):
        getattr(ops, name)(np.ones((2, 3)), np.ones(4))


def test_where_mismatch_names_all_three_shapes():
    with pytest.raises(
        ValueError, match=r"where: shapes \(2,\) \(condition\), \(3,\) \(x1\) and \(\) \(x2\)"
    ):
        ops.where(np.ones(2), np.ones(3), 0.0)


def test_softmax_axis_errors_name_op_shape_and_axis():
    with pytest.raises(
        ValueError, match=r"softmax: axis 3 is out of range for a tensor of shape \(2, 3\)"
    ):
        ops.softmax(np.ones((2, 3)), axis=3)
    with pytest.raises(ValueError, match="log_softmax: axis must be an int or a tuple of ints"):
        ops.log_softmax(np.ones((2, 3)), axis=1.5)
    with pytest.raises(ValueError, match=r"softmax: axis 2 \(in axis=\(0, 2\)\) is out of range"):
        ops.softmax(np.ones((2, 3)), axis=(0, 2))
    with pytest.raises(ValueError, match="must name distinct axes"):
        ops.softmax(np.ones((2, 3)), axis=(1, -1))


def test_python_numbers_stay_zero_dimensional():
    assert np.shape(ops.add(1.0, 2.0)) == ()
    assert np.shape(ops.where(1.0, 2.0, np.float32(3.0))) == ()
    assert np.shape(ops.multiply(np.ones((2, 3)), 2)) == (2, 3)


def test_clip_without_a_bound_is_a_type_error():
    with pytest.raises(TypeError, match="clip: x_min and x_max must be numbers or tensors"):
        ops.clip(np.ones(2), None, 1.0)


def test_a_non_numeric_operand_is_a_type_error():
    with pytest.raises(TypeError, match="add: argument 1 must be"):
        ops.add(np.ones(2), "x")


# -- devices -------------------------------------------------------------------------------


def test_math_runs_on_the_poison_device_and_needs_its_kernels():
    """The ops reach memory only through their device's kernel table: on the poison device (freed
    memory poisoned) they give the CPU's numbers, gradients included; without its math kernels
    the op says so."""
    _core = nerve._core
    poison = _core._testing.register_poison_device()
    a, b = normal((3, 1)).astype(np.float32), normal((1, 4)).astype(np.float32)

    def run():
        ta, tb = T(a, requires_grad=True), T(b, requires_grad=True)
        with nerve.GradientTape() as tape:
            tape.watch([ta, tb])
            y = ops.where(
                ops.greater(ta, 0.0), ops.multiply(ta, tb), ops.clip(ops.exp(tb), 0.5, 2.0)
            )
            loss = _core.ops.sum(ops.softmax(y, axis=0))
        return [np.asarray(t.to("cpu")) for t in [y, *tape.gradient(loss, [ta, tb])]]

    on_cpu = run()
    with nerve.device(poison):
        on_poison = run()
    for p, c in zip(on_poison, on_cpu):
        np.testing.assert_array_equal(p, c)
    _core._testing.blank_poison_kernels("math")
    try:
        with nerve.device(poison):
            with pytest.raises(RuntimeError, match="op 'add' has no kernel on device poison"):
                ops.add(T(a), T(b))
    finally:
        _core._testing.restore_poison_kernels()


# -- Tensor operators ------------------------------------------------------------------------


def test_operators_with_tensors_numpy_and_python_numbers_on_both_sides():
    a = rng.uniform(0.5, 2, size=(2, 3)).astype(np.float32)
    b = rng.uniform(0.5, 2, size=(3,)).astype(np.float32)
    t, u = T(a), T(b)
    cases = [
        (t + u, a + b),
        (t - 2.0, a - 2),
        (2.0 - t, 2 - a),
        (t * b, a * b),
        (b * t, b * a),
        (t / 4, a / 4),
        (4 / t, 4 / a),
        (b / t, b / a),
        (t**2, a**2),
        (2**t, 2**a),
        (b**t, b**a),
        (-t, -a),
        (abs(-t), a),
        (t < 1.0, a < 1),
        (1.0 < t, 1 < a),
        (t <= u, a <= b),
        (t > b, a > b),
        (b >= t, b >= a),
        (t @ T(a.T.copy()), a @ a.T),
    ]
    for got, want in cases:
        assert isinstance(got, T), type(got)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want, np.float64), rtol=1e-5)


def test_numpy_rmatmul_and_other_ufuncs_keep_numpy_behaviour():
    a = normal((2, 3)).astype(np.float32)
    t = T(a)
    got = np.ones((4, 2), np.float32) @ t
    assert isinstance(got, T)
    np.testing.assert_allclose(np.asarray(got), np.ones((4, 2)) @ a, rtol=1e-5)
    e = np.exp(t)  # not an operator: numpy on the values, as before
    assert isinstance(e, np.ndarray)
    np.testing.assert_allclose(e, np.exp(a), rtol=1e-6)


def test_operator_gradients():
    check_grads(
        lambda x, y: (x * y - y / 2.0) ** 2 + (-x),
        lambda x, y: (x * y - y / 2.0) ** 2 - x,
        [normal((3, 1)), normal((4,))],
    )


def test_tensors_stay_hashable_and_identity_equal():
    t = T(np.zeros(3, np.float32))
    u = T(np.zeros(3, np.float32))
    assert {t: 1}[t] == 1
    assert t == t and t != u  # identity, not element-wise


def test_indexing_goes_to_shape_getitem():
    t = T(np.arange(6, dtype=np.float32).reshape(2, 3))
    if getattr(importlib.import_module("nerve.ops.shape"), "getitem", None) is None:
        with pytest.raises(NotImplementedError, match="nerve.ops.shape.getitem"):
            t[0]
    else:
        np.testing.assert_array_equal(np.asarray(t[0]), [0, 1, 2])


def test_install_operators_on_another_class_routes_through_apply():
    from nerve.ops import _dispatch, _tensor_methods

    recorded = []

    class Symbolic:
        @classmethod
        def _nerve_apply_op(cls, op, inputs, attrs, single):
            recorded.append((op, len(inputs)))
            return Symbolic()

    _tensor_methods.install_operators(Symbolic)
    s = Symbolic()
    _ = 1.0 - (s * 2.0) ** 3 < s
    assert [op for op, _ in recorded] == ["multiply", "power", "subtract", "less"]
    assert _dispatch.active_tracers == []


def test_signatures_match_keras_ops(keras_ops):
    """Every op here takes Keras's parameters, with Keras's defaults."""
    import inspect

    from nerve.ops import math as math_ops
    from nerve.ops import nn as nn_ops

    names = math_ops.__all__ + nn_ops.__all__ + ["cast", "stop_gradient"]
    for name in names:
        ours = inspect.signature(getattr(ops, name)).parameters
        theirs = inspect.signature(getattr(keras_ops, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()
        ], name
