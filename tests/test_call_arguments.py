"""Layers written in Python with call arguments beyond inputs / training / mask (a second
tensor, a fixed Python value), and their traces per input shape, as Keras allows; trained
results checked against float64 numpy references."""

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve import ops


class Scale(L.Layer):
    """No weights: x * scale, scale a Python value fixed at trace time."""

    def call(self, x, scale=2.0):
        return x * scale


class ScaledProjection(L.Layer):
    """(x @ w) * scale: one weight, a Python call argument."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="glorot_uniform")

    def call(self, x, scale=1.0):
        return ops.matmul(x, self.w) * scale


class WithContext(L.Layer):
    """x @ w + context @ v: a second tensor argument; build() gets its shape as context_shape
    (Keras 3)."""

    def build(self, input_shape, context_shape=None):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="glorot_uniform")
        self.v = self.add_weight(shape=(context_shape[-1], 2), initializer="glorot_uniform")

    def call(self, x, context, training=None):
        return ops.matmul(x, self.w) + ops.matmul(context, self.v)


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_python_value_argument_traces_once_per_value():
    layer = Scale()
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(layer(x), 2 * x)
    np.testing.assert_allclose(layer(x, scale=3.0), 3 * x)
    np.testing.assert_allclose(layer(x, 3.0), 3 * x)  # positional: the same trace
    np.testing.assert_allclose(layer(x, scale=-1.5), -1.5 * x)
    assert len(layer._traces) == 3


def test_tensor_argument_positional_and_keyword_give_the_same_result():
    layer = WithContext()
    rng = _rng()
    x, c = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 5)).astype(np.float32)
    out = layer(x, c)
    w, v = (np.asarray(t) for t in (layer.w, layer.v))
    expected = x @ w + c @ v
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(x, context=c), expected, rtol=1e-5, atol=1e-6)


def test_tensor_argument_in_a_functional_model_trains_as_numpy_and_saves(tmp_path):
    rng = _rng(1)
    x, c = rng.normal(size=(8, 3)).astype(np.float32), rng.normal(size=(8, 5)).astype(np.float32)
    t = rng.normal(size=(8, 2)).astype(np.float32)
    inp, ctx = nerve.Input((3,)), nerve.Input((5,))
    layer = WithContext()
    model = nerve.Model([inp, ctx], Scale()(layer(inp, context=ctx), scale=0.5))
    w, v = (np.asarray(a, np.float64).copy() for a in (layer.w, layer.v))
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit([x, c], t, epochs=3, batch_size=8, shuffle=False, verbose=0)
    losses = []
    for _ in range(3):  # float64 reference: out = 0.5 (x w + c v), mse, SGD
        out = 0.5 * (x @ w + c @ v)
        losses.append(np.mean((out - t) ** 2))
        d = 0.5 * 2 * (out - t) / out.size
        w, v = w - 0.1 * x.T @ d, v - 0.1 * c.T @ d
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4)
    np.testing.assert_allclose(np.asarray(layer.w), w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer.v), v, rtol=1e-4, atol=1e-6)
    path = str(tmp_path / "ctx.nerve")
    model.save(path)
    loaded = nerve.models.load_model(
        path, custom_objects={"WithContext": WithContext, "Scale": Scale}
    )
    np.testing.assert_allclose(
        loaded.predict([x, c], verbose=0), model.predict([x, c], verbose=0), rtol=1e-6
    )


class TwoScales(nerve.Model):
    """One layer called with two values of its Python argument: two traces, one weight."""

    def __init__(self):
        super().__init__()
        self.proj = ScaledProjection()

    def call(self, x):
        return self.proj(x, scale=1.0) + self.proj(x, scale=2.0)


def test_two_traces_of_one_layer_in_a_model_update_the_weight_once_per_step():
    rng = _rng(2)
    x, t = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)
    model = TwoScales()
    model.build((None, 4))
    assert len(model.proj._traces) == 2
    assert len(model.trainable_weights) == 1
    w = np.asarray(model.proj.w, np.float64).copy()
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.05), loss="mse")
    model.fit(x, t, epochs=2, batch_size=6, shuffle=False, verbose=0)
    for _ in range(2):  # out = 3 x w
        out = 3 * x @ w
        w -= 0.05 * 3 * x.T @ (2 * (out - t) / out.size)
    np.testing.assert_allclose(np.asarray(model.proj.w), w, rtol=1e-4, atol=1e-6)


def test_a_layer_without_fixed_sizes_retraces_for_a_new_input_shape():
    layer = Scale()
    np.testing.assert_allclose(layer(np.ones((2, 5), np.float32)), np.full((2, 5), 2.0))
    np.testing.assert_allclose(layer(np.ones((3, 7), np.float32)), np.full((3, 7), 2.0))
    np.testing.assert_allclose(layer(np.ones((4, 5), np.float32)), np.full((4, 5), 2.0))
    assert len(layer._traces) == 2  # (5,) and (7,); the batch size was already open
    a, b = nerve.Input((5,)), nerve.Input((2, 3))
    model = nerve.Model([a, b], [layer(a), layer(b)])
    outs = model.predict([np.ones((2, 5)), np.ones((2, 2, 3))], verbose=0)
    np.testing.assert_allclose(outs[1], np.full((2, 2, 3), 2.0))


def test_a_new_shape_that_the_weights_do_not_fit_names_the_layer_and_shapes():
    layer = ScaledProjection(name="proj")
    layer(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"'proj' was built for inputs \(None, 3\) .* \(None, 4\)"):
        layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"'proj' was built for inputs \(None, 3\)"):
        layer(nerve.Input((4,)))


def test_several_traces_of_a_penalised_layer_in_one_model_are_refused():
    class Penalised(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), regularizer="l2")

        def call(self, x, scale=1.0):
            return ops.matmul(x, self.w) * scale

    layer = Penalised(name="pen")
    inp = nerve.Input((3,))
    with pytest.raises(ValueError, match="'pen' is called in this model on different"):
        nerve.Model(inp, layer(inp, scale=1.0) + layer(inp, scale=2.0))


def test_bad_call_arguments_are_clear_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match="neither a tensor nor a fixed Python value"):
        Scale()(x, scale={"a": 1})
    with pytest.raises(TypeError, match=r"Scale '.*': call\(x, scale=2.0\) cannot take"):
        Scale()(x, factor=2.0)
    with pytest.raises(TypeError, match="not supported by nerve's built-in layers"):
        L.Dense(2)(x, scale=2.0)


def test_training_given_positionally_is_the_training_flag():
    class TrainingOnly(L.Layer):
        def call(self, x, training=None):
            return x * 2.0 if training else x * 1.0

    layer = TrainingOnly()
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(layer(x, True), 2 * x)
    np.testing.assert_allclose(layer(x, False), x)
    np.testing.assert_allclose(layer(x, training=True), 2 * x)
    assert len(layer._traces) == 1  # one trace holds both modes
