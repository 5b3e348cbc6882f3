"""The families whose arguments are declared in C++ (convolutional, pooling, normalization,
reshaping): get_config values equal Keras 3's for the same arguments (ints given for tuples,
upper-case padding, strides left to default to the pool size, padding pairs), and values Keras
accepts but nerve does not implement raise UnsupportedArgumentError from the C++ table."""

import os

import pytest

from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

# (class name, args, kwargs) built the same way in nerve and Keras
CASES = [
    ("Conv2D", (4, 3), dict(strides=2, padding="SAME", dilation_rate=1, activation="relu")),
    ("Conv2D", (4, (3, 2)), dict(use_bias=False, data_format="channels_last")),
    ("Conv1D", (2, 5), dict(strides=(2,), padding="causal")),
    ("Conv1D", (2, 3), dict(dilation_rate=2, activation="gelu")),
    ("MaxPooling2D", (), {}),
    ("MaxPooling2D", (3,), dict(strides=1, padding="same")),
    ("AveragePooling2D", ((2, 3),), {}),
    ("GlobalMaxPooling2D", (), dict(keepdims=True)),
    ("GlobalAveragePooling2D", (), {}),
    ("MaxPooling1D", (), {}),
    ("MaxPooling1D", (3, 1), dict(padding="same")),
    ("GlobalAveragePooling1D", (), {}),
    ("GlobalAveragePooling1D", (), dict(keepdims=True)),
    ("AveragePooling1D", (3,), {}),
    ("AveragePooling1D", (4, 2), dict(padding="same")),
    ("GlobalMaxPooling1D", (), {}),
    ("GlobalMaxPooling1D", (), dict(keepdims=True)),
    ("BatchNormalization", (), dict(momentum=0.5, epsilon=0.01, center=False)),
    ("LayerNormalization", (), dict(epsilon=0.1, scale=False)),
    ("Flatten", (), {}),
    ("Reshape", ((2, -1),), {}),
    ("ZeroPadding2D", (), {}),
    ("ZeroPadding2D", ((2, 0),), {}),
    ("ZeroPadding2D", (((1, 2), (3, 0)),), {}),
]
SKIP = {"name", "dtype", "trainable"}


@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_config_values_equal_keras(name, args, kwargs):
    ours = getattr(L, name)(*args, **kwargs).get_config()
    theirs = getattr(keras.layers, name)(*args, **kwargs).get_config()
    for key, value in ours.items():
        if key in SKIP or key.endswith(("_initializer", "_regularizer")):
            continue
        assert key in theirs, key
        want = theirs[key]
        assert value == (want.lower() if key == "activation" else want), key


@pytest.mark.parametrize(
    "make,what",
    [
        (lambda: L.Conv2D(2, 3, data_format="channels_first"), "data_format='channels_first'"),
        (lambda: L.Conv1D(2, 3, groups=2), "groups=2"),
        (lambda: L.MaxPooling2D(data_format="channels_first"), "data_format"),
        (lambda: L.AveragePooling1D(2, data_format="channels_first"), "data_format"),
        (lambda: L.GlobalMaxPooling1D(data_format="channels_first"), "data_format"),
        (lambda: L.BatchNormalization(axis=1), "axis=1"),
        (lambda: L.LayerNormalization(axis=[1]), "axis=1"),
        (lambda: L.Flatten(data_format="channels_first"), "data_format"),
    ],
)
def test_unimplemented_keras_values_are_refused(make, what):
    with pytest.raises(UnsupportedArgumentError, match=f"{what}.* is not supported"):
        make()


def test_tuple_arguments_take_one_int_and_check_their_length():
    assert L.Conv2D(2, 3).get_config()["kernel_size"] == (3, 3)
    assert L.MaxPooling2D(3, strides=(1, 2)).get_config()["strides"] == (1, 2)
    with pytest.raises(ValueError, match=r"Conv2D '.*': strides must be an int or a tuple of 2"):
        L.Conv2D(2, 3, strides=(1, 2, 3))
    with pytest.raises(
        ValueError, match=r"Conv1D '.*': kernel_size must be an int or a tuple of 1"
    ):
        L.Conv1D(2, (3, 3))
    with pytest.raises(ValueError, match=r"ZeroPadding2D '.*': padding must be .*pairs"):
        L.ZeroPadding2D(((1, 2), (3,)))
