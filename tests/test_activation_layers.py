"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers: numbers against Keras 3, gradients against
float64 finite differences, bad arguments, get_config/from_config and save/load round trips."""

import os

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve import layers as L

from helpers import numeric_grad

os.environ.setdefault("KERAS_BACKEND", "jax")

RNG = np.random.default_rng(3)
# away from the kinks (0 and the thresholds), so finite differences are smooth there
X = (RNG.uniform(0.2, 1.5, (3, 4, 5)) * RNG.choice([-1, 1], (3, 4, 5))).astype(np.float32)

CASES = [
    ("ReLU", {}),
    ("ReLU", dict(max_value=1.2, negative_slope=0.1, threshold=0.1)),
    ("LeakyReLU", {}),
    ("LeakyReLU", dict(negative_slope=0.05)),
    ("ELU", {}),
    ("ELU", dict(alpha=0.6)),
    ("Softmax", {}),
    ("PReLU", dict(alpha_initializer="random_uniform")),
    ("PReLU", dict(alpha_initializer="random_uniform", shared_axes=[1])),
]


def _keras_output(keras, cls, kwargs, nerve_layer):
    k = getattr(keras.layers, cls)(**kwargs)
    k.build((None, *X.shape[1:]))
    if cls == "PReLU":
        k.set_weights(nerve_layer.get_weights())
    return np.asarray(k(X))


@pytest.mark.parametrize("cls,kwargs", CASES)
def test_matches_keras(cls, kwargs):
    keras = pytest.importorskip("keras")
    layer = getattr(L, cls)(**kwargs)
    y = np.asarray(layer(X))
    np.testing.assert_allclose(y, _keras_output(keras, cls, kwargs, layer), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,kwargs", CASES)
def test_gradients_match_finite_differences(cls, kwargs):
    layer = getattr(L, cls)(**kwargs)
    layer(X)  # builds
    w = RNG.normal(size=X.shape)  # a fixed projection makes the output a scalar
    x = _core.Tensor(X, requires_grad=True)
    params = [x, *layer._core.trainable_weights]
    y = layer._core(x, True)
    loss = _core.ops.sum(_core.ops.mul(y, _core.Tensor(w.astype(np.float32))))
    grads = _core.gradients(loss, params)
    weights = [np.array(p, dtype=np.float64) for p in params]

    def f(i):
        def value(v):
            vals = list(weights)
            vals[i] = v
            return float((_reference(cls, kwargs, vals) * w).sum())

        return value

    for i, g in enumerate(grads):
        np.testing.assert_allclose(
            np.array(g), numeric_grad(f(i), weights[i]), rtol=1e-4, atol=1e-5
        )


def _reference(cls, kw, vals):
    """The layer's formula in float64 numpy."""
    x = vals[0]
    if cls == "ReLU":
        t, s, m = kw.get("threshold", 0.0), kw.get("negative_slope", 0.0), kw.get("max_value")
        y = np.where(x >= t, x, s * (x - t))
        return y if m is None else np.minimum(y, m)
    if cls == "LeakyReLU":
        return np.where(x > 0, x, kw.get("negative_slope", 0.3) * x)
    if cls == "ELU":
        return np.where(x > 0, x, kw.get("alpha", 1.0) * np.expm1(np.minimum(x, 0)))
    if cls == "Softmax":
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    return np.where(x > 0, x, vals[1][None] * x)  # PReLU: alpha broadcast over the batch


def test_leaky_relu_takes_the_deprecated_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="alpha"):
        layer = L.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: L.ReLU(max_value=-1.0), r"ReLU '.*': max_value must be a non-negative number"),
        (lambda: L.ReLU(negative_slope=-0.1), r"ReLU '.*': negative_slope must be a non-negative"),
        (lambda: L.ReLU(threshold=-1), r"ReLU '.*': threshold must be a non-negative"),
        (lambda: L.ReLU(negative_slope=None), r"ReLU '.*': negative_slope must be given"),
        (lambda: L.LeakyReLU(negative_slope=-1), r"LeakyReLU '.*': negative_slope must be"),
        (lambda: L.ELU(alpha="big"), r"ELU '.*': alpha must be a number, got 'big'"),
        (lambda: L.PReLU(shared_axes=[0]), r"PReLU '.*': shared_axes must be axes of the input"),
        (lambda: L.PReLU(alpha_constraint="non_neg"), r"PReLU '.*': alpha_constraint='non_neg'"),
        (lambda: L.Softmax(axis=1)(X), r"Softmax '.*': only the last axis is supported"),
        (lambda: L.PReLU(shared_axes=[3])(X), r"PReLU '.*': shared axis 3 is out of range"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_prelu_trains_its_alpha_and_round_trips(tmp_path):
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [nerve.Input((5,)), L.Dense(8), L.PReLU(alpha_regularizer="l2"), L.Dense(1)]
    )
    model.compile("adam", "mse")
    x = RNG.normal(size=(64, 5)).astype(np.float32)
    y = np.abs(x).sum(1, keepdims=True)
    alpha = model.layers[1].get_weights()[0].copy()
    model.fit(x, y, epochs=2, verbose=0)
    assert not np.allclose(model.layers[1].get_weights()[0], alpha)
    assert model.layers[1].losses  # the alpha regularizer is in the loss
    model.save(tmp_path / "prelu.nerve")
    loaded = nerve.models.load_model(tmp_path / "prelu.nerve")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[1].get_config()["alpha_regularizer"]["class_name"] == "L2"


@pytest.mark.parametrize("cls,kwargs", CASES)
def test_config_and_save_round_trip(cls, kwargs, tmp_path):
    layer = getattr(L, cls)(**kwargs)
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    model = nerve.Sequential([nerve.Input(X.shape[1:]), layer])
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
