"""The weight regularizers of the declared sequence layers (Embedding's embeddings_regularizer,
SimpleRNN / LSTM / GRU's kernel, recurrent and bias regularizers, MultiHeadAttention's kernel and
bias regularizers) add the same penalties to the loss as Keras 3, and train the same."""

from __future__ import annotations

import numpy as np
import pytest

import nerve

from _keras_diff import assert_close, assert_history_close, assert_weights_close, keras, twin_models

T, F, BATCH = 5, 3, 8
RNG = np.random.default_rng(11)
X_SEQ = RNG.standard_normal((16, T, F)).astype(np.float32)
X_IDS = RNG.integers(0, 7, size=(16, T)).astype(np.float32)
Y = RNG.standard_normal((16, 2)).astype(np.float32)


def _recurrent(cls_name, **extra):
    def build(lib):
        r = lib.regularizers
        x = lib.Input((T, F))
        h = getattr(lib.layers, cls_name)(
            4,
            kernel_regularizer=r.L2(0.05),
            recurrent_regularizer=r.L1(0.03),
            bias_regularizer=r.L1L2(0.01, 0.02),
            **extra,
        )(x)
        return lib.Model(x, lib.layers.Dense(2)(h))

    return build, X_SEQ


def _embedding(lib):
    x = lib.Input((T,))
    e = lib.layers.Embedding(7, 3, embeddings_regularizer=lib.regularizers.L2(0.04))(x)
    return lib.Model(x, lib.layers.Dense(2)(lib.layers.Flatten()(e)))


def _attention(lib):
    r = lib.regularizers
    x = lib.Input((T, F))
    a = lib.layers.MultiHeadAttention(
        2, 3, kernel_regularizer=r.L2(0.03), bias_regularizer=r.L1(0.02)
    )(x, x)
    return lib.Model(x, lib.layers.Dense(2)(lib.layers.Flatten()(a)))


CASES = {
    "SimpleRNN": _recurrent("SimpleRNN"),
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "Embedding": (_embedding, X_IDS),
    "MultiHeadAttention": (_attention, X_SEQ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_weight_regularizers_match_keras(name):
    build, x = CASES[name]
    k, n = twin_models(build)
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
    penalty = sum(float(v) for layer in n.layers for v in layer.losses)
    assert penalty > 0  # the penalties are there, and part of the loss below
    assert_close(
        f"{name} regularized loss",
        n.evaluate(x, Y, batch_size=BATCH, verbose=0),
        k.evaluate(x, Y, batch_size=BATCH, verbose=0),
    )
    kw = dict(batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert_history_close(name, n.fit(x, Y, **kw).history, k.fit(x, Y, **kw).history)
    assert_weights_close(name, n, k)


def test_regularizers_are_in_the_config():
    r = nerve.regularizers
    layer = nerve.layers.LSTM(3, recurrent_regularizer=r.L1(0.5))
    config = layer.get_config()
    assert config["recurrent_regularizer"] == {"class_name": "L1", "config": {"l1": 0.5}}
    assert config["kernel_regularizer"] is None
    again = nerve.layers.LSTM.from_config(config)
    assert again.get_config() == config
