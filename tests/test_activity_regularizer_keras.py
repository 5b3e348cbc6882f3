"""activity_regularizer against Keras 3, which divides each output's penalty by its batch size:
Layer.losses after a call, the training loss and weights after a few steps (a partial last batch
included), and evaluate()."""

import os

import numpy as np
import pytest

import nerve

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

rng = np.random.default_rng(11)
X = rng.normal(size=(100, 5)).astype(np.float32)  # batches of 32, 32, 32 and 4
Y = rng.normal(size=(100, 2)).astype(np.float32)

REGULARIZERS = {
    "l1": lambda lib: lib.regularizers.L1(0.02),
    "l2": lambda lib: lib.regularizers.L2(0.03),
    "l1l2": lambda lib: lib.regularizers.L1L2(0.01, 0.02),
}


def _pair(reg):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Dense(8, activation="tanh", activity_regularizer=REGULARIZERS[reg](lib)),
                lib.layers.Dense(2, activity_regularizer=REGULARIZERS[reg](lib)),
            ]
        )

    keras.utils.set_random_seed(7)  # the same starting weights in every run (Keras draws them)
    km, nm = build(keras), build(nerve)
    nm.set_weights(km.get_weights())
    return km, nm


@pytest.mark.parametrize("reg", list(REGULARIZERS))
def test_layer_losses_after_a_call(reg):
    km, nm = _pair(reg)
    km(X[:32])
    nm(X[:32])
    for k_layer, n_layer in zip(km.layers, nm.layers):
        want = float(sum(np.asarray(v) for v in k_layer.losses))
        assert n_layer.losses == [pytest.approx(want, rel=1e-5)]


@pytest.mark.parametrize("reg", list(REGULARIZERS))
def test_training_matches_keras(reg):
    km, nm = _pair(reg)
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    nm.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    for start in (0, 32):  # single steps at batch 32
        k_loss = float(np.ravel(km.train_on_batch(X[start : start + 32], Y[start : start + 32]))[0])
        n_loss = float(np.ravel(nm.train_on_batch(X[start : start + 32], Y[start : start + 32]))[0])
        assert n_loss == pytest.approx(k_loss, rel=1e-5)
    hk = km.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0).history["loss"]
    hn = nm.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(hn, hk, rtol=1e-5)
    for got, want in zip(nm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert nm.evaluate(X, Y, batch_size=32, verbose=0) == pytest.approx(
        km.evaluate(X, Y, batch_size=32, verbose=0), rel=1e-5
    )


def test_penalty_does_not_grow_with_the_batch():
    layer = nerve.layers.Dense(3, activity_regularizer=nerve.regularizers.L1(0.1))
    model = nerve.Sequential([nerve.Input((5,)), layer])
    model(np.repeat(X[:1], 4, axis=0))
    small = layer.losses[0]
    model(np.repeat(X[:1], 64, axis=0))
    assert layer.losses[0] == pytest.approx(small, rel=1e-6)
