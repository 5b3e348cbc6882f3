"""Keras 3 module-level functions a ported script calls: keras.backend.clear_session and the
backend getters, keras.config.*, keras.models.clone_model, keras.utils.register_keras_serializable
and the lower-case initializer names; each against what Keras 3 itself does."""

import numpy as np
import pytest

import nerve
from nerve import layers as L

from _keras_diff import keras, twin_models

X = np.random.default_rng(0).random((4, 6), dtype=np.float32)


def test_clear_session_restarts_the_names_as_keras_does():
    nerve.backend.clear_session()
    keras.backend.clear_session()
    nerve_names = [L.Dense(2).name, L.Dense(2).name]
    keras_names = [keras.layers.Dense(2).name, keras.layers.Dense(2).name]
    assert nerve_names == keras_names == ["dense", "dense_1"]
    kept = nerve.Sequential([nerve.Input((6,)), L.Dense(2)])
    nerve.utils.clear_session()  # keras.utils.clear_session is the same function
    keras.utils.clear_session()
    assert L.Dense(2).name == keras.layers.Dense(2).name == "dense"
    assert kept.predict(X, verbose=0).shape == (4, 2)  # a model made before still works


def test_backend_and_config_getters_say_what_nerve_computes_with():
    for module in (nerve.backend, nerve.config):
        assert module.epsilon() == keras.config.epsilon() == 1e-7
        assert module.floatx() == keras.config.floatx() == "float32"
        assert module.image_data_format() == keras.config.image_data_format() == "channels_last"
        module.set_floatx("float32")  # what nerve computes with: accepted
        module.set_epsilon(1e-7)
        module.set_image_data_format("channels_last")
        for setter, value in (
            (module.set_floatx, "float16"),
            (module.set_epsilon, 1e-3),
            (module.set_image_data_format, "channels_first"),
        ):
            with pytest.raises(NotImplementedError, match="not supported"):
                setter(value)
    assert nerve.backend.is_keras_tensor(nerve.Input((3,)))
    assert not nerve.backend.is_keras_tensor(X)
    assert nerve.config()["version"] == nerve.__version__  # still the engine's settings
    assert str(nerve.config.dtype_policy()) == str(keras.config.dtype_policy())


def test_clone_model_keeps_the_architecture_and_names_with_new_weights():
    model = nerve.Sequential([nerve.Input((6,)), L.Dense(5, activation="relu"), L.Dense(2)])
    clone = nerve.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.built and clone.optimizer is None
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])  # drawn afresh
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(X, verbose=0), model.predict(X, verbose=0))

    inp = nerve.Input((6,))
    hidden = L.Dense(3, activation="tanh")(inp)
    functional = nerve.Model(inp, [L.Dense(1)(hidden), L.Dense(2)(hidden)])
    twin = nerve.models.clone_model(functional)
    twin.set_weights(functional.get_weights())
    for a, b in zip(twin.predict(X, verbose=0), functional.predict(X, verbose=0)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NotImplementedError, match="clone_function"):
        nerve.models.clone_model(model, clone_function=lambda layer: layer)


def test_clone_model_of_a_subclassed_model_goes_through_its_config():
    class Scaled(nerve.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = L.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = Scaled(4)
    model(X)
    clone = nerve.models.clone_model(model)
    assert type(clone) is Scaled and clone.units == 4 and clone.built
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]


def test_register_keras_serializable_from_utils_lets_load_model_find_the_class(tmp_path):
    @nerve.utils.register_keras_serializable(package="ported")
    class Doubled(L.Layer):
        def call(self, x):
            return nerve.ops.multiply(x, 2.0)

    assert nerve.utils.register_keras_serializable is nerve.saving.register_keras_serializable
    model = nerve.Sequential([nerve.Input((6,)), Doubled(), L.Dense(2)])
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    assert type(loaded.layers[0]) is Doubled
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert nerve.utils.get_registered_name(Doubled) == "ported>Doubled"


def test_lower_case_initializer_names_are_the_classes_as_in_keras():
    for name in (
        "constant",
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
        "ones",
        "orthogonal",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "variance_scaling",
        "zeros",
    ):
        ours, theirs = getattr(nerve.initializers, name), getattr(keras.initializers, name)
        assert ours.__name__ == theirs.__name__, name
    layer = L.Dense(2, kernel_initializer=nerve.initializers.he_normal())
    nerve.Sequential([nerve.Input((6,)), layer])
    assert layer.get_config()["kernel_initializer"]["class_name"] == "HeNormal"


@pytest.mark.parametrize(
    "make, shape, attributes",
    [
        (lambda lib: lib.layers.Dense(3), (4,), ("kernel", "bias")),
        (lambda lib: lib.layers.Dense(3, use_bias=False), (4,), ("kernel", "bias")),
        (lambda lib: lib.layers.Conv2D(2, 3), (5, 5, 1), ("kernel", "bias")),
        (lambda lib: lib.layers.Conv1D(2, 3), (6, 2), ("kernel", "bias")),
        (lambda lib: lib.layers.Conv2DTranspose(2, 3), (4, 4, 1), ("kernel", "bias")),
        (lambda lib: lib.layers.Embedding(7, 3), (4,), ("embeddings",)),
        (
            lambda lib: lib.layers.BatchNormalization(scale=False),
            (4,),
            ("gamma", "beta", "moving_mean", "moving_variance"),
        ),
        (lambda lib: lib.layers.LayerNormalization(center=False), (4,), ("gamma", "beta")),
        (lambda lib: lib.layers.PReLU(), (4,), ("alpha",)),
    ],
)
def test_weight_attributes_are_kerass(make, shape, attributes):
    """layer.kernel, layer.bias, layer.gamma, ...: the same arrays as Keras's attributes for the
    same weights (None where a flag leaves the weight out), and writable in place."""
    k_model, n_model = twin_models(lambda lib: lib.Sequential([lib.Input(shape), make(lib)]))
    k_layer, n_layer = k_model.layers[-1], n_model.layers[-1]
    for name in attributes:
        k_value, n_value = getattr(k_layer, name), getattr(n_layer, name)
        if k_value is None:
            assert n_value is None, name
        else:
            np.testing.assert_array_equal(np.asarray(n_value), np.asarray(k_value), err_msg=name)
    first = next(v for v in (getattr(n_layer, a) for a in attributes) if v is not None)
    first.assign(np.zeros(tuple(first.shape), np.float32))
    assert not np.asarray(n_layer.get_weights()[0]).any()  # the layer's own weight changed


def test_to_json_and_model_from_json_go_both_ways_with_keras():
    """model.to_json() is Keras 3's JSON (a .keras file's config.json without weights):
    keras.models.model_from_json reads nerve's and nerve.models.model_from_json reads Keras's."""
    model = nerve.Sequential(
        [nerve.Input((6,)), L.Dense(3, activation="relu", name="h"), L.Dense(2, name="out")]
    )
    model.compile("adam", "mse", metrics=["mae"])
    text = model.to_json()
    k_model = keras.models.model_from_json(text)
    assert [layer.name for layer in k_model.layers] == ["h", "out"]
    assert type(k_model.optimizer).__name__ == "Adam"
    again = nerve.models.model_from_json(text)
    assert [layer.name for layer in again.layers] == ["h", "out"]
    assert type(again.loss).__name__ == "MeanSquaredError" and again.metrics_names[0] == "loss"
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))

    inp = keras.Input((6,))
    k_functional = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Dense(4)(inp)))
    from_keras = nerve.models.model_from_json(k_functional.to_json())
    from_keras.set_weights(k_functional.get_weights())
    np.testing.assert_allclose(
        from_keras.predict(X, verbose=0), np.asarray(k_functional.predict(X, verbose=0)), rtol=1e-5
    )
    with pytest.raises(nerve.ModelFileError, match="not JSON"):
        nerve.models.model_from_json("{not json")


def test_utils_plot_model_draws_without_graphviz(tmp_path):
    """keras.utils.plot_model's call, drawn by nerve.viz (the viz extra, no Graphviz)."""
    pytest.importorskip("matplotlib")
    model = nerve.Sequential([nerve.Input((6,)), L.Dense(3, name="hidden"), L.Dense(2)])
    nerve.utils.plot_model(model, to_file=tmp_path / "model.svg", show_shapes=True)
    svg = (tmp_path / "model.svg").read_text()
    assert 'data-name="hidden"' in svg and "(None, 3)" in svg
    nerve.utils.plot_model(model, to_file=str(tmp_path / "model.png"), dpi=50)
    assert (tmp_path / "model.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(NotImplementedError, match="rankdir='LR'"):
        nerve.utils.plot_model(model, rankdir="LR")
