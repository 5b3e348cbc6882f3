"""Subclassed models: class M(nerve.Model) with layers in __init__ and a traceable call()."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(7)


class ResidualMLP(nerve.Model):
    def __init__(self, hidden=16, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.inp = L.Dense(hidden, activation="relu")
        self.block = L.Dense(hidden)
        self.act = L.Activation("relu")
        self.head = L.Dense(classes, activation="softmax")

    def call(self, x):
        h = self.inp(x)
        h = self.act(h + self.block(h))  # `+` on symbolic tensors is an Add layer
        return self.head(h)


class TwoTower(nerve.Model):
    def __init__(self):
        super().__init__()
        self.left, self.right = L.Dense(4), L.Dense(4)
        self.out_sum = L.Dense(1, name="sum")
        self.out_diff = L.Dense(1, name="diff")

    def call(self, inputs):
        a, b = inputs
        ha, hb = self.left(a), self.right(b)
        return [self.out_sum(L.Concatenate()([ha, hb])), self.out_diff(ha - hb)]


def _data(n=128, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = np.argmax(x[:, :classes], axis=1)
    return x, y


def test_subclassed_model_builds_on_first_fit_and_learns():
    model = ResidualMLP()
    assert not model.built
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data()
    hist = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert model.built
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.history["accuracy"][-1] > 0.8
    assert [type(l).__name__ for l in model.layers] == [
        "Dense",
        "Dense",
        "Add",
        "Activation",
        "Dense",
    ]


def test_subclassed_forward_matches_eager_layers():
    model = ResidualMLP(hidden=5, classes=2)
    x, _ = _data(4, 6)
    out = model.predict(x)
    h = model.inp(x)
    h = model.act(h + model.block(h))
    np.testing.assert_allclose(out, model.head(h), rtol=1e-6)
    np.testing.assert_allclose(model(x), out, rtol=1e-6)


def test_subclassed_model_with_two_inputs_and_outputs():
    model = TwoTower()
    model.build([(None, 3), (None, 2)])
    assert model.output_names == ["sum", "diff"]
    model.compile(optimizer="sgd", loss=["mse", "mse"], loss_weights=[1.0, 0.5])
    rng = np.random.default_rng(1)
    a, b = (
        rng.standard_normal((32, 3)).astype(np.float32),
        rng.standard_normal((32, 2)).astype(np.float32),
    )
    ys = [a.sum(1, keepdims=True) + b.sum(1, keepdims=True), a[:, :1] - b[:, :1]]
    logs = model.evaluate([a, b], ys, return_dict=True, verbose=0)
    assert logs["loss"] == pytest.approx(logs["sum_loss"] + 0.5 * logs["diff_loss"], rel=1e-5)
    out = model.predict([a, b])
    assert [o.shape for o in out] == [(32, 1), (32, 1)]


def test_untraceable_call_gives_a_clear_error():
    class Bad(nerve.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return np.tanh(self.d(x))  # numpy on a symbolic tensor cannot run in C++

    with pytest.raises(TypeError, match="could not be traced|nerve layers"):
        Bad().build((4,))


def test_model_without_call_is_an_error():
    with pytest.raises(NotImplementedError, match="call"):
        nerve.Model().build((3,))


def test_subclassed_summary_lists_traced_layers():
    model = ResidualMLP(hidden=4, classes=2, name="res")
    model.build((None, 3))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "res"' in text and "Connected to" in text and "(Add)" in text


def test_subclassed_get_config_captures_constructor_args():
    model = ResidualMLP(hidden=8, classes=4, name="m1")
    assert model.get_config() == {"hidden": 8, "classes": 4, "name": "m1"}
    clone = ResidualMLP.from_config(model.get_config())
    clone.build((5,))
    assert clone.output_shape == (None, 4)
