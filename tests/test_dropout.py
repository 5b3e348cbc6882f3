"""Dropout: the kept fraction and scaling while training, identity in inference, gradient = mask,
and reproducible seeding."""

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve.layers import Dense, Dropout


@pytest.mark.parametrize("rate", [0.1, 0.25, 0.5, 0.8])
def test_dropout_keeps_expected_fraction_and_scales(rate):
    x = np.random.default_rng(0).random((200, 500)).astype(np.float32) + 0.5
    y = np.array(_core.ops.dropout(nerve.Tensor(x), rate, 123))
    kept = y != 0
    # 100k Bernoulli draws: the kept fraction is within 5 standard deviations of 1 - rate
    sd = np.sqrt(rate * (1 - rate) / x.size)
    assert abs(kept.mean() - (1 - rate)) < 5 * sd
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)


def test_dropout_gradient_is_the_mask():
    x = np.random.default_rng(1).standard_normal((10, 20)).astype(np.float32)
    xt = nerve.Tensor(x, requires_grad=True)
    y = _core.ops.dropout(xt, 0.3, 5)
    g = np.random.default_rng(2).standard_normal((10, 20)).astype(np.float32)
    y.backward(nerve.Tensor(g))
    mask = np.array(y) != 0
    np.testing.assert_allclose(np.array(xt.grad), np.where(mask, g / 0.7, 0), rtol=1e-6)


def test_dropout_layer_identity_in_inference_and_fresh_masks_in_training():
    x = np.ones((8, 64), np.float32)
    layer = Dropout(0.5)
    np.testing.assert_array_equal(layer(x), x)  # training=False by default
    np.testing.assert_array_equal(layer(x, training=False), x)
    a, b = layer(x, training=True), layer(x, training=True)
    assert set(np.unique(a)) <= {0.0, 2.0}
    assert (a != b).any()  # a new mask each step
    assert Dropout(0.0)(x, training=True) is not None


def test_dropout_reproducible_from_global_seed():
    def masks():
        nerve.utils.set_random_seed(42)
        layer = Dropout(0.5)
        layer.build((64,))
        x = np.ones((4, 64), np.float32)
        return [layer(x, training=True) for _ in range(3)]

    first, second = masks(), masks()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    explicit = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    outs = [d(np.ones((4, 64), np.float32), training=True) for d in explicit]
    np.testing.assert_array_equal(outs[0], outs[1])


def test_dropout_in_fit_and_evaluate():
    nerve.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)
    model = nerve.Sequential(
        [nerve.Input((4,)), Dense(32, activation="relu"), Dropout(0.5), Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    p1, p2 = model.predict(x), model.predict(x)
    np.testing.assert_array_equal(p1, p2)  # no dropout in predict
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(((p1 - y) ** 2).mean()), rel=1e-4)


def test_dropout_rejects_bad_rate():
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="rate"):
        Dropout(-0.1)
