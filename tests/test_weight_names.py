"""Keras's variable.name / variable.path on nerve's weights (model.weights), and the optimizer's
exclude_from_weight_decay, which selects variables by those names: checked against Keras 3."""

import numpy as np
import pytest

import nerve

from _keras_diff import keras

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def many_layers(lib):
    layers = lib.layers
    inp = lib.Input((6, 4))
    x = layers.Conv1D(3, 2)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.LayerNormalization()(x)
    x = layers.LSTM(3, return_sequences=True)(x)
    x = layers.GRU(3, return_sequences=True)(x)
    x = layers.SimpleRNN(3, return_sequences=True)(x)
    x = layers.MultiHeadAttention(2, 2)(x, x)
    x = layers.Bidirectional(layers.LSTM(2))(x)
    x = layers.PReLU()(layers.Dense(2)(x))
    e = lib.Input((3,))
    y = layers.Flatten()(layers.Embedding(5, 2)(e))
    y = layers.Conv2D(2, 2)(layers.Reshape((2, 3, 1))(y))
    y = layers.Conv2DTranspose(2, 2)(y)
    y = layers.SeparableConv2D(2, 2, padding="same")(y)
    y = layers.Flatten()(layers.DepthwiseConv2D(2, padding="same")(y))
    return lib.Model([inp, e], [x, y])


def test_weight_names_are_keras_names():
    want = [w.name for w in many_layers(keras).weights]
    got = [w.name for w in many_layers(nerve).weights]
    assert got == want
    assert "recurrent_kernel" in got and "moving_variance" in got and "depthwise_kernel" in got


def test_weight_paths_name_their_layer_and_custom_weights():
    class Scale(nerve.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
            self.v = self.add_weight(shape=(1,))

        def call(self, x):
            return x * self.w + self.v

    m = nerve.Sequential(
        [nerve.Input((3,)), nerve.layers.Dense(2, name="d"), Scale(name="s")], name="m"
    )
    assert [w.path for w in m.weights] == ["d/kernel", "d/bias", "s/scale", "s/variable"]
    assert [w.name for w in m.layers[1].weights] == ["scale", "variable"]
    assert nerve.ops.convert_to_tensor(np.ones(2)).name is None  # not a weight: no name
    back = nerve.Sequential.from_config(
        nerve.Sequential([nerve.Input((3,)), nerve.layers.Dense(2, name="d2")]).get_config()
    )
    assert [w.path for w in back.weights] == ["d2/kernel", "d2/bias"]


def mlp(lib):
    m = lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(8, activation="relu"),
            lib.layers.LayerNormalization(),
            lib.layers.Dense(1),
        ]
    )
    m.set_weights([np.linspace(-0.5, 0.5, w.size).reshape(w.shape) + 0.3 for w in m.get_weights()])
    return m


@pytest.mark.parametrize("how", ["names", "var_list"])
def test_exclude_from_weight_decay_matches_keras(how):
    x = np.linspace(-1, 1, 64 * 4).reshape(64, 4).astype("float32")
    y = (x**2).sum(1, keepdims=True)
    weights = {}
    for lib in (keras, nerve):
        m = mlp(lib)
        opt = lib.optimizers.AdamW(0.01, weight_decay=0.5)
        if how == "names":
            opt.exclude_from_weight_decay(var_names=["bias", "gamma"])
        else:
            opt.exclude_from_weight_decay(var_list=[m.layers[0].kernel, m.layers[2].bias])
        m.compile(opt, "mse")
        m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
        weights[lib] = m.get_weights()
    for a, b in zip(weights[nerve], weights[keras]):
        np.testing.assert_allclose(a, b, atol=2e-6)
    # and it made a difference: the same run without the exclusion ends elsewhere
    m = mlp(nerve)
    m.compile(nerve.optimizers.AdamW(0.01, weight_decay=0.5), "mse")
    m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    assert max(np.abs(a - b).max() for a, b in zip(m.get_weights(), weights[nerve])) > 1e-3


def test_exclude_from_weight_decay_in_a_custom_loop_and_after_building():
    m = mlp(nerve)
    opt = nerve.optimizers.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    before = [np.array(w) for w in m.trainable_weights]
    zeros = [np.zeros(w.shape, np.float32) for w in m.trainable_weights]
    opt.apply_gradients(zip(zeros, m.trainable_weights))  # zero gradients: only decay moves
    for w, b in zip(m.trainable_weights, before):
        moved = not np.allclose(np.array(w), b)
        assert moved == (w.name != "bias"), w.path
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])
