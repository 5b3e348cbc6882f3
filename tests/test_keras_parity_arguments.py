"""Keras parity of layer arguments and of layer.losses, checked against Keras 3 itself
(KERAS_BACKEND=jax):

- tuple arguments (kernel_size, strides, dilation_rate, output_padding, pool_size, size, padding,
  cropping): what Keras's standardize_tuple accepts (one int, or exactly n entries for a layer
  of n spatial axes) nerve accepts with the same normalised config; what Keras refuses (a 1-tuple
  for a 2-D layer, a 3-tuple, ...) nerve refuses with a ValueError naming the layer, the
  argument, the value as written and what was expected. 1-D layers take 1-tuples, as Keras.
"""

import os
import re

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
