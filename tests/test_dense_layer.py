"""Dense layer, Sequential plumbing, weights, summary, initializers."""

import numpy as np
import pytest

import nerve
from nerve.layers import Activation, Dense


def _model(*layers, input_shape=(4,)):
    return nerve.Sequential([nerve.Input(input_shape), *layers])


def test_dense_forward_matches_numpy():
    nerve.utils.set_random_seed(3)
    m = _model(Dense(5, activation="relu"), Dense(3, activation="softmax"))
    x = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    w1, b1, w2, b2 = [w.astype(np.float64) for w in m.get_weights()]
    h = np.maximum(x @ w1 + b1, 0)
    z = h @ w2 + b2
    ref = np.exp(z - z.max(1, keepdims=True))
    ref /= ref.sum(1, keepdims=True)
    np.testing.assert_allclose(m.predict(x), ref, rtol=1e-5, atol=1e-6)


def test_weights_roundtrip_and_shapes():
    m = _model(Dense(3), Activation("tanh"), Dense(2, use_bias=False))
    shapes = [w.shape for w in m.get_weights()]
    assert shapes == [(4, 3), (3,), (3, 2)]
    new = [np.full(s, i + 1, np.float32) for i, s in enumerate(shapes)]
    m.set_weights(new)
    for a, b in zip(m.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="weight 0 has shape \\(4, 3\\)"):
        m.set_weights([np.zeros((3, 3))] + new[1:])
    with pytest.raises(ValueError, match="3 weight arrays, got 1"):
        m.set_weights(new[:1])


def test_get_weights_returns_copies():
    m = _model(Dense(2))
    w = m.get_weights()[0]
    w[...] = 123.0
    assert not np.any(m.get_weights()[0] == 123.0)


def test_input_shape_kwarg_and_add_builds():
    m = nerve.Sequential()
    m.add(Dense(8, input_shape=(3,)))
    m.add(Dense(1))
    assert m.built and m.output_shape == (None, 1) and m.input_shape == (None, 3)
    assert m.count_params() == 3 * 8 + 8 + 8 + 1


def test_summary_lists_layers_shapes_and_params(capsys):
    m = _model(Dense(16, activation="relu", name="hidden"), Dense(1, name="out"), input_shape=(2,))
    m.summary()
    out = capsys.readouterr().out
    assert "hidden (Dense)" in out and "(None, 16)" in out and "48" in out
    assert "out (Dense)" in out and "(None, 1)" in out and "17" in out
    assert "Total params: 65" in out and "Trainable params: 65" in out


def test_trainable_false_reports_non_trainable_params(capsys):
    d = Dense(4)
    m = _model(d, Dense(1))
    d.trainable = False
    m.summary()
    assert "Non-trainable params: 20" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name,check",
    [
        ("glorot_uniform", lambda w, fi, fo: np.abs(w).max() <= np.sqrt(6 / (fi + fo)) + 1e-6),
        ("he_normal", lambda w, fi, fo: abs(w.std() - np.sqrt(2 / fi)) < 0.1 * np.sqrt(2 / fi)),
        ("zeros", lambda w, fi, fo: not w.any()),
        ("ones", lambda w, fi, fo: np.all(w == 1)),
    ],
)
def test_initializers(name, check):
    m = _model(Dense(300, kernel_initializer=name), input_shape=(200,))
    w = m.get_weights()[0]
    assert check(w, 200, 300)


def test_glorot_uniform_statistics():
    m = _model(Dense(400), input_shape=(300,))
    w = m.get_weights()[0]
    limit = np.sqrt(6 / 700)
    assert abs(w.mean()) < 0.01 * limit
    np.testing.assert_allclose(w.std(), limit / np.sqrt(3), rtol=0.02)


def test_seed_makes_initialisation_reproducible():
    def weights(seed):
        nerve.utils.set_random_seed(seed)
        return _model(Dense(5), Dense(2)).get_weights()

    a, b, c = weights(7), weights(7), weights(8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_activation_functions_module():
    x = np.array([-2.0, 0.5], np.float32)
    np.testing.assert_allclose(nerve.activations.relu(x), [0, 0.5])
    np.testing.assert_allclose(nerve.activations.leaky_relu(x), [-0.4, 0.5], rtol=1e-6)
    np.testing.assert_allclose(nerve.activations.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-6)


@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "sigmoid", "softmax", "gelu"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_op_inference_is_the_recorded_forward(x_shape, activation, use_bias):
    """The dense op skips its autograd node when nothing records (inference writes the product
    straight into the result): the values and shape are those of the recorded forward, bit for
    bit, and the recorded one still differentiates."""
    from nerve import _core

    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((5, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32) if use_bias else None
    bias = None if b is None else _core.Tensor(b)
    plain = _core.ops.dense(_core.Tensor(x), _core.Tensor(w), bias, activation)
    wt = _core.Tensor(w, requires_grad=True)
    recorded = _core.ops.dense(_core.Tensor(x), wt, bias, activation)
    assert plain.grad_fn is None and recorded.grad_fn is not None
    assert plain.shape == recorded.shape == (*x_shape[:-1], 4)
    np.testing.assert_array_equal(np.asarray(plain), np.asarray(recorded))
    _core.ops.sum(recorded).backward()  # the kernel's gradient: x^T dz, summed over rows
    assert wt.grad is not None and np.asarray(wt.grad).shape == (5, 4)
