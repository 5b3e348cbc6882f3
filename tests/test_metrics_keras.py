"""AUC and RootMeanSquaredError against Keras 3: standalone (several prediction sets, including
predictions outside [0, 1] that Keras clips into its end buckets, logits, sample weights, every
curve / summation_method / num_thresholds), and inside model.evaluate() and fit() logs."""

import os

import numpy as np
import pytest

import nerve

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

rng = np.random.default_rng(3)
N = 120
TRUTH = (rng.uniform(size=(N, 2)) < 0.4).astype(np.float32)
WEIGHTS = rng.uniform(0.0, 2.0, N).astype(np.float32)
PREDICTIONS = {
    "probabilities": rng.uniform(size=(N, 2)),
    "outside_0_1": rng.normal(0.3, 0.8, size=(N, 2)),
    "logits": rng.normal(0.0, 3.0, size=(N, 2)),
    "informative": TRUTH * 0.6 + rng.normal(0.2, 0.4, size=(N, 2)),
}
AUC_SETTINGS = [
    {},
    {"curve": "PR"},
    {"num_thresholds": 7},
    {"num_thresholds": 2},
    {"summation_method": "minoring"},
    {"summation_method": "majoring"},
    {"curve": "PR", "summation_method": "minoring"},
    {"curve": "PR", "summation_method": "majoring"},
    {"from_logits": True},
    {"from_logits": True, "curve": "PR", "num_thresholds": 50},
]


def _ids(settings):
    return "-".join(f"{k}={v}" for k, v in settings.items()) or "defaults"


@pytest.mark.parametrize("pred_name", list(PREDICTIONS))
@pytest.mark.parametrize("settings", AUC_SETTINGS, ids=_ids)
@pytest.mark.parametrize("weighted", [False, True])
def test_auc_matches_keras(pred_name, settings, weighted):
    pred = PREDICTIONS[pred_name].astype(np.float32)
    w = WEIGHTS if weighted else None
    k, n = keras.metrics.AUC(**settings), nerve.metrics.AUC(**settings)
    for part in (slice(0, 50), slice(50, N)):  # accumulated over two updates
        k.update_state(TRUTH[part], pred[part], sample_weight=None if w is None else w[part])
        n.update_state(TRUTH[part], pred[part], sample_weight=None if w is None else w[part])
    assert n.result() == pytest.approx(float(k.result()), rel=1e-5, abs=1e-7)


def test_auc_outside_0_1_is_the_keras_value():
    # The reported case: a linear output scored by AUC. Keras clips into [0, 1] first.
    truth = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0], np.float32)
    pred = np.array([-2.0, 3.0, 0.5, 0.2, 1.5, -0.1, 0.7, 0.9, 1.2, -0.5], np.float32)
    k = keras.metrics.AUC()
    k.update_state(truth, pred)
    assert nerve.metrics.AUC()(truth, pred) == pytest.approx(float(k.result()), rel=1e-6)


def test_auc_refuses_what_it_does_not_support():
    with pytest.raises(ValueError, match="multi_label=True is not supported"):
        nerve.metrics.AUC(multi_label=True)
    with pytest.raises(ValueError, match=r"thresholds=\[0.2, 0.5\] is not supported"):
        nerve.metrics.AUC(thresholds=[0.2, 0.5])
    with pytest.raises(ValueError, match="summation_method must be one of"):
        nerve.metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="'PRGAIN' is not supported"):
        nerve.metrics.AUC(curve="PRGAIN")


@pytest.mark.parametrize("weighted", [False, True])
def test_root_mean_squared_error_matches_keras(weighted):
    t = rng.normal(size=(N, 3)).astype(np.float32)
    p = rng.normal(size=(N, 3)).astype(np.float32)
    w = WEIGHTS if weighted else None
    k = keras.metrics.RootMeanSquaredError()
    k.update_state(t, p, sample_weight=w)
    n = nerve.metrics.RootMeanSquaredError()
    n.update_state(t, p, sample_weight=w)
    assert n.result() == pytest.approx(float(k.result()), rel=1e-6)
    assert n.name == k.name == "root_mean_squared_error"
    assert (
        nerve.metrics.get("root_mean_squared_error").name
        == keras.metrics.get("root_mean_squared_error").name
    )
    assert type(nerve.metrics.get("RootMeanSquaredError")) is nerve.metrics.RootMeanSquaredError
    assert type(nerve.metrics.get("AUC")) is nerve.metrics.AUC


def _models():
    def build(lib):
        return lib.Sequential(
            [lib.Input((4,)), lib.layers.Dense(6, activation="tanh"), lib.layers.Dense(2)]
        )  # linear output: values outside [0, 1]

    km, nm = build(keras), build(nerve)
    nm.set_weights(km.get_weights())
    return km, nm


def _metrics(lib):
    return [
        lib.metrics.AUC(name="auc"),
        lib.metrics.AUC(curve="PR", name="pr_auc"),
        lib.metrics.AUC(from_logits=True, num_thresholds=50, name="auc_logits"),
        lib.metrics.RootMeanSquaredError(name="rmse"),
    ]


def test_in_evaluate_and_fit_logs():
    x = rng.normal(size=(N, 4)).astype(np.float32)
    km, nm = _models()
    km.compile(
        optimizer=keras.optimizers.SGD(0.05),
        loss="mse",
        metrics=_metrics(keras) + ["root_mean_squared_error"],
    )
    nm.compile(
        optimizer=nerve.optimizers.SGD(0.05),
        loss="mse",
        metrics=_metrics(nerve) + ["root_mean_squared_error"],
    )
    k_eval = km.evaluate(x, TRUTH, batch_size=32, verbose=0, return_dict=True)
    n_eval = nm.evaluate(x, TRUTH, batch_size=32, verbose=0, return_dict=True)
    assert set(n_eval) == set(k_eval)
    for name, value in k_eval.items():
        assert n_eval[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name
    hk = km.fit(x, TRUTH, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    hn = nm.fit(x, TRUTH, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    for name, values in hk.items():
        np.testing.assert_allclose(hn[name], values, rtol=1e-5, atol=1e-7, err_msg=name)


def test_weighted_metrics_in_evaluate():
    x = rng.normal(size=(N, 4)).astype(np.float32)
    km, nm = _models()
    km.compile(optimizer="sgd", loss="mse", weighted_metrics=_metrics(keras))
    nm.compile(optimizer="sgd", loss="mse", weighted_metrics=_metrics(nerve))
    k_eval = km.evaluate(
        x, TRUTH, sample_weight=WEIGHTS, batch_size=32, verbose=0, return_dict=True
    )
    n_eval = nm.evaluate(
        x, TRUTH, sample_weight=WEIGHTS, batch_size=32, verbose=0, return_dict=True
    )
    for name, value in k_eval.items():
        assert n_eval[name] == pytest.approx(value, rel=1e-5, abs=1e-7), name


# ---- the metric functions: one value per sample, as keras.metrics' functions ------------------
def _function_cases():
    r = np.random.default_rng(7)
    probs = r.uniform(size=(6, 4)).astype(np.float32)
    probs[0, :2] = 0.5  # a tie at the top
    onehot = np.eye(4, dtype=np.float32)[r.integers(0, 4, 6)]
    ids = r.integers(0, 4, 6).astype(np.float32)
    binary = r.integers(0, 2, (6, 3)).astype(np.float32)
    return [
        ("binary_accuracy", {}, binary, r.uniform(size=(6, 3)).astype(np.float32)),
        ("binary_accuracy", {"threshold": 0.8}, binary, r.uniform(size=(6, 3)).astype(np.float32)),
        ("categorical_accuracy", {}, onehot, probs),
        ("sparse_categorical_accuracy", {}, ids, probs),
        ("sparse_categorical_accuracy", {}, ids[:, None], probs),
        ("top_k_categorical_accuracy", {"k": 2}, onehot, probs),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, ids, probs),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, ids[:, None], probs),
        (
            "sparse_top_k_categorical_accuracy",
            {"k": 2, "from_sorted_ids": True},
            ids,
            np.argsort(-probs, axis=-1).astype(np.float32),
        ),
        ("mean_absolute_error", {}, probs, onehot),
        (
            "mean_squared_error",
            {},
            r.normal(size=(2, 3, 4)).astype(np.float32),
            probs[:6].reshape(2, 3, 4),
        ),
    ]


@pytest.mark.parametrize(
    "name,kwargs,y_true,y_pred", _function_cases(), ids=lambda v: v if isinstance(v, str) else None
)
def test_metric_functions_match_keras_per_sample(name, kwargs, y_true, y_pred):
    ours = np.asarray(getattr(nerve.metrics, name)(y_true, y_pred, **kwargs))
    theirs = np.asarray(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
