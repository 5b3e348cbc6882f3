"""Finite-difference checks (float64 numpy references) for every op and loss of the C++ autograd."""

import math

import numpy as np
import pytest

import nerve

from helpers import numeric_grad

ops = nerve._core.ops
T = nerve.Tensor
rng = np.random.default_rng(0)
_erf = np.vectorize(math.erf)


def away_from_zero(shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.5, size=shape)


REF_ACT = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "softmax": lambda x: (
        np.exp(x - x.max(-1, keepdims=True))
        / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)
    ),
}
ALPHA = {"leaky_relu": 0.2, "elu": 1.0}


def check(cpp_fn, ref_fn, inputs, rtol=2e-3, atol=2e-4):
    """cpp_fn(tensors) and ref_fn(float64 arrays) give the same output and input gradients
    (checked through a random projection of the output, so every output element matters)."""
    arrays = [np.asarray(a, np.float32) for a in inputs]
    tensors = [T(a.copy(), requires_grad=True) for a in arrays]
    out = cpp_fn(*tensors)
    ref_out = ref_fn(*[a.astype(np.float64) for a in arrays])
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=rtol, atol=atol)
    proj = rng.standard_normal(np.shape(ref_out)).astype(np.float32)
    ops.sum(ops.mul(out, T(proj))).backward() if np.ndim(ref_out) else ops.scale(
        out, float(proj)
    ).backward()
    for i, (a, t) in enumerate(zip(arrays, tensors)):

        def f(xi, i=i):
            args = [b.astype(np.float64) for b in arrays]
            args[i] = xi
            return float((ref_fn(*args) * proj).sum())

        num = numeric_grad(f, a)
        assert t.grad is not None, f"no gradient for input {i}"
        np.testing.assert_allclose(
            np.asarray(t.grad), num, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}"
        )


@pytest.mark.parametrize("act", list(REF_ACT))
def test_activation_op(act):
    x = away_from_zero((3, 5))
    check(lambda t: ops.activation(t, act, ALPHA.get(act, 0.0)), REF_ACT[act], [x])


@pytest.mark.parametrize("act", list(REF_ACT))
@pytest.mark.parametrize("bias", [True, False])
def test_dense_op(act, bias):
    x, w, b = away_from_zero((4, 3)), rng.normal(size=(3, 5)) * 0.5, rng.normal(size=5) * 0.3
    # keep pre-activations away from relu's kink
    if act in ("relu", "leaky_relu", "elu"):
        z = x @ w + (b if bias else 0)
        b = b + np.where(np.abs(z).min(0) < 0.05, 0.2, 0.0) if bias else b
    if bias:
        check(
            lambda x_, w_, b_: ops.dense(x_, w_, b_, act, ALPHA.get(act, 0.0)),
            lambda x_, w_, b_: REF_ACT[act](x_ @ w_ + b_),
            [x, w, b],
        )
    else:
        check(
            lambda x_, w_: ops.dense(x_, w_, None, act, ALPHA.get(act, 0.0)),
            lambda x_, w_: REF_ACT[act](x_ @ w_),
            [x, w],
        )


def test_dense_on_3d_input_applies_to_last_axis():
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 6)), rng.normal(size=6)
    check(
        lambda x_, w_, b_: ops.dense(x_, w_, b_, "tanh"),
        lambda x_, w_, b_: np.tanh(x_ @ w_ + b_),
        [x, w, b],
    )


def test_matmul_op():
    check(ops.matmul, lambda a, b: a @ b, [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))])


@pytest.mark.parametrize("name,ref", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply)])
def test_binary_ops(name, ref):
    check(getattr(ops, name), ref, [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))])


def test_scale_sum_mean_reshape():
    x = rng.normal(size=(3, 4))
    check(lambda t: ops.scale(t, -2.5), lambda a: -2.5 * a, [x])
    check(ops.sum, np.sum, [x])
    check(ops.mean, np.mean, [x])
    check(lambda t: t.reshape([4, 3]), lambda a: a.reshape(4, 3), [x])


# ---- losses -----------------------------------------------------------------------------------
def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _lse(z):
    m = z.max(-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(-1, keepdims=True)))[..., 0]


def test_mse_and_mae():
    p, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    tt = T(t.astype(np.float32))
    check(lambda p_: ops.loss("mse", p_, tt), lambda p_: ((p_ - t) ** 2).mean(), [p])
    check(lambda p_: ops.loss("mae", p_, tt), lambda p_: np.abs(p_ - t).mean(), [p])


def test_binary_crossentropy_on_probabilities():
    p, t = rng.uniform(0.05, 0.95, size=(5, 2)), rng.integers(0, 2, size=(5, 2)).astype(float)
    tt = T(t.astype(np.float32))
    check(
        lambda p_: ops.loss("binary_crossentropy", p_, tt),
        lambda p_: -(t * np.log(p_) + (1 - t) * np.log(1 - p_)).mean(),
        [p],
    )


def _bce_logits(z, t):
    return (np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).mean()


def test_binary_crossentropy_from_logits_and_through_sigmoid():
    z, t = rng.normal(size=(5, 1)) * 3, rng.integers(0, 2, size=(5, 1)).astype(float)
    tt = T(t.astype(np.float32))
    check(
        lambda z_: ops.loss("binary_crossentropy", z_, tt, True), lambda z_: _bce_logits(z_, t), [z]
    )
    # sigmoid output: the loss uses the remembered logits (exact, gradient straight to z)
    check(
        lambda z_: ops.loss("binary_crossentropy", ops.activation(z_, "sigmoid"), tt),
        lambda z_: _bce_logits(z_, t),
        [z],
    )


def test_categorical_crossentropy_variants():
    z = rng.normal(size=(4, 5)) * 2
    t = np.eye(5)[rng.integers(0, 5, size=4)]
    labels = t.argmax(1).astype(np.float32)
    tt, lt = T(t.astype(np.float32)), T(labels)
    ref = lambda z_: (_lse(z_) - (z_ * t).sum(-1)).mean()  # noqa: E731
    check(lambda z_: ops.loss("categorical_crossentropy", z_, tt, True), ref, [z])
    check(lambda z_: ops.loss("categorical_crossentropy", ops.softmax(z_), tt), ref, [z])
    check(lambda z_: ops.loss("sparse_categorical_crossentropy", z_, lt, True), ref, [z])
    check(lambda z_: ops.loss("sparse_categorical_crossentropy", ops.softmax(z_), lt), ref, [z])
    # on probabilities that did not come from softmax: Keras renormalises and clips
    p = rng.uniform(0.1, 1.0, size=(4, 5))
    check(
        lambda p_: ops.loss("categorical_crossentropy", p_, tt),
        lambda p_: -(t * np.log(p_ / p_.sum(-1, keepdims=True))).sum(-1).mean(),
        [p],
    )
    check(
        lambda p_: ops.loss("sparse_categorical_crossentropy", p_, lt),
        lambda p_: -(t * np.log(p_ / p_.sum(-1, keepdims=True))).sum(-1).mean(),
        [p],
    )


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_crossentropy_is_stable_for_huge_logits(scale):
    z = rng.normal(size=(3, 4)) * scale
    labels = np.array([0, 1, 3], np.float32)
    zt = T(z.astype(np.float32), requires_grad=True)
    loss = ops.loss("sparse_categorical_crossentropy", ops.softmax(zt), T(labels))
    expected = (
        _lse(z.astype(np.float32).astype(np.float64))
        - z.astype(np.float32).astype(np.float64)[np.arange(3), labels.astype(int)]
    ).mean()
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-5)
    loss.backward()
    g = np.asarray(zt.grad)
    assert np.isfinite(g).all()
    # gradient = (softmax - onehot)/B, each row sums to zero
    np.testing.assert_allclose(g.sum(1), 0.0, atol=1e-6)


def test_sigmoid_bce_is_stable_for_huge_logits():
    z = np.array([[1e4], [-1e4], [30.0]], np.float32)
    t = np.array([[0.0], [1.0], [1.0]], np.float32)
    zt = T(z, requires_grad=True)
    loss = ops.loss("binary_crossentropy", ops.activation(zt, "sigmoid"), T(t))
    np.testing.assert_allclose(loss.item(), _bce_logits(z.astype(np.float64), t), rtol=1e-6)
    loss.backward()
    assert np.isfinite(np.asarray(zt.grad)).all()


def test_sparse_labels_out_of_range_raise():
    z = T(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="not an integer in \\[0, 3\\)"):
        ops.loss("sparse_categorical_crossentropy", z, T(np.array([0, 3], np.float32)), True)
    with pytest.raises(ValueError, match="not an integer"):
        ops.loss("sparse_categorical_crossentropy", z, T(np.array([0, 1.5], np.float32)), True)
