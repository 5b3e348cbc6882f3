"""Keras parity of layer arguments and of layer.losses, checked against Keras 3 itself
(KERAS_BACKEND=jax):

- tuple arguments (kernel_size, strides, dilation_rate, output_padding, pool_size, size, padding,
  cropping): what Keras's standardize_tuple accepts (one int, or exactly n entries for a layer
  of n spatial axes) nerve accepts with the same normalised config; what Keras refuses (a 1-tuple
  for a 2-D layer, a 3-tuple, ...) nerve refuses with a ValueError naming the layer, the
  argument, the value as written and what was expected. 1-D layers take 1-tuples, as Keras.
- an ActivityRegularization (or activity_regularizer) layer's `losses`: [] before any call and
  after predict / evaluate / fit, the penalty after a direct call, as in Keras.
"""

import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import nerve  # noqa: E402

# (layer class, the arguments, the tuple argument under test)
CASES = [
    ("UpSampling2D", dict(size=(2,)), "size"),
    ("UpSampling2D", dict(size=(2, 2, 2)), "size"),
    ("UpSampling2D", dict(size=[3]), "size"),
    ("UpSampling2D", dict(size=2), "size"),
    ("UpSampling2D", dict(size=(2, 3)), "size"),
    ("Conv2D", dict(filters=2, kernel_size=(3,)), "kernel_size"),
    ("Conv2D", dict(filters=2, kernel_size=[3]), "kernel_size"),
    ("Conv2D", dict(filters=2, kernel_size=(3, 3, 3)), "kernel_size"),
    ("Conv2D", dict(filters=2, kernel_size=3, strides=(2,)), "strides"),
    ("Conv2D", dict(filters=2, kernel_size=3, dilation_rate=(2,)), "dilation_rate"),
    ("Conv2D", dict(filters=2, kernel_size=(3, 1), strides=2), "strides"),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(3,)), "kernel_size"),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=(2,)), "strides"),
    (
        "Conv2DTranspose",
        dict(filters=2, kernel_size=3, strides=2, output_padding=(1,)),
        "output_padding",
    ),
    (
        "Conv2DTranspose",
        dict(filters=2, kernel_size=3, strides=2, output_padding=1),
        "output_padding",
    ),
    (
        "Conv2DTranspose",
        dict(filters=2, kernel_size=3, strides=2, output_padding=(1, 0)),
        "output_padding",
    ),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=(1,)), "dilation_rate"),
    ("MaxPooling2D", dict(pool_size=(2,)), "pool_size"),
    ("MaxPooling2D", dict(pool_size=2, strides=(2,)), "strides"),
    ("MaxPooling2D", dict(pool_size=(2, 3), strides=1), "strides"),
    ("AveragePooling2D", dict(pool_size=(2,)), "pool_size"),
    ("AveragePooling2D", dict(pool_size=3, strides=(1,)), "strides"),
    # 1-D layers: a 1-tuple is their full tuple
    ("Conv1D", dict(filters=2, kernel_size=(3,)), "kernel_size"),
    ("Conv1D", dict(filters=2, kernel_size=(3, 3)), "kernel_size"),
    ("Conv1D", dict(filters=2, kernel_size=3, strides=(2,)), "strides"),
    ("Conv1D", dict(filters=2, kernel_size=3, dilation_rate=(2,)), "dilation_rate"),
    ("Conv1D", dict(filters=2, kernel_size=3, strides=(2, 2)), "strides"),
    ("MaxPooling1D", dict(pool_size=(2,)), "pool_size"),
    ("MaxPooling1D", dict(pool_size=(2, 2)), "pool_size"),
    ("MaxPooling1D", dict(pool_size=2, strides=(1,)), "strides"),
    # (before, after) pair arguments
    ("ZeroPadding2D", dict(padding=(1,)), "padding"),
    ("ZeroPadding2D", dict(padding=((1, 2),)), "padding"),
    ("ZeroPadding2D", dict(padding=(1, 2, 3)), "padding"),
    ("ZeroPadding2D", dict(padding=((1, 2), 3)), "padding"),
    ("ZeroPadding2D", dict(padding=(1, 2)), "padding"),
    ("ZeroPadding2D", dict(padding=2), "padding"),
    ("Cropping2D", dict(cropping=(1,)), "cropping"),
    ("Cropping2D", dict(cropping=((1, 2),)), "cropping"),
    ("Cropping2D", dict(cropping=(1, 2, 3)), "cropping"),
    ("Cropping2D", dict(cropping=((1, 2), (0, 1))), "cropping"),
    ("Cropping2D", dict(cropping=1), "cropping"),
]


def _normalised(value):
    """A config value as nested tuples (Keras and nerve may differ in list vs tuple)."""
    if isinstance(value, (list, tuple)):
        return tuple(_normalised(v) for v in value)
    return value


@pytest.mark.parametrize("cls,kwargs,arg", CASES, ids=lambda v: str(v))
def test_tuple_argument_as_keras(cls, kwargs, arg):
    try:
        k_layer = getattr(keras.layers, cls)(**kwargs)
        keras_error = None
    except ValueError as e:
        keras_error = e
    if keras_error is not None:
        with pytest.raises(ValueError) as caught:
            getattr(nerve.layers, cls)(**kwargs)
        message = str(caught.value)
        # names the layer, the argument, the value as written and what it must be
        assert message.startswith(f"{cls} '"), message
        assert f": {arg} must be an int" in message, message
        assert message.endswith(f"got {kwargs[arg]!r}"), message
        assert re.search(r"tuple of \d+ ", message), message
        return
    n_layer = getattr(nerve.layers, cls)(**kwargs)
    k_config, n_config = k_layer.get_config(), n_layer.get_config()
    for name in kwargs:
        assert _normalised(n_config[name]) == _normalised(k_config[name]), name


def test_one_tuple_in_a_config_is_refused():
    """from_config (a saved model's layers) refuses a 1-tuple for a 2-D layer, as Keras does."""
    config = nerve.layers.UpSampling2D(size=2).get_config()
    config["size"] = [2]
    with pytest.raises(ValueError, match=r"size must be an int or a tuple of 2 ints, got \[2\]"):
        nerve.layers.UpSampling2D.from_config(config)
    k_config = keras.layers.UpSampling2D(size=2).get_config()
    k_config["size"] = [2]
    with pytest.raises((TypeError, ValueError), match="must be a tuple of 2 integers"):
        keras.layers.UpSampling2D.from_config(k_config)  # Keras wraps the ValueError


# ---- layer.losses after predict, evaluate, fit and a direct call -----------------------------

X = np.random.default_rng(5).normal(size=(8, 4)).astype("float32")
Y = np.random.default_rng(6).normal(size=(8, 3)).astype("float32")


def _model(library, layer):
    inp = library.Input((4,))
    dense = library.layers.Dense(3, kernel_initializer="ones", bias_initializer="zeros")
    model = library.Model(inp, layer(dense(inp)))
    model.compile(optimizer="sgd", loss="mse")
    return model


def _losses(layer):
    return [float(np.asarray(v)) for v in layer.losses]


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.layers.ActivityRegularization(l1=0.1, l2=0.2),
        lambda lib: lib.layers.Dense(3, kernel_initializer="ones", activity_regularizer="l2"),
    ],
    ids=["ActivityRegularization", "Dense(activity_regularizer)"],
)
@pytest.mark.parametrize("step", ["none", "predict", "evaluate", "fit", "call", "call+predict"])
def test_activity_losses_as_keras(make, step):
    got = {}
    for name, library in (("keras", keras), ("nerve", nerve)):
        layer = make(library)
        model = _model(library, layer)
        if "call" in step:
            model(X)
        if "predict" in step:
            model.predict(X, verbose=0)
        if step == "evaluate":
            model.evaluate(X, Y, verbose=0)
        if step == "fit":
            model.fit(X, Y, epochs=1, verbose=0)
        got[name] = _losses(layer)
    assert len(got["nerve"]) == len(got["keras"]), got
    if step in ("call",):
        assert got["keras"] and got["nerve"]  # a direct call holds the penalty in both
    # the Dense layers start from the same weights, so a held penalty agrees
    np.testing.assert_allclose(got["nerve"], got["keras"], rtol=1e-5)


def test_activity_losses_hold_a_zero_penalty_after_a_call():
    """[] (nothing held) differs from [0.0] (a penalty of zero): a call on zeros holds 0.0."""
    layer = nerve.layers.ActivityRegularization(l1=0.1)
    assert layer.losses == []
    layer(np.zeros((2, 3), np.float32))
    assert layer.losses == [0.0]
    k_layer = keras.layers.ActivityRegularization(l1=0.1)
    k_layer(np.zeros((2, 3), np.float32))
    assert _losses(k_layer) == [0.0]
