"""Keras 3 names added to nerve, each against Keras: the ProgbarLogger callback, the Identity
initializer (and Keras's aliases IdentityInitializer / OrthogonalInitializer), the
OrthogonalRegularizer, and the losses Dice, Tversky, CategoricalGeneralizedCrossEntropy and
Circle with their functions."""

import contextlib
import io
import re

import numpy as np
import pytest

import nerve

from _keras_diff import assert_close, assert_history_close, keras, twin_models

# ---- ProgbarLogger -------------------------------------------------------------------------------

X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
Y = (X.sum(1, keepdims=True) * 0.5).astype("float32")


def _dense(lib):
    m = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])
    m.compile(lib.optimizers.SGD(0.01), "mse", metrics=["mae"])
    return m


def _printed(fn) -> list[str]:
    """What fn() prints, as the lines a terminal would end up showing (each line's last redraw),
    colours and times taken out."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    text = re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue()).replace("\x08", "")
    lines = [line.split("\r")[-1].strip() for line in text.split("\n")]
    lines = [re.sub(r"\d+(\.\d+)?(us|ms|s)(/step)?", "T", line) for line in lines]
    return [line for line in lines if line]


@pytest.mark.parametrize("verbose, epochs", [(1, 2), (2, 2), (1, 1), (0, 2)])
def test_progbar_logger_prints_as_keras(verbose, epochs):
    k, n = twin_models(_dense)
    out = {}
    for lib, model in ((keras, k), (nerve, n)):
        out[lib.__name__] = _printed(
            lambda model=model, lib=lib: model.fit(
                X,
                Y,
                epochs=epochs,
                batch_size=8,
                shuffle=False,
                verbose=verbose,
                validation_data=(X, Y),
                callbacks=[lib.callbacks.ProgbarLogger()],
            )
        )
    assert out["nerve"] == out["keras"]
    bars = [line for line in out["nerve"] if line.startswith("4/4")]
    assert len(bars) == (epochs if verbose else 0)  # one bar per epoch: no second one
    if verbose and epochs == 1:
        assert not any(line.startswith("Epoch") for line in out["nerve"])  # as Keras


def test_progbar_logger_with_a_python_loss_draws_one_bar():
    model = _dense(nerve)
    model.compile(
        nerve.optimizers.SGD(0.01),
        lambda y_true, y_pred: nerve.ops.mean(nerve.ops.square(y_true - y_pred), axis=-1),
    )
    lines = _printed(
        lambda: model.fit(
            X, Y, epochs=2, batch_size=8, verbose=1, callbacks=[nerve.callbacks.ProgbarLogger()]
        )
    )
    assert [line.split(" ")[0] for line in lines] == ["Epoch", "4/4", "Epoch", "4/4"]


def test_progbar_logger_in_evaluate_leaves_one_bar():
    model = _dense(nerve)
    lines = _printed(
        lambda: model.evaluate(
            X, Y, batch_size=8, verbose=1, callbacks=[nerve.callbacks.ProgbarLogger()]
        )
    )
    assert len(lines) == 1 and lines[0].startswith("4/4")


def test_progbar_logger_lets_fit_run_chunks():
    logger = nerve.callbacks.ProgbarLogger()
    assert logger.batch_hooks_in_chunks  # fit needs no C++ call per step for the bar
    logger.set_params({"verbose": "auto", "epochs": 3, "steps": 7})
    assert (logger.verbose, logger.epochs, logger.target) == (1, 3, 7)


# ---- initializers --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, gain", [((3, 3), 1.0), ((2, 4), 0.5), ((5, 2), 3.0)])
def test_identity_matches_keras(shape, gain):
    want = np.asarray(keras.initializers.Identity(gain=gain)(shape))
    for name in ("Identity", "IdentityInitializer", "identity"):
        got = getattr(nerve.initializers, name)(gain=gain)(shape)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        nerve.initializers.Identity()((2, 2, 2))


def test_identity_config_round_trip_and_names():
    init = nerve.initializers.Identity(gain=2.0)
    config = nerve.initializers.serialize(init)
    assert config == {"class_name": "Identity", "config": {"gain": 2.0}}
    back = nerve.initializers.get(config)
    assert isinstance(back, nerve.initializers.Identity) and back.gain == 2.0
    assert nerve.initializers.Identity.from_config(init.get_config()).gain == 2.0
    # Keras reads nerve's config (Keras's own get_config() is {}: it drops the gain)
    kinit = keras.initializers.Identity.from_config(init.get_config())
    np.testing.assert_array_equal(np.asarray(kinit((2, 2))), init((2, 2)))
    for name in ("identity", "Identity", "IdentityInitializer"):
        assert isinstance(nerve.initializers.get(name), nerve.initializers.Identity)
    assert nerve.initializers.OrthogonalInitializer is nerve.initializers.Orthogonal
    assert isinstance(
        nerve.initializers.get("OrthogonalInitializer"), nerve.initializers.Orthogonal
    )


def test_identity_in_a_python_layer_and_refused_by_built_in_layers():
    class Square(nerve.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], input_shape[-1]), initializer="identity", name="kernel"
            )

        def call(self, x):
            return nerve.ops.matmul(x, self.kernel)

    model = nerve.Sequential([nerve.Input((4,)), Square()])
    np.testing.assert_allclose(model.predict(X, verbose=0), X, rtol=0, atol=0)
    with pytest.raises(NotImplementedError, match="Identity initializer runs in Python only"):
        nerve.layers.Dense(3, kernel_initializer="identity")
    with pytest.raises(NotImplementedError, match="Identity"):
        nerve.layers.Dense(3, kernel_initializer=nerve.initializers.Identity(2.0))


# ---- OrthogonalRegularizer ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(5, 3), (3, 6)])
def test_orthogonal_regularizer_matches_keras(mode, shape):
    w = np.random.default_rng(1).normal(size=shape).astype("float32")
    w[1] = 0.0  # a zero row: Keras's normalize caps 1/norm at 1/epsilon
    for factor in (0.01, 0.7):
        # (on a tensor, as on a layer's weight: Keras's numpy branch breaks in columns mode)
        want = float(keras.regularizers.OrthogonalRegularizer(factor, mode)(keras.ops.array(w)))
        got = nerve.regularizers.OrthogonalRegularizer(factor, mode)(w)
        assert isinstance(got, float)
        assert_close(f"OrthogonalRegularizer({factor}, {mode}) {shape}", got, want, 1e-5)
    assert nerve.regularizers.orthogonal_regularizer is nerve.regularizers.OrthogonalRegularizer


def test_orthogonal_regularizer_config_and_checks():
    reg = nerve.regularizers.OrthogonalRegularizer(factor=0.2, mode="columns")
    assert reg.get_config() == keras.regularizers.OrthogonalRegularizer(0.2, "columns").get_config()
    config = nerve.regularizers.serialize(reg)
    assert config == {"class_name": "OrthogonalRegularizer", "config": reg.get_config()}
    back = nerve.regularizers.get(config)
    assert (back.factor, back.mode) == (reg.factor, "columns")
    assert isinstance(
        nerve.regularizers.get("orthogonal_regularizer"), nerve.regularizers.OrthogonalRegularizer
    )
    default = nerve.regularizers.OrthogonalRegularizer()
    assert (default.factor, default.mode) == (float(np.float32(0.01)), "rows")
    with pytest.raises(ValueError, match="mode"):
        nerve.regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="non-negative"):
        nerve.regularizers.OrthogonalRegularizer(factor=-1.0)
    with pytest.raises(ValueError, match="rank 2"):
        default(np.ones((2, 2, 2), np.float32))


def test_orthogonal_regularizer_refused_by_layers_and_usable_through_add_loss():
    with pytest.raises(NotImplementedError, match="C\\+\\+ training step"):
        nerve.layers.Dense(3, kernel_regularizer=nerve.regularizers.OrthogonalRegularizer())
    with pytest.raises(NotImplementedError, match="OrthogonalRegularizer"):
        nerve.layers.Dense(3, kernel_regularizer="orthogonal_regularizer")

    def build(lib):
        class Penalised(lib.layers.Layer):
            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(4, 3), initializer="zeros", name="kernel")

            def call(self, x):
                self.add_loss(lib.regularizers.OrthogonalRegularizer(0.5)(self.kernel))
                return lib.ops.matmul(x, self.kernel)

        m = lib.Sequential([lib.Input((4,)), Penalised()])
        m.compile(lib.optimizers.SGD(0.05), "mse")
        return m

    k, n = twin_models(build)
    y = np.random.default_rng(2).normal(size=(32, 3)).astype("float32")
    kh = k.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    nh = n.fit(X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert_history_close("add_loss(OrthogonalRegularizer)", nh.history, kh.history, 1e-4)
    assert_close("kernel", n.get_weights()[0], k.get_weights()[0], 1e-4)


# ---- losses: Dice, Tversky, CategoricalGeneralizedCrossEntropy, Circle ---------------------------

_RNG = np.random.default_rng(3)
_MASKS = (_RNG.random((4, 3, 2)) > 0.5).astype("float32")
_SCORES = _RNG.random((4, 3, 2)).astype("float32")
_LABELS = np.array([0, 1, 0, 2, 1, 2], "float32")
_PROBS = _RNG.dirichlet(np.ones(3), 6).astype("float32")
_EMB = _RNG.normal(size=(6, 4)).astype("float32")
_EMB /= np.linalg.norm(_EMB, axis=1, keepdims=True)
_EMB_LABELS = np.array([0, 1, 0, 2, 1, 3], "float32")  # class 3 alone: a loss of 0, masked

LOSS_CASES = [
    ("Dice", {}, _MASKS, _SCORES),
    ("Dice", {"axis": (1, 2)}, _MASKS, _SCORES),
    ("Dice", {"axis": (1, 2), "reduction": "sum"}, _MASKS, _SCORES),
    ("Tversky", {}, _MASKS, _SCORES),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, _MASKS, _SCORES),
    ("Tversky", {"alpha": 0.9, "beta": 0.1, "axis": -1, "reduction": None}, _MASKS, _SCORES),
    ("CategoricalGeneralizedCrossEntropy", {}, _LABELS, _PROBS),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2, "reduction": "sum"}, _LABELS, _PROBS),
    ("Circle", {}, _EMB_LABELS, _EMB),
    ("Circle", {"gamma": 10.0, "margin": 0.25}, _EMB_LABELS, _EMB),
    ("Circle", {"remove_diagonal": False}, _EMB_LABELS, _EMB),
    ("Circle", {"gamma": 5.0, "reduction": "sum"}, _EMB_LABELS, _EMB),
    ("Circle", {"gamma": 5.0, "reduction": "mean_with_sample_weight"}, _EMB_LABELS, _EMB),
]


@pytest.mark.parametrize("cls, kwargs, y_true, y_pred", LOSS_CASES)
def test_loss_classes_match_keras(cls, kwargs, y_true, y_pred):
    want = np.asarray(getattr(keras.losses, cls)(**kwargs)(y_true, y_pred))
    got = np.asarray(getattr(nerve.losses, cls)(**kwargs)(y_true, y_pred))
    assert_close(f"{cls}({kwargs})", got, want, 1e-5)
    if kwargs.get("axis") in ((1, 2),) or cls in ("CategoricalGeneralizedCrossEntropy", "Circle"):
        # one value per sample: weigh them
        weights = np.linspace(0.5, 2.0, len(y_true)).astype("float32")
        want = np.asarray(getattr(keras.losses, cls)(**kwargs)(y_true, y_pred, weights))
        got = np.asarray(getattr(nerve.losses, cls)(**kwargs)(y_true, y_pred, weights))
        assert_close(f"{cls}({kwargs}) weighted", got, want, 1e-5)


@pytest.mark.parametrize(
    "fn, kwargs, y_true, y_pred",
    [
        ("dice", {}, _MASKS, _SCORES),
        ("dice", {"axis": (1, 2)}, _MASKS, _SCORES),
        ("tversky", {"alpha": 0.2, "beta": 0.8}, _MASKS, _SCORES),
        ("tversky", {"axis": (1, 2)}, _MASKS, _SCORES),
        ("categorical_generalized_cross_entropy", {"q": 0.7}, _LABELS, _PROBS),
        ("circle", {}, _EMB_LABELS, _EMB),
        ("circle", {"gamma": 3.0, "margin": 0.1, "remove_diagonal": False}, _EMB_LABELS, _EMB),
        (
            "circle",
            {"ref_labels": _EMB_LABELS[:4], "ref_embeddings": _EMB[:4]},
            _EMB_LABELS,
            _EMB,
        ),
    ],
)
def test_loss_functions_match_keras(fn, kwargs, y_true, y_pred):
    want = np.asarray(getattr(keras.losses, fn)(y_true, y_pred, **kwargs))
    got = getattr(nerve.losses, fn)(y_true, y_pred, **kwargs)
    assert isinstance(got, np.ndarray)
    assert_close(f"{fn}({kwargs})", got, want, 1e-5)


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        ("Dice", {"axis": (1,), "name": "d"}),
        ("Tversky", {"alpha": 0.25, "beta": 0.75, "axis": None, "reduction": "sum"}),
        ("CategoricalGeneralizedCrossEntropy", {"q": 0.25}),
        ("Circle", {"gamma": 30.0, "margin": 0.2, "remove_diagonal": False}),
    ],
)
def test_loss_configs_as_keras_and_round_trip(cls, kwargs):
    loss = getattr(nerve.losses, cls)(**kwargs)
    config = loss.get_config()
    want = getattr(keras.losses, cls)(**kwargs).get_config()
    want.pop("dtype", None)
    assert {k: config[k] for k in want} == want
    back = getattr(nerve.losses, cls).from_config(config)
    assert back.get_config() == config
    # as a model file stores a compiled loss
    from nerve.saving import serialization

    entry = serialization.serialize_loss(loss)
    assert entry["class_name"] == cls
    restored = serialization.deserialize_loss(entry)
    assert type(restored) is type(loss) and restored.get_config() == config


def test_loss_names_and_checks():
    for name, cls in (
        ("dice", "Dice"),
        ("tversky", "Tversky"),
        ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy"),
        ("circle", "Circle"),
    ):
        assert type(nerve.losses.get(name)).__name__ == cls
        assert type(nerve.losses.get(cls)).__name__ == cls
        assert type(nerve.losses.get(getattr(nerve.losses, name))).__name__ == cls
    for q in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="q must be in the interval"):
            nerve.losses.CategoricalGeneralizedCrossEntropy(q=q)


def _segmenter(lib):
    m = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2, activation="sigmoid")])
    return m


def _classifier(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax")])


def _embedder(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(4), lib.layers.UnitNormalization()])


_X = np.random.default_rng(4).normal(size=(32, 4)).astype("float32")
_Y_MASK = (_X[:, :2] > 0).astype("float32")
_Y_CLASS = (np.arange(32) % 3).astype("float32")
_Y_EMB = np.tile(np.repeat(np.arange(4), 2), 4).astype("float32")  # each class twice a batch


@pytest.mark.parametrize(
    "build, y, loss",
    [
        (_segmenter, _Y_MASK, lambda lib: lib.losses.Dice()),
        (_segmenter, _Y_MASK, lambda lib: lib.losses.Dice(axis=-1)),
        (_segmenter, _Y_MASK, lambda lib: lib.losses.Tversky(alpha=0.3, beta=0.7)),
        (_segmenter, _Y_MASK, lambda lib: lib.losses.tversky),
        (_classifier, _Y_CLASS, lambda lib: lib.losses.CategoricalGeneralizedCrossEntropy(0.4)),
        (_embedder, _Y_EMB, lambda lib: lib.losses.Circle(gamma=8.0)),
        (_embedder, _Y_EMB, lambda lib: "circle"),
    ],
    ids=["dice", "dice-rows", "tversky", "tversky-fn", "gce", "circle", "circle-name"],
)
def test_fit_with_the_losses_matches_keras(build, y, loss):
    k, n = twin_models(build)
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(lib.optimizers.SGD(0.1), loss(lib))
    kh = k.fit(_X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    nh = n.fit(_X, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert_history_close("fit", nh.history, kh.history, 1e-4)
    for a, b in zip(n.get_weights(), k.get_weights()):
        assert_close("weights", a, b, 1e-4)
    assert_close("evaluate", n.evaluate(_X, y, verbose=0), k.evaluate(_X, y, verbose=0), 1e-4)


def test_a_model_compiled_with_circle_saves_and_reloads(tmp_path):
    model = _embedder(nerve)
    model.compile(nerve.optimizers.SGD(0.1), nerve.losses.Circle(gamma=8.0, margin=0.3))
    model.fit(_X, _Y_EMB, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = str(tmp_path / "m.nerve")
    model.save(path)
    back = nerve.saving.load_model(path)
    assert back.loss.get_config() == model.loss.get_config()
    assert_close(
        "evaluate after reload",
        back.evaluate(_X, _Y_EMB, verbose=0),
        model.evaluate(_X, _Y_EMB, verbose=0),
        1e-6,
    )
