"""Metrics: values against numpy (Keras formulas), accumulation across batches in evaluate(),
sample weights, and compile-time checks."""

import numpy as np
import pytest

import nerve

rng = np.random.default_rng(0)
N, C = 97, 5
SCORES = rng.standard_normal((N, C)).astype(np.float32)
PROBS = (np.exp(SCORES) / np.exp(SCORES).sum(-1, keepdims=True)).astype(np.float32)
LABELS = rng.integers(0, C, N)
ONEHOT = np.eye(C, dtype=np.float32)[LABELS]
BIN_P = rng.uniform(size=(N, 3)).astype(np.float32)
BIN_T = (rng.uniform(size=(N, 3)) < 0.4).astype(np.float32)
W = rng.uniform(0, 2, N)


def _top_k(p, labels, k):
    return np.mean([(p[i] > p[i, labels[i]]).sum() < k for i in range(len(p))])


def _keras_auc(pred, truth, num_thresholds=200, curve="ROC", w=None):
    eps = 1e-7
    thr = np.array(
        [-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps]
    )
    pred, truth = pred.ravel().astype(np.float64), truth.ravel() != 0
    w = np.ones_like(pred) if w is None else np.repeat(w, pred.size // len(w))
    above = pred[None, :] > thr[:, None]
    tp = (above & truth).astype(float) @ w
    fp = (above & ~truth).astype(float) @ w
    fn = (~above & truth).astype(float) @ w
    tn = (~above & ~truth).astype(float) @ w
    div = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)  # noqa: E731
    if curve == "ROC":
        tpr, fpr = div(tp, tp + fn), div(fp, fp + tn)
        return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = div(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    ratio = np.where((p[:-1] > 0) & (p[1:] > 0), div(p[:-1], np.maximum(p[1:], 0)), 1.0)
    return float(
        np.sum(div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)))
    )


def _exact_auc(pred, truth):
    pos, neg = pred[truth != 0], pred[truth == 0]
    return np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))


def test_accuracy_variants():
    m = nerve.metrics
    # the functions give one value per sample (per element for binary_accuracy), as Keras's
    assert np.mean(m.categorical_accuracy(ONEHOT, PROBS)) == pytest.approx(
        np.mean(PROBS.argmax(-1) == LABELS)
    )
    assert np.mean(m.sparse_categorical_accuracy(LABELS, PROBS)) == pytest.approx(
        np.mean(PROBS.argmax(-1) == LABELS)
    )
    assert np.mean(m.binary_accuracy(BIN_T, BIN_P)) == pytest.approx(
        np.mean((BIN_P > 0.5) == BIN_T)
    )
    assert m.BinaryAccuracy(threshold=0.7)(BIN_T, BIN_P) == pytest.approx(
        np.mean((BIN_P > 0.7) == BIN_T)
    )
    for k in (1, 2, 3):
        assert np.mean(m.top_k_categorical_accuracy(ONEHOT, PROBS, k)) == pytest.approx(
            _top_k(PROBS, LABELS, k)
        )
        assert m.SparseTopKCategoricalAccuracy(k)(LABELS, PROBS) == pytest.approx(
            _top_k(PROBS, LABELS, k)
        )
    assert np.mean(m.top_k_categorical_accuracy(ONEHOT, PROBS, 1)) == pytest.approx(
        np.mean(PROBS.argmax(-1) == LABELS)
    )


def test_regression_metrics():
    t = rng.standard_normal((N, 3))
    assert np.mean(nerve.metrics.mae(t, BIN_P)) == pytest.approx(
        np.mean(np.abs(BIN_P - t)), rel=1e-6
    )
    assert nerve.metrics.MeanSquaredError()(t, BIN_P) == pytest.approx(
        np.mean((BIN_P - t) ** 2), rel=1e-6
    )


def test_precision_recall():
    pred = BIN_P > 0.5
    tp = np.sum(pred & (BIN_T == 1))
    assert nerve.metrics.Precision()(BIN_T, BIN_P) == pytest.approx(tp / pred.sum())
    assert nerve.metrics.Recall()(BIN_T, BIN_P) == pytest.approx(tp / BIN_T.sum())
    pred = BIN_P > 0.3
    tp = np.sum(pred & (BIN_T == 1))
    assert nerve.metrics.Precision(thresholds=0.3)(BIN_T, BIN_P) == pytest.approx(tp / pred.sum())
    assert nerve.metrics.Precision()(np.zeros(4), np.zeros(4)) == 0.0  # no positives: 0, no NaN


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("num_thresholds", [200, 7])
def test_auc_matches_keras_algorithm(curve, num_thresholds):
    auc = nerve.metrics.AUC(num_thresholds=num_thresholds, curve=curve)
    auc.update_state(BIN_T[:50], BIN_P[:50])
    auc.update_state(BIN_T[50:], BIN_P[50:])  # accumulates across batches
    assert auc.result() == pytest.approx(
        _keras_auc(BIN_P, BIN_T, num_thresholds, curve), rel=1e-9, abs=1e-12
    )


def test_auc_close_to_exact_roc_auc():
    informative = np.clip(BIN_T * 0.3 + BIN_P * 0.7, 0, 1)
    got = nerve.metrics.AUC()(BIN_T, informative)
    assert got == pytest.approx(_exact_auc(informative.ravel(), BIN_T.ravel()), abs=0.01)
    assert got > 0.8


def test_sample_weights_in_standalone_metrics():
    acc = nerve.metrics.SparseCategoricalAccuracy()
    acc.update_state(LABELS, PROBS, sample_weight=W)
    hits = PROBS.argmax(-1) == LABELS
    assert acc.result() == pytest.approx(np.sum(W * hits) / np.sum(W))
    auc = nerve.metrics.AUC()
    auc.update_state(BIN_T, BIN_P, sample_weight=W)
    assert auc.result() == pytest.approx(_keras_auc(BIN_P, BIN_T, w=W), rel=1e-9)
    acc.reset_state()
    assert acc.result() == 0.0


def _classifier(loss, units, metrics, weighted_metrics=None, activation="softmax"):
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential([nerve.Input((4,)), nerve.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=metrics, weighted_metrics=weighted_metrics)
    return model


def test_metrics_in_evaluate_match_numpy_on_predictions():
    x = rng.standard_normal((N, 4)).astype(np.float32)
    model = _classifier(
        "categorical_crossentropy",
        C,
        [
            "accuracy",
            "top_k_categorical_accuracy",
            nerve.metrics.TopKCategoricalAccuracy(k=2, name="top2"),
            "mae",
            "mse",
            "precision",
            "recall",
            "auc",
        ],
    )
    logs = model.evaluate(x, ONEHOT, batch_size=10, verbose=0, return_dict=True)
    p = model.predict(x)
    assert logs["accuracy"] == pytest.approx(np.mean(p.argmax(-1) == LABELS))
    assert logs["top_k_categorical_accuracy"] == pytest.approx(_top_k(p, LABELS, 5))
    assert logs["top2"] == pytest.approx(_top_k(p, LABELS, 2))
    assert logs["mae"] == pytest.approx(np.mean(np.abs(p - ONEHOT)), rel=1e-5)
    assert logs["mse"] == pytest.approx(np.mean((p - ONEHOT) ** 2), rel=1e-5)
    tp = np.sum((p > 0.5) & (ONEHOT == 1))
    assert logs["precision"] == pytest.approx(tp / max(np.sum(p > 0.5), 1))
    assert logs["recall"] == pytest.approx(tp / N)
    assert logs["auc"] == pytest.approx(_keras_auc(p, ONEHOT), rel=1e-6)


def test_sparse_metrics_and_weighted_metrics():
    x = rng.standard_normal((N, 4)).astype(np.float32)
    model = _classifier(
        "sparse_categorical_crossentropy",
        C,
        ["accuracy", "sparse_top_k_categorical_accuracy"],
        weighted_metrics=["accuracy"],
    )
    logs = model.evaluate(x, LABELS, batch_size=16, sample_weight=W, verbose=0, return_dict=True)
    p = model.predict(x)
    hits = p.argmax(-1) == LABELS
    assert logs["accuracy"] == pytest.approx(np.mean(hits))  # metrics ignore sample weights
    assert logs["weighted_accuracy"] == pytest.approx(np.sum(W * hits) / np.sum(W))
    assert logs["sparse_top_k_categorical_accuracy"] == pytest.approx(_top_k(p, LABELS, 5))


def test_accuracy_follows_the_loss_and_output_units():
    assert type(nerve.metrics.get("accuracy", "binary_crossentropy")).__name__ == "BinaryAccuracy"
    assert (
        type(nerve.metrics.get("acc", "sparse_categorical_crossentropy")).__name__
        == "SparseCategoricalAccuracy"
    )
    assert type(nerve.metrics.get("accuracy", "mse", (3,))).__name__ == "CategoricalAccuracy"
    # Keras 3 decides by shape: binary_crossentropy on several units gives categorical accuracy
    assert (
        type(nerve.metrics.get("accuracy", "binary_crossentropy", (3,))).__name__
        == "CategoricalAccuracy"
    )


def test_mismatched_metric_and_loss():
    with pytest.raises(ValueError, match="integer class labels"):
        _classifier("sparse_categorical_crossentropy", C, ["categorical_accuracy"])
    with pytest.raises(ValueError, match="integer class labels"):
        _classifier("categorical_crossentropy", C, ["sparse_categorical_accuracy"])
    with pytest.raises(ValueError, match="Unknown metric"):
        _classifier("mse", C, ["accuracyy"])
    with pytest.raises(ValueError, match="num_thresholds"):
        nerve.metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="top_k"):
        nerve.metrics.Precision(top_k=2)


def test_directions_for_monitoring():
    d = nerve.metrics.direction
    assert d("val_loss") == "down" and d("loss") == "down"
    assert d("val_accuracy") == "up" and d("auc") == "up" and d("precision") == "up"
    assert d("val_mae") == "down" and d("mean_squared_error") == "down"
    assert d("something_else") is None
