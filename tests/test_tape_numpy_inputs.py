"""A model or layer called on numpy inside a GradientTape records its ops (the array is a
constant), as a Keras model called on arrays inside tf.GradientTape does; outside a tape numpy
still gives numpy. apply_gradients warns about None gradients and refuses all-None, as Keras."""

import warnings

import numpy as np
import pytest

import nerve
from nerve import layers


def _sequential():
    return nerve.Sequential(
        [nerve.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(2)]
    )


def _functional():
    inp = nerve.Input((3,))
    return nerve.Model(inp, layers.Dense(2)(layers.Dense(4, activation="relu")(inp)))


class _Subclassed(nerve.Model):
    def __init__(self):
        super().__init__()
        self.hidden, self.out = layers.Dense(4, activation="relu"), layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))


@pytest.mark.parametrize("build", [_sequential, _functional, _Subclassed])
def test_model_called_on_numpy_inside_tape_records(build):
    model = build()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    model(x)  # build
    with nerve.GradientTape() as tape:
        y = model(x, training=True)
        loss = nerve.ops.mean(y * y)
    assert isinstance(y, nerve.Tensor)
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)
    # the same gradient as with the input given as a tensor
    with nerve.GradientTape() as tape:
        loss_t = nerve.ops.mean(nerve.ops.square(model(nerve.Tensor(x), training=True)))
    for g, h in zip(grads, tape.gradient(loss_t, model.trainable_weights)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(h), rtol=1e-6, atol=1e-7)
    before = [w.copy() for w in model.get_weights()]
    nerve.optimizers.SGD(0.1).apply_gradients(zip(grads, model.trainable_weights))
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_numpy_outside_tape_and_in_stop_recording_stays_numpy():
    model, layer = _sequential(), layers.Dense(2)
    x = np.ones((2, 3), np.float32)
    assert isinstance(model(x), np.ndarray) and isinstance(layer(x), np.ndarray)
    with nerve.GradientTape() as tape:
        assert isinstance(layer(x), nerve.Tensor)
        with tape.stop_recording():
            assert isinstance(model(x), np.ndarray)
    assert isinstance(model(x), np.ndarray)


def test_apply_gradients_none_warns_and_all_none_raises():
    model = _sequential()
    model(np.ones((1, 3), np.float32))
    ws = model.trainable_weights
    opt = nerve.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients(zip([None] * len(ws), ws))
    grads = [np.ones(tuple(w.shape), np.float32) for w in ws]
    grads[1] = None
    with pytest.warns(
        UserWarning, match=r"Gradients do not exist for variables \['#1 shape \(4,\)'\]"
    ):
        opt.apply_gradients(zip(grads, ws))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients(zip([np.ones(tuple(w.shape), np.float32) for w in ws], ws))
