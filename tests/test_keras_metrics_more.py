"""The Keras metrics added beside nerve.metrics (metrics_confusion, metrics_iou,
metrics_regression) against Keras 3 (KERAS_BACKEND=jax): standalone update_state / result /
reset_state on random data with and without sample weights, in compile(metrics=[...]) through
evaluate and two epochs of fit from the same weights (run by the C++ trainer), get_config /
from_config, save / load of a compiled model, and the arguments nerve refuses."""

import os
import re
import warnings

import numpy as np
import pytest

import nerve
from nerve.utils.keras_args import UnsupportedArgumentError

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

rng = np.random.default_rng(11)
N, C = 96, 4
MULTI_LABEL = (rng.uniform(size=(N, C)) < 0.4).astype(np.float32)
SCORES = rng.uniform(size=(N, C)).astype(np.float32)
LABELS = rng.integers(0, C, N).astype(np.float32)
ONE_HOT = np.eye(C, dtype=np.float32)[LABELS.astype(int)]
REGRESSION_TRUE = rng.normal(size=(N, C)).astype(np.float32)
REGRESSION_PRED = (REGRESSION_TRUE + rng.normal(size=(N, C))).astype(np.float32)
WEIGHTS = rng.uniform(0.0, 2.0, N).astype(np.float32)
INTEGER_WEIGHTS = rng.integers(0, 3, N).astype(np.float32)  # IoU's int state truncates others

# (class name, constructor arguments, y_true, y_pred, sample weights)
CASES = [
    ("TruePositives", {}, MULTI_LABEL, SCORES, WEIGHTS),
    ("FalsePositives", {"thresholds": [0.3, 0.7, 0.5]}, MULTI_LABEL, SCORES, WEIGHTS),
    ("TrueNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, MULTI_LABEL, SCORES, WEIGHTS),
    ("FalseNegatives", {"thresholds": 0.2}, MULTI_LABEL, SCORES, WEIGHTS),
    ("F1Score", {}, MULTI_LABEL, SCORES, WEIGHTS),
    ("F1Score", {"average": "micro", "threshold": 0.4}, MULTI_LABEL, SCORES, WEIGHTS),
    ("F1Score", {"average": "macro"}, ONE_HOT, SCORES, WEIGHTS),
    ("FBetaScore", {"average": "macro", "beta": 2.0}, MULTI_LABEL, SCORES, WEIGHTS),
    (
        "FBetaScore",
        {"average": "weighted", "beta": 0.5, "threshold": 0.5},
        MULTI_LABEL,
        SCORES,
        WEIGHTS,
    ),
    ("R2Score", {}, REGRESSION_TRUE, REGRESSION_PRED, WEIGHTS),
    ("R2Score", {"class_aggregation": None}, REGRESSION_TRUE, REGRESSION_PRED, WEIGHTS),
    (
        "R2Score",
        {"class_aggregation": "variance_weighted_average", "num_regressors": 3},
        REGRESSION_TRUE,
        REGRESSION_PRED,
        WEIGHTS,
    ),
    ("PearsonCorrelation", {}, REGRESSION_TRUE, REGRESSION_PRED, WEIGHTS),
    ("ConcordanceCorrelation", {}, REGRESSION_TRUE, REGRESSION_PRED, WEIGHTS),
    ("PrecisionAtRecall", {"recall": 0.5}, MULTI_LABEL, SCORES, WEIGHTS),
    ("PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 20}, MULTI_LABEL, SCORES, WEIGHTS),
    ("RecallAtPrecision", {"precision": 0.6, "num_thresholds": 50}, MULTI_LABEL, SCORES, WEIGHTS),
    ("SensitivityAtSpecificity", {"specificity": 0.5, "class_id": 1}, MULTI_LABEL, SCORES, WEIGHTS),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7}, MULTI_LABEL, SCORES, WEIGHTS),
    (
        "SpecificityAtSensitivity",
        {"sensitivity": 0.3, "num_thresholds": 1},
        MULTI_LABEL,
        SCORES,
        WEIGHTS,
    ),
    (
        "IoU",
        {"num_classes": C, "target_class_ids": [0, 2]},
        LABELS,
        np.argmax(SCORES, -1).astype(np.float32),
        INTEGER_WEIGHTS,
    ),
    (
        "IoU",
        {"num_classes": C, "target_class_ids": [1], "sparse_y_pred": False},
        LABELS,
        SCORES,
        INTEGER_WEIGHTS,
    ),
    (
        "MeanIoU",
        {"num_classes": C, "sparse_y_pred": False, "ignore_class": 2},
        LABELS,
        SCORES,
        INTEGER_WEIGHTS,
    ),
    ("BinaryIoU", {}, MULTI_LABEL[:, :1], SCORES[:, :1], INTEGER_WEIGHTS),
    (
        "BinaryIoU",
        {"target_class_ids": [1], "threshold": 0.3},
        MULTI_LABEL[:, :1],
        SCORES[:, :1],
        WEIGHTS,
    ),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}, ONE_HOT, SCORES, INTEGER_WEIGHTS),
    ("OneHotMeanIoU", {"num_classes": C}, ONE_HOT, SCORES, INTEGER_WEIGHTS),
]


def _ids(case):
    name, kwargs = case[0], case[1]
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def _keras_result(metric):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IoU's float-weight warning; adjusted R2's fallback
        return np.asarray(metric.result())


def _assert_same(ours, theirs, what=""):
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, what
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("weighted", [False, True])
def test_update_result_reset_match_keras(case, weighted):
    name, kwargs, y_true, y_pred, weights = case
    k, n = getattr(keras.metrics, name)(**kwargs), getattr(nerve.metrics, name)(**kwargs)
    assert n.name == re.sub(r"_\d+$", "", k.name)  # Keras numbers a repeated default name
    for part in (slice(0, 40), slice(40, N)):  # accumulated over two updates
        w = weights[part] if weighted else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k.update_state(y_true[part], y_pred[part], sample_weight=w)
        n.update_state(y_true[part], y_pred[part], sample_weight=w)
        _assert_same(n.result(), _keras_result(k), name)
    vector = np.asarray(n.result()).ndim == 1
    assert isinstance(n.result(), np.ndarray if vector else float)
    n.reset_state()
    n.update_state(y_true[:30], y_pred[:30])
    fresh = getattr(nerve.metrics, name)(**kwargs)
    fresh.update_state(y_true[:30], y_pred[:30])
    _assert_same(n.result(), np.asarray(fresh.result()), f"{name} after reset_state")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_config_round_trip(case):
    name, kwargs, y_true, y_pred, _ = case
    n = getattr(nerve.metrics, name)(**kwargs)
    config = n.get_config()
    theirs = getattr(keras.metrics, name)(**kwargs).get_config()
    assert set(config) - {"dtype"} == set(theirs) - {"dtype"}
    theirs["name"] = re.sub(r"_\d+$", "", theirs["name"])
    for key, value in config.items():
        if key != "dtype":
            assert value == theirs[key], key
    again = type(n).from_config(config)
    n.update_state(y_true, y_pred)
    again.update_state(y_true, y_pred)
    _assert_same(again.result(), np.asarray(n.result()), name)


# ---- inside compile(): evaluate and two epochs of fit beside Keras, from the same weights ------
X = rng.normal(size=(N, 5)).astype(np.float32)


def _multi_label_metrics(lib):
    m = lib.metrics
    return [
        m.F1Score(),
        m.F1Score(average="macro", name="f1_macro"),
        m.FBetaScore(beta=2.0, average="micro", threshold=0.5),
        m.TruePositives(),
        m.FalsePositives(thresholds=[0.3, 0.6]),
        m.TrueNegatives(),
        m.FalseNegatives(),
        m.PrecisionAtRecall(0.5),
        m.RecallAtPrecision(0.5),
        m.SensitivityAtSpecificity(0.5),
        m.SpecificityAtSensitivity(0.5, class_id=1),
    ]


def _one_hot_metrics(lib):
    m = lib.metrics
    return [
        m.F1Score(average="weighted"),
        m.OneHotIoU(C, [0, 2]),
        m.OneHotMeanIoU(C),
    ]


def _sparse_metrics(lib):
    m = lib.metrics
    return [m.MeanIoU(C, sparse_y_pred=False), m.IoU(C, [1, 3], sparse_y_pred=False)]


def _binary_metrics(lib):
    return [lib.metrics.BinaryIoU(), lib.metrics.BinaryIoU([1], threshold=0.4, name="iou_of_ones")]


def _regression_metrics(lib):
    m = lib.metrics
    return [
        m.R2Score(),
        m.R2Score(class_aggregation=None, name="r2_each"),
        m.PearsonCorrelation(),
        m.ConcordanceCorrelation(),
    ]


# (metrics, targets, output units, activation, loss)
SETUPS = {
    "multi_label": (_multi_label_metrics, MULTI_LABEL, C, "sigmoid", "binary_crossentropy"),
    "one_hot": (_one_hot_metrics, ONE_HOT, C, "softmax", "categorical_crossentropy"),
    "sparse": (_sparse_metrics, LABELS, C, "softmax", "sparse_categorical_crossentropy"),
    "binary": (_binary_metrics, MULTI_LABEL[:, :1], 1, "sigmoid", "binary_crossentropy"),
    "regression": (_regression_metrics, REGRESSION_TRUE, C, None, "mse"),
}


def _models(units, activation):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Dense(8, activation="tanh"),
                lib.layers.Dense(units, activation=activation),
            ]
        )

    km, nm = build(keras), build(nerve)
    nm.set_weights(km.get_weights())
    return km, nm


def _unnumbered(logs: dict) -> dict:
    """Keras's logs with its numbering of repeated default names removed
    ("true_positives_3", "val_true_positives_3")."""
    return {re.sub(r"_\d+$", "", name): value for name, value in logs.items()}


def _assert_logs_match(ours: dict, theirs: dict):
    theirs = _unnumbered(theirs)
    assert set(ours) == set(theirs)
    for name, value in theirs.items():
        _assert_same(np.asarray(ours[name], dtype=np.float32), np.asarray(value, np.float32), name)


@pytest.mark.parametrize("setup", list(SETUPS))
def test_in_compile_evaluate_and_fit_beside_keras(setup):
    make_metrics, y, units, activation, loss = SETUPS[setup]
    km, nm = _models(units, activation)
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=make_metrics(keras))
    nm.compile(optimizer=nerve.optimizers.SGD(0.1), loss=loss, metrics=make_metrics(nerve))
    assert nm._trainer is not None  # the C++ step, not the Python fallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k_eval = km.evaluate(X, y, batch_size=32, verbose=0, return_dict=True)
        hk = km.fit(X, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no eager-step warning
        n_eval = nm.evaluate(X, y, batch_size=32, verbose=0, return_dict=True)
        hn = nm.fit(X, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    _assert_logs_match(n_eval, k_eval)
    hk = _unnumbered(hk)
    assert set(hn) == set(hk)
    for name, values in hk.items():
        for epoch, value in enumerate(values):
            _assert_same(np.asarray(hn[name][epoch], np.float32), np.asarray(value), name)


def test_weighted_metrics_in_evaluate_beside_keras():
    km, nm = _models(C, "sigmoid")
    km.compile(
        optimizer="sgd", loss="binary_crossentropy", weighted_metrics=_multi_label_metrics(keras)
    )
    nm.compile(
        optimizer="sgd", loss="binary_crossentropy", weighted_metrics=_multi_label_metrics(nerve)
    )
    kw = {"sample_weight": WEIGHTS, "batch_size": 32, "verbose": 0, "return_dict": True}
    _assert_logs_match(nm.evaluate(X, MULTI_LABEL, **kw), km.evaluate(X, MULTI_LABEL, **kw))


def test_string_names_as_keras():
    km, nm = _models(C, "sigmoid")
    km.compile(loss="binary_crossentropy", metrics=["f1_score", "true_positives", "r2_score"])
    nm.compile(loss="binary_crossentropy", metrics=["f1_score", "true_positives", "r2_score"])
    kw = {"batch_size": 32, "verbose": 0, "return_dict": True}
    _assert_logs_match(nm.evaluate(X, MULTI_LABEL, **kw), km.evaluate(X, MULTI_LABEL, **kw))
    for name in ("precision_at_recall", "mean_io_u"):  # Keras: these need arguments
        with pytest.raises(TypeError):
            keras.metrics.get(name)
        with pytest.raises(TypeError):
            nerve.metrics.get(name)


def test_save_and_load_a_compiled_model(tmp_path):
    _, nm = _models(C, "sigmoid")
    nm.compile(optimizer="sgd", loss="binary_crossentropy", metrics=_multi_label_metrics(nerve))
    before = nm.evaluate(X, MULTI_LABEL, batch_size=32, verbose=0, return_dict=True)
    path = str(tmp_path / "model.keras")
    nm.save(path)
    loaded = nerve.saving.load_model(path)
    after = loaded.evaluate(X, MULTI_LABEL, batch_size=32, verbose=0, return_dict=True)
    assert set(after) == set(before)
    for name in before:
        _assert_same(np.asarray(after[name]), np.asarray(before[name]), name)
    for setup in ("one_hot", "sparse", "regression"):
        make_metrics, y, units, activation, loss = SETUPS[setup]
        _, nm = _models(units, activation)
        nm.compile(loss=loss, metrics=make_metrics(nerve))
        nm.save(path)
        loaded = nerve.saving.load_model(path)
        assert [type(m) for m in loaded._metric_objects] == [type(m) for m in nm._metric_objects]
        assert [m.get_config() for m in loaded._metric_objects] == [
            m.get_config() for m in nm._metric_objects
        ]


# ---- bad input and what nerve refuses ---------------------------------------------------------
def test_refusals_and_bad_arguments():
    m = nerve.metrics
    with pytest.raises(UnsupportedArgumentError, match="axis=0 is not supported"):
        m.PearsonCorrelation(axis=0)
    with pytest.raises(UnsupportedArgumentError, match="axis=1 is not supported"):
        m.MeanIoU(3, axis=1)
    with pytest.raises(ValueError, match="beta must be a Python float"):
        m.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="average must be one of"):
        m.F1Score(average="samples")
    with pytest.raises(ValueError, match="threshold values must be in"):
        m.TruePositives(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="recall must be in"):
        m.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="target class id 3 is out of range"):
        m.IoU(3, [0, 3])
    with pytest.raises(ValueError, match="class_aggregation must be one of"):
        m.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match=r"f1_score: expects 2D inputs .* \(2, 3, 4\)"):
        m.F1Score().update_state(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    f1 = m.F1Score()
    f1.update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="got 4 classes after batches of 3"):
        f1.update_state(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="class_id=5 needs predictions"):
        m.PrecisionAtRecall(0.5, class_id=5).update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="expected as many of each"):
        m.MeanIoU(3).update_state(np.zeros((4,)), np.zeros((4, 3)))


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis", [-1, 1])
def test_correlation_functions_match_keras(name, axis):
    y_true = REGRESSION_TRUE.reshape(8, 12, C)
    y_pred = REGRESSION_PRED.reshape(8, 12, C)
    ours = getattr(nerve.metrics, name)(y_true, y_pred, axis=axis)
    theirs = np.asarray(getattr(keras.metrics, name)(y_true, y_pred, axis=axis))
    _assert_same(ours, theirs, name)


class _OwnStep(nerve.Model):
    """Keras's documented custom train_step: every metric's update_state, then its result()."""

    def train_step(self, data):
        x, y = data
        with nerve.GradientTape() as tape:
            pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=pred)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        for m in self.metrics:
            m.update_state(loss) if m.name == "loss" else m.update_state(y, pred)
        return {m.name: m.result() for m in self.metrics}


def test_vector_results_in_a_traced_train_step():
    def metrics():
        m = nerve.metrics
        return [
            m.F1Score(),
            m.FalsePositives(thresholds=[0.3, 0.6]),
            m.R2Score(class_aggregation=None),
            m.PrecisionAtRecall(0.5),
        ]

    plain, _ = _models(C, "sigmoid")  # a Keras model, for the weights both nerve models start from
    histories = []
    for cls in (None, _OwnStep):
        inputs = nerve.Input((5,))
        hidden = nerve.layers.Dense(8, activation="tanh")(inputs)
        outputs = nerve.layers.Dense(C, activation="sigmoid")(hidden)
        model = (cls or nerve.Model)(inputs, outputs)
        model.set_weights(plain.get_weights())
        model.compile(
            optimizer=nerve.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=metrics()
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # traced into C++: no warning about a Python step
            fit = model.fit(X, MULTI_LABEL, batch_size=32, epochs=2, shuffle=False, verbose=0)
        histories.append(fit.history)
    compiled, own = histories
    assert set(own) == set(compiled)
    for name, values in compiled.items():
        for ours, theirs in zip(own[name], values):
            _assert_same(np.asarray(ours, np.float32), np.asarray(theirs, np.float32), name)
    assert own["f1_score"][0].shape == (C,)


def test_load_a_keras_file_compiled_with_them(tmp_path):
    km, _ = _models(C, "sigmoid")
    km.compile(optimizer="sgd", loss="binary_crossentropy", metrics=_multi_label_metrics(keras))
    path = str(tmp_path / "keras_model.keras")
    km.save(path)
    nm = nerve.saving.load_model(path)
    kw = {"batch_size": 32, "verbose": 0, "return_dict": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = km.evaluate(X, MULTI_LABEL, **kw)
    # the loaded metrics keep Keras's names, numbered when this session made others before
    _assert_logs_match(_unnumbered(nm.evaluate(X, MULTI_LABEL, **kw)), theirs)
