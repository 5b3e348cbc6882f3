"""Keras 3's other losses (Hinge, SquaredHinge, CategoricalHinge, LogCosh, MAPE, MSLE, Poisson,
CosineSimilarity, the focal cross-entropies) and the metrics of the same names, written in
nerve.ops: direct calls, gradients, training and running metric values against Keras 3 (JAX)."""

import warnings

import numpy as np
import pytest

import nerve

from _keras_diff import assert_close, assert_history_close, assert_weights_close, keras, twin_models

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

UNITS = 3


def _data(kind: str, n: int, seed: int):
    """(y_true, y_pred) each loss is meant for: its label kind and its prediction range."""
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=(n, UNITS)).astype(np.float32)
    if kind == "binary":  # {0, 1} labels, probabilities
        true = rng.integers(0, 2, (n, UNITS)).astype(np.float32)
        pred = 1.0 / (1.0 + np.exp(-pred))
    elif kind == "signs":  # {-1, 1} labels (kept by the hinge losses), scores
        true = rng.choice([-1.0, 1.0], (n, UNITS)).astype(np.float32)
    elif kind == "onehot":
        true = np.eye(UNITS, dtype=np.float32)[rng.integers(0, UNITS, n)]
        pred = np.exp(pred) / np.exp(pred).sum(-1, keepdims=True)
    elif kind == "counts":  # Poisson: counts, positive rates
        true = rng.poisson(2.0, (n, UNITS)).astype(np.float32)
        pred = np.abs(pred) + 0.1
    elif kind == "positive":  # MSLE
        true = rng.random((n, UNITS)).astype(np.float32) * 3.0
    elif kind == "away_from_zero":  # MAPE divides by |y_true|
        true = (rng.choice([-1.0, 1.0], (n, UNITS)) * (0.5 + rng.random((n, UNITS)))).astype(
            np.float32
        )
    else:
        true = rng.normal(size=(n, UNITS)).astype(np.float32)
    return true, pred.astype(np.float32)


# (class name, constructor arguments, data kind, the model's output activation for training)
CASES = [
    ("Hinge", {}, "binary", None),
    ("Hinge", {}, "signs", None),
    ("SquaredHinge", {}, "binary", None),
    ("SquaredHinge", {}, "signs", None),
    ("CategoricalHinge", {}, "onehot", None),
    ("LogCosh", {}, "normal", None),
    ("MeanAbsolutePercentageError", {}, "away_from_zero", None),
    ("MeanSquaredLogarithmicError", {}, "positive", None),
    ("Poisson", {}, "counts", "softplus"),
    ("CosineSimilarity", {}, "normal", None),
    ("BinaryFocalCrossentropy", {}, "binary", "sigmoid"),
    (
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "label_smoothing": 0.1},
        "binary",
        "sigmoid",
    ),
    ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 3.0}, "binary", None),
    ("CategoricalFocalCrossentropy", {}, "onehot", "softmax"),
    (
        "CategoricalFocalCrossentropy",
        {"from_logits": True, "alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.2},
        "onehot",
        None,
    ),
]
IDS = [
    f"{name}-{kind}-{'-'.join(map(str, kwargs.values())) or 'defaults'}"
    for name, kwargs, kind, _ in CASES
]


def _logits_data(kwargs, kind, n, seed):
    true, pred = _data(kind, n, seed)
    if kwargs.get("from_logits"):
        pred = np.random.default_rng(seed + 1).normal(size=pred.shape).astype(np.float32) * 2.0
    return true, pred


@pytest.mark.parametrize("name,kwargs,kind,activation", CASES, ids=IDS)
def test_direct_call_matches_keras(name, kwargs, kind, activation):
    true, pred = _logits_data(kwargs, kind, 8, seed=1)
    weights = np.random.default_rng(2).random(8).astype(np.float32)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", "none"):
        ours = getattr(nerve.losses, name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
        for w in (None, weights):
            got = ours(true, pred, sample_weight=w)
            want = np.asarray(theirs(true, pred, sample_weight=w))
            assert_close(f"{name} {reduction} weighted={w is not None}", got, want)
    # the function form, one value per sample
    fn = getattr(nerve.losses, ours.fn.__name__)
    want = np.asarray(getattr(keras.losses, ours.fn.__name__)(true, pred, **kwargs))
    assert_close(f"{name} function", fn(true, pred, **kwargs), want)


@pytest.mark.parametrize("name,kwargs,kind,activation", CASES, ids=IDS)
def test_gradient_matches_jax(name, kwargs, kind, activation):
    import jax

    true, pred = _logits_data(kwargs, kind, 6, seed=3)
    weights = np.random.default_rng(4).random(6).astype(np.float32)
    theirs = getattr(keras.losses, name)(**kwargs)
    want = jax.grad(lambda p: theirs(true, p, sample_weight=weights))(pred)
    pt = nerve.Tensor(pred)
    with nerve.GradientTape() as tape:
        tape.watch(pt)
        loss = getattr(nerve.losses, name)(**kwargs)(nerve.Tensor(true), pt, sample_weight=weights)
    (got,) = tape.gradient(loss, [pt])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-6)


def _build(activation):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(6, activation="tanh"),
                lib.layers.Dense(UNITS, activation=activation),
            ]
        )

    return build


@pytest.mark.parametrize("name,kwargs,kind,activation", CASES, ids=IDS)
def test_fit_matches_keras_and_is_traced(name, kwargs, kind, activation):
    x = np.random.default_rng(6).normal(size=(24, 4)).astype(np.float32)
    y, _ = _data(kind, 24, seed=7)
    w = np.random.default_rng(8).random(24).astype(np.float32)
    k_model, n_model = twin_models(_build(activation))
    histories = []
    for lib, model in ((keras, k_model), (nerve, n_model)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss=getattr(lib.losses, name)(**kwargs))
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # "could not be traced" would fail
            fit = model.fit(x, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False, verbose=0)
            evaluated = model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0)
        histories.append({**fit.history, "evaluate": [evaluated]})
    assert_history_close(name, histories[1], histories[0])
    assert_weights_close(name, n_model, k_model)


METRICS = [
    ("Hinge", "binary"),
    ("SquaredHinge", "signs"),
    ("CategoricalHinge", "onehot"),
    ("LogCoshError", "normal"),
    ("MeanAbsolutePercentageError", "away_from_zero"),
    ("MeanSquaredLogarithmicError", "positive"),
    ("Poisson", "counts"),
    ("CosineSimilarity", "normal"),
]


@pytest.mark.parametrize("name,kind", METRICS)
def test_metric_running_value_matches_keras(name, kind):
    ours, theirs = getattr(nerve.metrics, name)(), getattr(keras.metrics, name)()
    assert ours.name == theirs.name
    for batch in range(3):
        true, pred = _data(kind, 8, seed=10 + batch)
        w = None if batch == 1 else np.random.default_rng(batch).random(8).astype(np.float32)
        ours.update_state(true, pred, sample_weight=w)
        theirs.update_state(true, pred, sample_weight=w)
        assert_close(f"{name} after batch {batch}", ours.result(), float(theirs.result()))
    ours.reset_state()
    assert ours.result() == 0.0


@pytest.mark.parametrize("name", ["Hinge", "LogCosh", "Poisson", "MeanSquaredLogarithmicError"])
def test_labels_of_rank_one_meet_outputs_of_one_unit_as_in_keras(name):
    true, pred = _data("counts" if name == "Poisson" else "binary", 6, seed=22)
    true, pred = true[:, 0], pred[:, :1]  # (6,) labels, (6, 1) predictions
    for reduction in ("sum_over_batch_size", "none"):
        got = getattr(nerve.losses, name)(reduction=reduction)(true, pred)
        want = np.asarray(getattr(keras.losses, name)(reduction=reduction)(true, pred))
        assert_close(f"{name} {reduction}", got, want)


def test_cosine_similarity_over_another_axis():
    true, pred = _data("normal", 8, seed=21)
    for reduction in ("sum_over_batch_size", "none"):
        got = nerve.losses.CosineSimilarity(axis=0, reduction=reduction)(true, pred)
        want = np.asarray(keras.losses.CosineSimilarity(axis=0, reduction=reduction)(true, pred))
        assert_close(f"CosineSimilarity axis=0 {reduction}", got, want)
    metric = nerve.metrics.CosineSimilarity(axis=0)
    k_metric = keras.metrics.CosineSimilarity(axis=0)
    metric.update_state(true, pred)
    k_metric.update_state(true, pred)
    assert_close("CosineSimilarity metric axis=0", metric.result(), float(k_metric.result()))


def test_metric_functions_match_keras():
    true, pred = _data("normal", 8, seed=20)
    probabilities = 1.0 / (1.0 + np.exp(-pred))
    for fn in (
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "log_cosh",
        "poisson",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
    ):
        p = probabilities if "focal" in fn or fn == "poisson" else pred
        want = np.asarray(getattr(keras.metrics, fn)(true, p))
        assert_close(fn, getattr(nerve.metrics, fn)(true, p), want)


LOSS_NAMES = {
    "hinge": "Hinge",
    "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge",
    "log_cosh": "LogCosh",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mape": "MeanAbsolutePercentageError",
    "MAPE": "MeanAbsolutePercentageError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "msle": "MeanSquaredLogarithmicError",
    "MSLE": "MeanSquaredLogarithmicError",
    "poisson": "Poisson",
    "cosine_similarity": "CosineSimilarity",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "Hinge": "Hinge",
    "CategoricalFocalCrossentropy": "CategoricalFocalCrossentropy",
}
METRIC_NAMES = {
    "hinge": "Hinge",
    "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge",
    "log_cosh_error": "LogCoshError",
    "mape": "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "msle": "MeanSquaredLogarithmicError",
    "poisson": "Poisson",
    "cosine_similarity": "CosineSimilarity",
    "Hinge": "Hinge",
}


def test_string_names_resolve_as_keras():
    for name, cls in LOSS_NAMES.items():
        loss = nerve.losses.get(name)
        assert type(loss).__name__ == cls, name
        assert nerve.losses.is_python_loss(loss)
        keras_loss = keras.losses.get(name)  # Keras knows the name too (a function or a class)
        assert keras_loss is not None
    for name, cls in METRIC_NAMES.items():
        metric = nerve.metrics.get(name)
        assert type(metric).__name__ == cls and metric.name == name, name
        assert type(keras.metrics.get(name)).__name__ in (cls, "type")
    assert type(nerve.losses.get("mse")).__name__ == "MeanSquaredError"  # C++ names unchanged
    assert not nerve.losses.is_python_loss(nerve.losses.get("mse"))
    with pytest.raises(ValueError, match="Unknown loss"):
        nerve.losses.get("hinges")
    # tf.keras 2's "logcosh" is no Keras 3 name, as loss or metric: refused in both
    for get in (keras.losses.get, keras.metrics.get, nerve.losses.get, nerve.metrics.get):
        with pytest.raises(ValueError):
            get("logcosh")


def test_compile_with_string_names_matches_keras():
    x = np.random.default_rng(30).normal(size=(16, 4)).astype(np.float32)
    y, _ = _data("binary", 16, seed=31)
    k_model, n_model = twin_models(_build(None))
    histories = []
    for lib, model in ((keras, k_model), (nerve, n_model)):
        model.compile(
            optimizer=lib.optimizers.SGD(0.05),
            loss="squared_hinge",
            metrics=["hinge", "mape", "cosine_similarity", "log_cosh_error", "mae"],
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            fit = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        histories.append(fit.history)
    assert_history_close("string names", histories[1], histories[0])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="reduction"):
        nerve.losses.Hinge(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        nerve.losses.BinaryFocalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="gamma"):
        nerve.losses.CategoricalFocalCrossentropy(gamma=-1.0)
    one_class = np.ones((4, 1), np.float32)
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):  # as Keras
        nerve.losses.categorical_focal_crossentropy(one_class, one_class)
    with pytest.raises(ValueError, match="axis"):
        nerve.losses.categorical_focal_crossentropy(
            np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32), axis=True
        )


@pytest.mark.parametrize("suffix", [".nerve", ".keras"])
def test_a_model_compiled_with_them_saves_and_loads(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py")
    x = np.random.default_rng(40).normal(size=(16, 4)).astype(np.float32)
    y, _ = _data("binary", 16, seed=41)
    model = _build("sigmoid")(nerve)
    loss = nerve.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5)
    model.compile(optimizer="adam", loss=loss, metrics=[nerve.metrics.Hinge(), "msle"])
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    loaded = nerve.models.load_model(path)
    assert type(loaded.loss).__name__ == "BinaryFocalCrossentropy"
    assert loaded.loss.get_config() == loss.get_config()
    np.testing.assert_allclose(
        loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5
    )
    if suffix == ".keras":  # Keras reads nerve's file, and nerve reads Keras's
        k_model = keras.saving.load_model(path)
        assert k_model.loss.get_config() == loss.get_config()
        assert_close(
            "keras evaluate of nerve's file",
            k_model.evaluate(x, y, verbose=0),
            model.evaluate(x, y, verbose=0),
        )
        k_path = tmp_path / "from_keras.keras"
        k_model.save(k_path)
        back = nerve.models.load_model(k_path)
        assert back.loss.get_config() == loss.get_config()
        assert_close(
            "nerve evaluate of Keras's file",
            back.evaluate(x, y, verbose=0),
            k_model.evaluate(x, y, verbose=0),
        )
