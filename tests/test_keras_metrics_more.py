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
